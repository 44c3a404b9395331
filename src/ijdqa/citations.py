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
    two give different years, a note says so: both stay shown, the report is not overruled."""
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
    """A note when a report quote and its source's own words shown beside it give different
    years (each names years, none in common)."""
    if not c.source_excerpt or c.kind == "source":
        return None
    said, source = _years(c.quote), _years(c.source_excerpt)
    if not said or not source or said & source or not _same_topic(c.quote, c.source_excerpt):
        return None
    where = (c.source_status or "").partition("; ")[0].removeprefix(OWN_WORDS) or "its source"
    return (
        f"[{c.marker}] the report says {', '.join(sorted(said))}; its cited source ({where}) "
        f"says {', '.join(sorted(source))}. Both are shown; the answer is the report's."
    )


def _same_topic(quote: str, excerpt: str) -> bool:
    """Half or more of the quote's words (numbers aside) are in the excerpt: both speak of the
    same thing, so different years are a disagreement, not two different facts."""
    from ijdqa.search.lexical import tokenize

    words = {w for w in tokenize(quote) if not w.isdigit()}
    return bool(words) and len(words & set(tokenize(excerpt))) >= 0.5 * len(words)


def _years(text: str) -> set[str]:
    from ijdqa.claims import facts

    return {n for n in facts(text).numbers if n.isdigit() and 1800 <= int(n) <= 2100}


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
