"""Citations: built from a chunk and a span, validated against the corpus, rendered by code.

A citation's quote is always cut from the base text its chunk points into, so it is verbatim
by construction; `validate` checks it again before anything is shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import cast

from ijdqa.schema import AnswerJSON, CitationJSON, FootnoteDetail, Generator, Source
from ijdqa.types import Answer, Chunk, Citation, Footnote, Report

MARKER_RE = re.compile(r"\[(\d{1,3})\]")


class CorpusView:
    """Read access to every text a citation may quote: report, footnote bodies, sources."""

    def __init__(
        self,
        report: Report,
        sources: Mapping[str, str] | None = None,
        provenance: Mapping[str, str] | None = None,
    ) -> None:
        self.report = report
        self.sources = dict(sources or {})
        # url -> how its stored copy got here (sources.provenance_label): every citation of a
        # source shows it, so an imported file never passes for the page at the cited URL
        self.provenance = dict(provenance or {})
        self._notes = {f.number: f for f in report.footnotes}

    def base(self, chunk: Chunk) -> str | None:
        if chunk.kind == "footnote":
            note = self._notes.get(chunk.footnotes[0]) if chunk.footnotes else None
            return note.text if note else None
        if chunk.kind == "source":
            return self.sources.get(chunk.source)
        return self.report.text

    def footnote(self, number: int) -> Footnote | None:
        return self._notes.get(number)

    def footnotes_in(self, start: int, end: int) -> tuple[Footnote, ...]:
        """Footnotes whose markers sit inside [start, end] of the clean report text."""
        numbers = [m.number for m in self.report.markers if start <= m.offset <= end]
        return tuple(self._notes[n] for n in numbers if n in self._notes)

    def paragraph_at(self, offset: int) -> str:
        for para in self.report.paragraphs:
            if para.start <= offset <= para.end:
                return para.text
        return ""


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
    from ijdqa.lexical import tokenize

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


def footnote_urls(view_or_notes: Sequence[Footnote], lookup: Mapping[int, Footnote]) -> list[str]:
    """URLs behind footnotes, following Ibid to the footnote it repeats."""
    urls: list[str] = []
    for note in view_or_notes:
        target = lookup.get(note.same_as) if note.same_as else note
        for url in (target or note).urls:
            if url not in urls:
                urls.append(url)
    return urls


def describe_footnote(note: Footnote, lookup: Mapping[int, Footnote]) -> str:
    target = lookup.get(note.same_as) if note.same_as else None
    shown = target or note
    parts = [f"fn {note.number}"]
    if target:
        parts.append(f"(Ibid: fn {target.number})")
    if shown.date:
        parts.append(shown.date)
    parts.append(", ".join(shown.urls) if shown.urls else f"note: {shown.text}")
    return " ".join(parts)


def render_plain(answer: Answer, lookup: Mapping[int, Footnote]) -> str:
    lines = [answer.text, ""]
    for c in answer.citations:
        notes = "; ".join(describe_footnote(n, lookup) for n in c.footnotes)
        where = f"p. {c.page}, {c.section}" if c.kind != "source" else f"source {c.source}"
        lines.append(f"[{c.marker}] “{c.quote}” ({where}){' — ' + notes if notes else ''}")
        if c.source_excerpt:
            lines.append(f"    source's own words: “{c.source_excerpt}”")
            if c.source_status and "; " in c.source_status:  # with how the copy got here
                lines.append(f"    ({c.source_status.split('; ', 1)[1]})")
        elif c.source_status:
            lines.append(f"    ({c.source_status})")
    for note in answer.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines).rstrip()


def render_markdown(answer: Answer, lookup: Mapping[int, Footnote]) -> str:
    """Markdown with footnotes: [n] becomes [^n] and each footnote holds quote, page and URLs."""
    text = MARKER_RE.sub(lambda m: f"[^{m.group(1)}]", answer.text)
    lines = [text, ""]
    for c in answer.citations:
        quote = c.quote.replace("\n", " ")
        notes = "; ".join(describe_footnote(n, lookup) for n in c.footnotes)
        where = f"report p. {c.page}" if c.kind != "source" else f"source <{c.source}>"
        if c.kind == "source" and c.source_status:
            where += f", {c.source_status}"  # fetched when and from where, or imported
        lines.append(f"[^{c.marker}]: “{quote}” ({where}){'. Report ' + notes if notes else ''}")
    return "\n".join(lines).rstrip() + "\n"


def answer_dict(answer: Answer, lookup: Mapping[int, Footnote] | None = None) -> AnswerJSON:
    """The answer as the JSON of docs/json.md (`ijdqa ask --json`, POST /api/ask, /ask).

    `lookup` (number -> footnote, the whole report's) resolves an Ibid to the footnote it
    repeats; without it only footnotes cited in the same answer can be followed.
    """
    notes = dict(lookup or {})
    for c in answer.citations:
        for note in c.footnotes:
            notes.setdefault(note.number, note)
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "answerer": answer.answerer,
        "generator": generator(answer.answerer),
        "citations": [citation_dict(c, notes) for c in answer.citations],
        "see_also": [
            {
                "chunk_id": h.chunk.chunk_id,
                "page": h.chunk.page,
                "section": h.chunk.section,
                "kind": h.chunk.kind,
                "text": h.chunk.text,
                "footnotes": list(h.chunk.footnotes),
            }
            for h in answer.see_also
        ],
        "notes": list(answer.notes),
        "dropped_markers": answer.dropped_markers,
        "unsupported": list(answer.unsupported),
        "resolved_question": answer.resolved_question,
        "timings_ms": timings_ms(answer.timings),
    }


def citation_dict(c: Citation, lookup: Mapping[int, Footnote]) -> CitationJSON:
    """One citation: `footnotes` as numbers, `sources` one per URL, the full notes beside."""
    return {
        "marker": c.marker,
        "chunk_id": c.chunk_id,
        "quote": c.quote,
        "start": c.start,
        "end": c.end,
        "page": c.page,
        "section": c.section,
        "kind": c.kind,
        "source": c.source,
        "footnotes": [n.number for n in c.footnotes],
        "sources": citation_sources(c.footnotes, lookup),
        "footnote_details": [cast(FootnoteDetail, n.as_dict()) for n in c.footnotes],
        "source_excerpt": c.source_excerpt,
        "source_status": c.source_status,
    }


def citation_sources(notes: Sequence[Footnote], lookup: Mapping[int, Footnote]) -> list[Source]:
    """One entry per URL behind the footnotes (an Ibid speaks with its target's URL and date);
    a footnote with no URL still gets one entry, url null, so its note is not lost."""
    out: list[Source] = []
    for note in notes:
        target = lookup.get(note.same_as) if note.same_as else None
        shown = target or note
        text = f"Ibid. (footnote {target.number}): {target.text}" if target else note.text
        for url in shown.urls or (None,):
            out.append({"footnote": note.number, "url": url, "date": shown.date, "note": text})
    return out


def generator(answerer: str) -> Generator:
    """What wrote the answer: ijdqa's version, the answerer kind and the chat model if any."""
    from ijdqa import __version__

    kind, _, model = answerer.partition(":")
    return {"name": "ijdqa", "version": __version__, "answerer": kind, "model": model or None}


def timings_ms(timings: Mapping[str, float]) -> dict[str, float]:
    """Seconds -> milliseconds; `answer` is what the total spent outside retrieval."""
    total = timings.get("total", sum(timings.values()))
    retrieve = timings.get("retrieve", 0.0)
    out = {k: v for k, v in timings.items() if k not in ("retrieve", "answer", "total")}
    out |= {"retrieve": retrieve, "answer": max(total - retrieve, 0.0), "total": total}
    return {k: round(v * 1000, 2) for k, v in out.items()}


def render_json(answer: Answer, lookup: Mapping[int, Footnote] | None = None) -> str:
    """One line of JSON (so a batch is JSON Lines)."""
    return json.dumps(answer_dict(answer, lookup), ensure_ascii=False)
