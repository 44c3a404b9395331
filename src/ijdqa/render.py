"""How an answer is shown outside the web page: plain text, Markdown and JSON, and the one-line
description of a footnote they share. The CLI, the web chat's Markdown and JSON, and eval all
render through here; the web page's HTML (web_render.py) uses the same footnote facts.

Every renderer takes `lookup` (number -> footnote, the report's `footnote_map`) so that an
Ibid is shown with the footnote it repeats.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import NamedTuple, cast

from ijdqa.citations import MARKER_RE
from ijdqa.schema import AnswerJSON, CitationJSON, FootnoteDetail, Generator, Source
from ijdqa.types import Answer, Citation, Footnote, footnote_urls, ibid_target


class FootnoteFacts(NamedTuple):
    """What every description of a footnote shows, whatever its format."""

    note: Footnote
    repeats: Footnote | None  # the footnote an Ibid repeats
    shown: Footnote  # the footnote whose date, kind and text stand for it
    urls: list[str]  # its URLs, an Ibid's from the footnotes it repeats


def footnote_facts(note: Footnote, lookup: Mapping[int, Footnote]) -> FootnoteFacts:
    target = ibid_target(note, lookup)
    return FootnoteFacts(note, target, target or note, footnote_urls([note], lookup))


def describe_footnote(note: Footnote, lookup: Mapping[int, Footnote]) -> str:
    """One footnote in a line: number, the footnote an Ibid repeats, date, URLs (or the note)."""
    facts = footnote_facts(note, lookup)
    parts = [f"fn {note.number}"]
    if facts.repeats:
        parts.append(f"(Ibid: fn {facts.repeats.number})")
    if facts.shown.date:
        parts.append(facts.shown.date)
    parts.append(", ".join(facts.urls) if facts.urls else f"note: {facts.shown.text}")
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
        _, target, shown, urls = footnote_facts(note, lookup)
        text = f"Ibid. (footnote {target.number}): {target.text}" if target else note.text
        for url in urls or (None,):
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
