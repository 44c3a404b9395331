"""Citations: built from a chunk and a span, validated against the corpus (render.py shows them).

A citation's quote is always cut from the base text its chunk points into, so it is verbatim
by construction; `validate` checks it again before anything is shown.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ijdqa.search.corpus import CorpusView
from ijdqa.types import Answer, Chunk, Citation, Footnote

MARKER_RE = re.compile(r"\[(\d{1,3})\]")


def make_citation(
    view: CorpusView, chunk: Chunk, start: int, end: int, *, marker: int
) -> Citation | None:
    """A citation of chunk text[start:end] (offsets into the chunk's base text)."""
    base = view.base(chunk)
    if base is None or not (0 <= start < end <= len(base)):
        return None
    quote = base[start:end]
    if chunk.kind == "footnote":
        notes: tuple[Footnote, ...] = tuple(
            n for n in (view.footnote(x) for x in chunk.footnotes) if n
        )
        context = base
    elif chunk.kind == "source":
        notes = tuple(n for n in (view.footnote(x) for x in chunk.footnotes) if n)
        context = chunk.text
    else:
        notes = view.footnotes_in(start, end)
        context = view.paragraph_at(start)
    return Citation(
        marker=marker,
        chunk_id=chunk.chunk_id,
        quote=quote,
        start=start,
        end=end,
        page=chunk.page,
        section=chunk.section,
        kind=chunk.kind,
        source=chunk.source,
        footnotes=notes,
        context=context,
        source_status=view.provenance.get(chunk.source) if chunk.kind == "source" else None,
    )


OWN_WORDS = "source's own words: "


def label_provenance(answer: Answer, view: CorpusView) -> Answer:
    """Every citation that shows a source's words says how that copy got here: a source
    passage cited itself, and a report passage shown beside its source's own words. Where the
    report and its cited source differ on a checkable fact (a year, a number, a percentage, a
    name), a note gives both, each labelled: the report is never silently overruled."""
    cited = []
    notes = list(answer.notes)
    for c in answer.citations:
        status = c.source_status
        if c.kind == "source":
            status = view.provenance.get(c.source, status)
        elif status and status.startswith(OWN_WORDS) and "; " not in status:
            label = view.provenance.get(status.removeprefix(OWN_WORDS))
            status = f"{status}; {label}" if label else status
        cited.append(c if status == c.source_status else replace(c, source_status=status))
        note = disagreement(cited[-1])
        if note and note not in notes:
            notes.append(note)
    return replace(answer, citations=tuple(cited), notes=tuple(notes))


def disagreement(c: Citation) -> str | None:
    """A note when the report and a cited source, speaking of the same thing, differ on a
    checkable fact: a report quote and its source's own words shown beside it, or a source
    passage (the answer under --scope all or sources) and the report sentence that cites it.

    They differ where each has a fact of one kind (years, other numbers, percentages) the
    other lacks, or puts another name in the same place ("founded by X" / "founded by Y")."""
    where = c.source if c.kind == "source" else ""
    pairs: list[tuple[str, str, Footnote | None]]
    if c.kind == "source":
        pairs = [(n.cited_in, c.quote, n) for n in c.footnotes if n.cited_in]
    elif c.source_excerpt:
        pairs = [(c.quote, c.source_excerpt, None)]
        where = (c.source_status or "").partition("; ")[0].removeprefix(OWN_WORDS)
    else:
        return None
    for report, source, note in pairs:
        said, says = _differences(report, source)
        if not said or not _same_topic(report, source):
            continue
        if note is None:
            return (
                f"[{c.marker}] the report says {said}; its cited source "
                f"({where or 'its source'}) says {says}. Both are shown; the answer is the "
                "report's."
            )
        return (
            f"[{c.marker}] the cited source ({where}) says {says}; the report says {said} "
            f"(p. {note.page}, where it cites footnote {note.number}: “{report}”). Both are "
            "shown; the report is not overruled."
        )
    return None


def _differences(report: str, source: str) -> tuple[str, str]:
    """(the report's side, the source's side) of the facts on which they differ; ("", "")."""
    from ijdqa.claims import name_slots, unbacked

    mine, theirs = unbacked(report, source), unbacked(source, report)
    said: list[str] = []
    says: list[str] = []
    for kind in ("years", "percents", "numbers"):
        if mine[kind] and theirs[kind]:
            said += mine[kind]
            says += theirs[kind]
    if (
        mine["names"]
        and theirs["names"]
        and name_slots(report, mine["names"]) & name_slots(source, theirs["names"])
    ):
        said += mine["names"]
        says += theirs["names"]
    return ", ".join(said), ", ".join(says)


def _same_topic(quote: str, excerpt: str) -> bool:
    """Half or more of the quote's words (numbers aside) are in the excerpt: both speak of the
    same thing, so different facts are a disagreement, not two different statements."""
    from ijdqa.search.lexical import tokenize

    words = {w for w in tokenize(quote) if not w.isdigit()}
    return bool(words) and len(words & set(tokenize(excerpt))) >= 0.5 * len(words)


def is_verbatim(view: CorpusView, citation: Citation, chunk: Chunk) -> bool:
    base = view.base(chunk)
    return base is not None and base[citation.start : citation.end] == citation.quote


def keep_valid(answer: Answer) -> Answer:
    """Drop markers in the text that resolve to no citation and citations no marker uses.

    Returns a new Answer; the dropped markers are counted in `dropped_markers`.
    """
    known = {c.marker for c in answer.citations}
    dropped = 0

    def check(match: re.Match[str]) -> str:
        nonlocal dropped
        if int(match.group(1)) in known:
            return match.group(0)
        dropped += 1
        return ""

    text = MARKER_RE.sub(check, answer.text)
    used = {int(n) for n in MARKER_RE.findall(text)}
    citations = tuple(c for c in answer.citations if c.marker in used)
    return replace(
        answer, text=text, citations=citations, dropped_markers=answer.dropped_markers + dropped
    )
