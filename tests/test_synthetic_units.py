"""Unit tests on the second report (tests/data/synthetic_report.txt, written by us) indexed in
tmp_path with the fake embedder: question analysis, footnotes and their Ibids, citations, and
the appendix table answered end to end. Fast (no model), and nothing here knows the bundled
report. The answers checked here do not go through the calibrated decision (footnote and table
questions), so the fake vectors cannot change them."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import HashEmbedder
from ijdqa.answer import ExtractiveAnswerer
from ijdqa.answer.expected import answer_type
from ijdqa.answer.followup import split_context
from ijdqa.answer.question import (
    asks_why,
    explicit_footnote,
    split_compound,
    split_preamble,
    wants_source,
)
from ijdqa.citations import keep_valid, make_citation
from ijdqa.render import describe_footnote, render_markdown
from ijdqa.report.parse import parse_report
from ijdqa.search.build import build_index
from ijdqa.search.corpus import CorpusView, build_chunks, corpus_hash
from ijdqa.search.index import Index, open_index
from ijdqa.types import Answer, Report, footnote_urls
from support import DATA


@pytest.fixture(scope="module")
def second() -> Report:
    return parse_report((DATA / "synthetic_report.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def index(second: Report, tmp_path_factory: pytest.TempPathFactory) -> Index:
    items = build_chunks(second)
    root: Path = tmp_path_factory.mktemp("second-hash-index")
    build_index(
        root, items, embedder=lambda: HashEmbedder(64), model="hash", inputs=corpus_hash(items)
    )
    return open_index(root, query_embedder=HashEmbedder(64))


@pytest.fixture(scope="module")
def answerer(second: Report, index: Index) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(CorpusView(second), index)


def assert_verbatim(view: CorpusView, index: Index, answer: Answer) -> None:
    for c in answer.citations:
        chunk = index.chunk(c.chunk_id)
        assert chunk is not None
        base = view.base(chunk)
        assert base is not None and base[c.start : c.end] == c.quote


# --- question analysis ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("When was the Trust founded?", "time"),
        ("Who chaired the Trust?", "person"),
        ("How many members did the choir recruit?", "number"),
        ("Where will the next festival be held?", "place"),
        ("What did the harbour master promise?", None),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, wanted: str | None) -> None:
    assert answer_type(question) == wanted


def test_questions_about_sources_and_footnotes_are_recognized() -> None:
    assert explicit_footnote("What does footnote 14 say?") == 14
    assert explicit_footnote("What did the harbour master promise?") is None
    assert wants_source("Which tweet is cited for the projection?")
    assert wants_source("What does footnote 14 say?")
    assert not wants_source("How many members did the choir recruit?")


def test_a_statement_before_a_question_is_its_preamble() -> None:
    asked = "I'm checking the coast. How many groups from Kedah are listed?"
    assert split_preamble(asked) == (
        "How many groups from Kedah are listed?",
        "I'm checking the coast.",
    )
    # a question that points back into the preamble is not a question on its own
    back = "The Trust opened a school. In which town does it teach?"
    assert split_preamble(back) == (back, None)
    assert split_preamble("How many groups signed?") == ("How many groups signed?", None)


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("Who chaired the Trust?", ["Who chaired the Trust?"]),
        # "where and when" joins question words of one part; the part after ", and" is its own
        (
            "Where and when was the Trust set up, and who chairs it?",
            ["Where and when was the Trust set up?", "who chairs it?"],
        ),
        # a second question may open with the preposition its wh-word governs
        (
            "When did the festival open, and for how long did it run?",
            ["When did the festival open?", "for how long did it run?"],
        ),
        # an imperative before the wh-word opens one too ("and say which ...")
        (
            "Name the choirs that sang and say which city they came from.",
            ["Name the choirs that sang?", "say which city they came from?"],
        ),
        # "whose" opens a second question as the other wh-words do
        (
            "When was the Trust founded, and whose photos did it post?",
            ["When was the Trust founded?", "whose photos did it post?"],
        ),
        (
            "Who founded the Trust and in which town was it?",
            ["Who founded the Trust?", "in which town was it?"],
        ),
        (
            "Is the fund for which the choir sang named?",
            ["Is the fund for which the choir sang named?"],
        ),
        # a list of three: "A, B, and C"; a relative clause inside a part stays whole
        (
            "What date was the festival, which sites carried it, and why was it online?",
            ["What date was the festival?", "which sites carried it?", "why was it online?"],
        ),
        (
            "What did the Trust, which was founded in 1986, say, and when did it say it?",
            ["What did the Trust, which was founded in 1986, say?", "when did it say it?"],
        ),
    ],
)
def test_two_questions_in_one_are_split(question: str, parts: list[str]) -> None:
    assert split_compound(question) == parts


def test_two_questions_in_one_and_why_is_seen() -> None:
    both = "What did the harbour master promise and where will the next festival be held?"
    assert len(split_compound(both)) == 2
    assert asks_why("Why did the festival move online?")
    assert not asks_why("When did the festival move online?")
    assert split_context("When? (context: Who chaired the Trust?)") == (
        "When?",
        "Who chaired the Trust?",
    )


# --- footnotes -----------------------------------------------------------------------------


def test_every_ibid_of_the_second_report_resolves_to_a_footnote_with_a_url(second: Report) -> None:
    ibids = [f for f in second.footnotes if f.same_as is not None]
    assert len(ibids) == 2  # "Ibid" and "Ibid." in the file
    for note in ibids:
        target = second.resolve(note.number)
        assert target is not None and target.same_as is None and target.urls
        assert target.number < note.number
        assert footnote_urls([note], second.footnote_map) == list(target.urls)
        assert f"(Ibid: fn {target.number})" in describe_footnote(note, second.footnote_map)


def test_a_footnote_question_cites_the_sentence_its_marker_closes(
    answerer: ExtractiveAnswerer, second: Report, index: Index
) -> None:
    ibid = next(f for f in second.footnotes if f.same_as is not None)
    answer = answerer.answer(f"What is the source of footnote {ibid.number}?")
    assert not answer.refused
    [citation] = answer.citations
    assert citation.quote == ibid.cited_in  # the sentence the marker closes
    assert [n.number for n in citation.footnotes] == [ibid.number, ibid.same_as]
    assert second.resolve(ibid.number).urls[0] in answer.text  # the URL of the note it repeats
    assert_verbatim(answerer.view, index, answer)


# --- citations -----------------------------------------------------------------------------


def test_a_citation_is_cut_from_its_base_text_and_carries_the_markers_inside(
    second: Report, index: Index
) -> None:
    view = CorpusView(second)
    chunk = next(c for c in index.chunks if c.kind == "body" and c.footnotes)
    citation = make_citation(view, chunk, chunk.start, chunk.end, marker=1)
    assert citation is not None and citation.quote == chunk.text
    inside = {m.number for m in second.markers if chunk.start <= m.offset <= chunk.end}
    assert {n.number for n in citation.footnotes} == inside
    assert make_citation(view, chunk, chunk.end, chunk.start, marker=1) is None  # empty span
    past = len(second.text) + 1
    assert make_citation(view, chunk, chunk.start, past, marker=1) is None


def test_markers_without_a_citation_are_dropped(second: Report, index: Index) -> None:
    view = CorpusView(second)
    chunk = next(c for c in index.chunks if c.kind == "body")
    citation = make_citation(view, chunk, chunk.start, chunk.end, marker=1)
    assert citation is not None
    kept = keep_valid(Answer(question="q", text="Said [1]. Made up [2].", citations=(citation,)))
    assert kept.text == "Said [1]. Made up ." and kept.dropped_markers == 1
    assert render_markdown(kept, second.footnote_map).startswith("Said [^1]. Made up .")


# --- the appendix table, end to end ----------------------------------------------------------


def test_the_table_total_cites_one_span_over_every_row_it_counts(
    answerer: ExtractiveAnswerer, second: Report, index: Index
) -> None:
    answer = answerer.answer("How many organizations are listed in the appendix?")
    orgs = second.organizations
    assert not answer.refused and f" {len(orgs)} " in answer.text
    [citation] = answer.citations  # the count rests on the rows: one quote covering them all
    assert citation.quote.startswith(orgs[0].line) and citation.quote.endswith(orgs[-1].line)
    assert all(o.line in citation.quote for o in orgs)
    assert_verbatim(answerer.view, index, answer)


def test_a_country_question_lists_exactly_the_rows_of_that_country(
    answerer: ExtractiveAnswerer, second: Report, index: Index
) -> None:
    countries = [o.country for o in second.organizations if o.country]
    country = min(sorted(set(countries)), key=countries.count)  # one with the fewest rows
    answer = answerer.answer(f"Which partner organizations are in {country}?")
    rows = [o for o in second.organizations if o.country == country]
    assert not answer.refused and len(answer.citations) == len(rows)
    assert [c.quote for c in answer.citations] == [o.line for o in rows]
    assert all(o.name in answer.text for o in rows)
    assert_verbatim(answerer.view, index, answer)


def test_a_total_adds_no_figure_the_prose_gives_of_something_else(
    answerer: ExtractiveAnswerer, second: Report, index: Index
) -> None:
    # "more than 20 community groups" supported the festival; the letter's co-signers are the
    # table's 24 rows, and that sentence does not say how many co-signed
    answer = answerer.answer("how many groups co-signed the open letter?")
    assert " 24 " in answer.text and "more than 20" not in answer.text
    assert len(answer.citations) == 1
    assert_verbatim(answerer.view, index, answer)
