"""Chunking: stable content-derived ids, whole sentences, verbatim offsets, footnote metadata."""

from __future__ import annotations

import json
import re

import pytest

from ijdqa.app_corpus import read_report_text
from ijdqa.report.parse import parse_report
from ijdqa.search.corpus import CorpusView, IndexedChunk, build_chunks, corpus_hash
from ijdqa.text import sentence_spans
from ijdqa.types import Paragraph, Report
from support import DATA

SYNTHETIC = DATA / "synthetic_report.txt"

# A phrase inside one body paragraph of each report, and a longer replacement for it.
EDITS = {
    "bundled": (
        "broadcasted on Facebook and YouTube",
        "broadcasted on Facebook, Instagram and YouTube",
    ),
    "synthetic": ("concerts, boat parades and talks", "concerts, boat parades, films and talks"),
}


def _raw(which: str) -> str:
    return read_report_text(None if which == "bundled" else SYNTHETIC)[0]


@pytest.fixture(scope="module", params=["bundled", "synthetic"])
def parsed(request: pytest.FixtureRequest) -> tuple[str, Report, list[IndexedChunk]]:
    report = parse_report(_raw(request.param), name=request.param)
    return request.param, report, build_chunks(report)


def _paragraph_of(report: Report, start: int) -> Paragraph:
    return next(p for p in report.paragraphs if p.start <= start < p.end)


def test_ids_are_stable_and_unique(parsed: tuple[str, Report, list[IndexedChunk]]) -> None:
    which, _, chunks = parsed
    again = build_chunks(parse_report(_raw(which), name=which))
    assert [c.chunk.chunk_id for c in again] == [c.chunk.chunk_id for c in chunks]
    assert corpus_hash(again) == corpus_hash(chunks)
    ids = [c.chunk.chunk_id for c in chunks]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("which", sorted(EDITS))
def test_editing_one_paragraph_changes_only_its_chunk_ids(which: str) -> None:
    raw = _raw(which)
    old_phrase, new_phrase = EDITS[which]
    assert raw.count(old_phrase) == 1
    before = build_chunks(parse_report(raw))
    report_after = parse_report(raw.replace(old_phrase, new_phrase))
    after = build_chunks(report_after)
    old_ids = {c.chunk.chunk_id for c in before}
    new_ids = {c.chunk.chunk_id for c in after}
    gone = [c.chunk for c in before if c.chunk.chunk_id not in new_ids]
    added = [c.chunk for c in after if c.chunk.chunk_id not in old_ids]
    assert any(old_phrase in c.text for c in gone)
    assert any(new_phrase in c.text for c in added)
    edited = _paragraph_of(report_after, next(c.start for c in added if new_phrase in c.text))
    for chunk in added:  # every new id belongs to the edited paragraph
        assert chunk.kind != "footnote"
        assert _paragraph_of(report_after, chunk.start).index == edited.index
    assert len(gone) == len(added) <= 3


def test_ids_depend_on_text_not_position() -> None:
    raw = _raw("bundled")
    # Insert a new paragraph at the very start: every offset moves, no existing text changes.
    shifted = build_chunks(
        parse_report(" A new opening paragraph about nothing in particular.\n" + raw)
    )
    old = {c.chunk.chunk_id: c.chunk.text for c in build_chunks(parse_report(raw))}
    new = {c.chunk.chunk_id: c.chunk.text for c in shifted}
    kept = {cid for cid, text in old.items() if text in new.values()}
    assert kept and kept <= set(new)


def test_chunk_text_is_a_verbatim_span_of_its_base_text(
    parsed: tuple[str, Report, list[IndexedChunk]],
) -> None:
    _, report, chunks = parsed
    for item in chunks:
        chunk = item.chunk
        base = CorpusView(report).base(chunk)
        assert base is not None, chunk
        assert base[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text


def test_no_chunk_splits_a_sentence(parsed: tuple[str, Report, list[IndexedChunk]]) -> None:
    _, report, chunks = parsed
    for item in chunks:
        chunk = item.chunk
        if chunk.kind not in ("body", "caption", "about"):
            continue
        para = _paragraph_of(report, chunk.start)
        spans = sentence_spans(para.text)
        starts = {para.start + s for s, _ in spans}
        ends = {para.start + e for _, e in spans}
        assert chunk.start in starts, (chunk.chunk_id, chunk.text[:40])
        assert chunk.end in ends, (chunk.chunk_id, chunk.text[-40:])


def test_body_chunks_tile_their_paragraph(parsed: tuple[str, Report, list[IndexedChunk]]) -> None:
    _, report, chunks = parsed
    by_para: dict[int, list[tuple[int, int]]] = {}
    for item in chunks:
        if item.chunk.kind in ("body", "caption", "about"):
            para = _paragraph_of(report, item.chunk.start)
            by_para.setdefault(para.index, []).append((item.chunk.start, item.chunk.end))
    for index, spans in by_para.items():
        para = report.paragraphs[index]
        covered = "".join(para.text[s - para.start : e - para.start] for s, e in spans)
        assert "".join(covered.split()) == "".join(para.text.split())


def test_footnote_metadata_is_the_markers_inside_the_chunk(
    parsed: tuple[str, Report, list[IndexedChunk]],
) -> None:
    _, report, chunks = parsed
    seen: list[int] = []
    for item in chunks:
        chunk = item.chunk
        if chunk.kind in ("footnote", "appendix", "source"):
            continue
        para = _paragraph_of(report, chunk.start)
        inside = tuple(m.number for m in para.markers if chunk.start <= m.offset <= chunk.end)
        assert chunk.footnotes == inside
        seen += inside
    # every marker of the report lands in exactly one chunk: no chunk splits a marker off
    assert sorted(seen) == sorted(m.number for m in report.markers)


def test_appendix_entries_are_chunks_with_organizations(
    parsed: tuple[str, Report, list[IndexedChunk]],
) -> None:
    _, report, chunks = parsed
    appendix = [c for c in chunks if c.chunk.kind == "appendix"]
    assert len(appendix) == len(report.organizations)
    by_number = {c.chunk.organizations: c for c in appendix}
    for org in report.organizations:
        item = by_number[(org.number,)]
        assert item.chunk.text == org.line
        assert org.name.split()[0] in item.search_text
        if org.country:
            assert org.country in item.search_text


def test_footnote_chunks_carry_the_cited_sentence(
    parsed: tuple[str, Report, list[IndexedChunk]],
) -> None:
    _, report, chunks = parsed
    notes = {c.chunk.footnotes[0]: c for c in chunks if c.chunk.kind == "footnote"}
    assert sorted(notes) == [f.number for f in report.footnotes]
    for note in report.footnotes:
        item = notes[note.number]
        assert item.chunk.text == note.text
        assert item.chunk.page == note.page
        assert f"Footnote {note.number}" in item.search_text
        if note.cited_in:
            assert note.cited_in in item.search_text


def test_bundled_report_shape(report: Report) -> None:
    chunks = build_chunks(report)
    kinds = [c.chunk.kind for c in chunks]
    assert kinds.count("footnote") == 24
    assert kinds.count("appendix") == 112
    assert max(len(c.chunk.text) for c in chunks if c.chunk.kind == "body") <= 600
    first = next(c for c in chunks if c.chunk.footnotes == (1,) and c.chunk.kind == "body")
    assert "founded in London in 1997" in first.chunk.text


def test_long_sentence_stands_alone() -> None:
    raw = _raw("synthetic")
    report = parse_report(raw)
    chunks = build_chunks(report, max_chars=40)  # shorter than any sentence: one per chunk
    for item in chunks:
        if item.chunk.kind == "body":
            para = _paragraph_of(report, item.chunk.start)
            local = (item.chunk.start - para.start, item.chunk.end - para.start)
            assert local in sentence_spans(para.text)


def test_sentences_are_scoring_texts_of_the_chunk(
    parsed: tuple[str, Report, list[IndexedChunk]],
) -> None:
    _, _, chunks = parsed
    for item in chunks:
        text = item.chunk.text
        prose = item.chunk.kind != "appendix" and (
            item.chunk.kind != "footnote" or len(re.sub(r"\S*://\S*", "", text).split()) > 5
        )
        # appendix rows and citing footnotes are embedded on first use, not at build time
        assert bool(item.sentences) == prose, item.chunk
        for sentence in item.sentences:
            # "Name: sentence" when a pronoun was resolved, else the sentence itself
            assert sentence.split(": ", 1)[-1] in item.chunk.text or sentence in item.chunk.text


def test_retrieval_set_expects_verbatim_passages(report: Report) -> None:
    """eval/retrieval.jsonl: each `expected` is a verbatim span of exactly one chunk's text."""
    rows = [
        json.loads(line)
        for line in (DATA.parents[1] / "eval" / "retrieval.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    assert len(rows) >= 40
    assert len({r["id"] for r in rows}) == len(rows)
    texts = [" ".join(c.chunk.text.split()) for c in build_chunks(report)]
    for row in rows:
        assert set(row) >= {"id", "question", "expected", "kind"}
        expected = " ".join(row["expected"].split())
        assert sum(expected in t for t in texts) == 1, row
