"""Metric functions on small hand-made answers, and one real `ijdqa eval` run end to end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from ijdqa.errors import EvalError
from ijdqa.evaluation.gold import GoldQuestion, load_gold
from ijdqa.evaluation.metrics import (
    HEADLINE,
    _consistent,
    check_thresholds,
    paraphrase_groups,
    read_thresholds,
    summarize,
    thresholds_for,
)
from ijdqa.evaluation.render import report_blocks, to_html
from ijdqa.evaluation.retrieval import evidence_ranks, recall_at_k, reciprocal_rank
from ijdqa.evaluation.score import (
    citation_score,
    contains_phrase,
    correctness,
    footnote_scores,
    quote_checks,
    score_question,
    statements,
)
from ijdqa.types import Answer, Chunk, Citation, Footnote
from support import IJDQA, ROOT

BASE = "IHRC was founded in London in 1997. It has cooperated with the U.N. since 2007."


def note(number: int, url: str = "https://example.org/a") -> Footnote:
    return Footnote(number, url, (url,), None, "web page", None, 1, None, None)


def cite(marker: int, quote: str, *, notes: tuple[Footnote, ...] = (), start: int = 0) -> Citation:
    return Citation(
        marker, "c1", quote, start, start + len(quote), 1, "s", "body", "report", footnotes=notes
    )


def gold(**fields: object) -> GoldQuestion:
    values: dict[str, object] = {
        "id": "q",
        "category": "fact",
        "question": "?",
        "answer": "",
        "must_include": (),
        "must_not_include": (),
        "refuse": False,
        "footnotes": (),
        "evidence": (),
        "history": (),
    }
    return GoldQuestion(**{**values, **fields})  # type: ignore[arg-type]


# --- correctness ---------------------------------------------------------------------------


def test_number_words_equal_digits() -> None:
    assert contains_phrase("The report lists 5 organizations. [1]", "five")
    assert contains_phrase("It lists five of them.", "5")
    assert contains_phrase("twenty-two groups", "22")
    assert not contains_phrase("112 organizations", "12")
    assert not contains_phrase("footnote [5] says", "5")  # a marker is not part of the answer


def test_case_spacing_and_quotes_are_folded() -> None:
    assert contains_phrase("He said “the  WEST bank should be armed”", '"the west bank should')
    assert contains_phrase("IHRC’s leader", "IHRC's leader")
    assert contains_phrase("Jamiat Ulema-e-Pakistan", "jamiat ulema - e - pakistan")


def test_correctness_of_answers_and_refusals() -> None:
    assert correctness("Founded in 1997 in London.", False, must_include=["1997", "London"]).correct
    wrong = correctness("Founded in 1850.", False, must_include=["1997"], must_not_include=["1850"])
    assert (wrong.correct, wrong.missing, wrong.forbidden) == (False, ("1997",), ("1850",))
    refused = correctness("The report does not say.", True, must_include=["1997"])
    assert not refused.correct and refused.refusal_error == "refused but answerable"
    assert correctness("The report does not say.", True, refuse=True).correct
    assert not correctness("It was 5 million.", False, refuse=True).correct


# --- retrieval -----------------------------------------------------------------------------


def test_recall_at_k_and_mrr_on_fake_hits() -> None:
    hits = ["Something else.", "IHRC was founded in\nLondon in 1997. More text.", "2003"]
    spans = ["IHRC was founded in London in 1997", "founded in London in 2003", "missing"]
    ranks = evidence_ranks(spans, hits)
    assert ranks == [2, 3, None]  # the third hit is contained in the second span
    assert recall_at_k(ranks, 2) == pytest.approx(1 / 3)
    assert recall_at_k(ranks, 3) == pytest.approx(2 / 3)
    assert reciprocal_rank(ranks) == 0.5
    assert reciprocal_rank([None]) == 0.0


def test_an_evidence_span_as_printed_is_held_by_the_passage_without_its_markers() -> None:
    passage = "IHRC demanded that the U.N. prosecute those responsible. Upon the outbreak of war"
    printed = [
        "the U.N. prosecute those responsible3. Upon the outbreak",  # a marker glued on
        "2020. IHRC demanded that the U.N. prosecute those responsible",  # the line before's end
        "IHRC demanded that the U.N. punish the generals",  # another claim: not held
    ]
    assert evidence_ranks(printed, ["Unrelated.", passage]) == [2, 2, None]


# --- citations -------------------------------------------------------------------------------


def test_statements_split_on_marker_groups() -> None:
    found = statements("First claim. [1] Second claim [2] [3]. A tail without markers.")
    assert [(s.text, s.markers) for s in found] == [
        ("First claim.", (1,)),
        ("Second claim", (2, 3)),
        ("A tail without markers.", ()),
    ]
    listed = statements("Appendix 1 lists 2 partners in Canada:\n- 24. CD4HR [1]\n- 25. CASMO [2]")
    assert [(s.text, s.markers) for s in listed] == [
        ("Appendix 1 lists 2 partners in Canada:", ()),
        ("- 24. CD4HR", (1,)),
        ("- 25. CASMO", (2,)),
    ]


def test_supported_citation_counts_for_recall_and_precision() -> None:
    quote = "IHRC was founded in London in 1997."
    answer = Answer("q", f"{quote} [1]", citations=(cite(1, quote),))
    score = citation_score(answer)
    assert (score.recall, score.precision) == (1.0, 1.0)


def test_unsupported_citation_lowers_precision() -> None:
    text = "The IHRC received funding from Qatar in 1999. [1]"
    answer = Answer("q", text, citations=(cite(1, "It has cooperated with the U.N. since 2007."),))
    score = citation_score(answer)
    assert (score.statements, score.supported, score.citations, score.precise) == (1, 0, 1, 0)
    assert score.unsupported == ("The IHRC received funding from Qatar in 1999.",)


def test_an_irrelevant_second_citation_is_not_precise() -> None:
    good = cite(1, "IHRC was founded in London in 1997.")
    noise = cite(2, "Hezbollah enjoys wide support.")
    answer = Answer("q", "IHRC was founded in London in 1997. [1] [2]", citations=(good, noise))
    score = citation_score(answer)
    assert (score.recall, score.precision) == (1.0, 0.5)


def test_a_footnote_url_supports_a_source_answer() -> None:
    url = "https://www.ihrc.org.uk/about/about-us/"
    citation = cite(1, "It cooperates with the U.N.", notes=(note(1, url),))
    answer = Answer(
        "q", f"The report cites footnote 1 (a web page): {url} [1]", citations=(citation,)
    )
    assert citation_score(answer).recall == 1.0


def test_footnote_recall_and_precision() -> None:
    assert footnote_scores({12, 13}, [12]) == (1.0, 0.5)
    assert footnote_scores(set(), [12]) == (0.0, None)
    assert footnote_scores({3}, []) == (None, 0.0)


def test_quote_checks_against_the_base_text() -> None:
    chunk = Chunk("c1", BASE, "body", 1, "s", 0, len(BASE))
    index = SimpleNamespace(chunk=lambda cid: chunk if cid == "c1" else None)
    view = SimpleNamespace(base=lambda c: BASE)
    good = cite(1, "founded in London", start=BASE.index("founded"))
    shifted = cite(2, "founded in London", start=3)
    assert quote_checks([good, shifted], index=index, view=view) == [True, False]


# --- refusals and the summary ---------------------------------------------------------------


def test_refusal_precision_and_recall() -> None:
    said, refusal = (
        Answer("q", "In 1997. [1]"),
        Answer("q", "The report does not say.", refused=True),
    )
    cases = [
        (gold(id="a", refuse=True), refusal),  # true positive
        (gold(id="b", refuse=True), said),  # missed refusal
        (gold(id="c", must_include=("1997",)), refusal),  # needless refusal
        (gold(id="d", must_include=("1997",)), said),  # answered
    ]
    results = [score_question(g, a, [], [], k=6, seconds=0.01) for g, a in cases]
    metrics = summarize(results)["metrics"]
    assert metrics["refusal_precision"] == 0.5
    assert metrics["refusal_recall"] == 0.5
    assert metrics["answerable_correctness"] == 0.5
    assert summarize(results)["failed"] == ["b", "c"]
    assert results[2]["failure"]["refusal"] == "refused but answerable"
    assert metrics["false_refusal_rate"] == 0.5  # c refused of the answerable a and c


def test_paraphrase_consistency_counts_groups_not_questions() -> None:
    def row(group: str, correct: bool, refused: bool) -> dict[str, object]:
        return {
            "paraphrase_group": group,
            "refused": refused,
            "expected_refusal": False,
            "latency_ms": 1.0,
            "scores": {"correct": correct},
        }

    rows = [row("a", True, False)] * 4 + [row("b", True, False)] * 3 + [row("b", False, True)]
    rows += [row("c", False, True)] * 4 + [row("lonely", False, False)]
    groups = paraphrase_groups(rows)
    assert set(groups) == {"a", "b", "c"}  # one question alone is no group
    assert [_consistent(groups[g]) for g in "abc"] == [True, False, True]


def test_thresholds_gate() -> None:
    metrics = {
        "metrics": {
            "quote_validity": 0.99,
            "citation_recall": None,
            "refusal_recall": 0.8,
            "false_refusal_rate": 0.1,
        }
    }
    failures = check_thresholds(
        metrics,
        {
            "quote_validity": 1.0,
            "citation_recall": 0.5,
            "refusal_recall": 0.7,
            "false_refusal_rate": 0.05,
        },
    )
    assert failures == [
        "quote_validity: 0.99 < 1",
        "citation_recall: not measured (minimum 0.5)",
        "false_refusal_rate: 0.1 > 0.05",  # lower is better: a maximum
    ]


def test_thresholds_per_set_override_the_shared_ones(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(
        '{"_why": "x", "*": {"quote_validity": 1.0, "refusal_recall": 0.5},'
        ' "blind": {"refusal_recall": 0.7}}'
    )
    gates = read_thresholds(path)
    assert thresholds_for(gates, "blind") == {"quote_validity": 1.0, "refusal_recall": 0.7}
    assert thresholds_for(gates, "dev") == {"quote_validity": 1.0, "refusal_recall": 0.5}


def test_thresholds_file_names_only_known_metrics(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"accuracy": 0.5}')
    with pytest.raises(EvalError, match="unknown metric"):
        read_thresholds(path)


def test_shipped_thresholds_are_headline_metrics() -> None:
    thresholds = read_thresholds(ROOT / "eval" / "thresholds.json")
    for name in ("dev", "test", "blind"):
        assert thresholds_for(thresholds, name)["quote_validity"] == 1.0
    assert {m for gate in thresholds.values() for m in gate} <= set(HEADLINE)


def test_malformed_gold_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "x", "category": "fact"}\n')
    with pytest.raises(EvalError, match=r"gold.jsonl:1"):
        load_gold(path)


def test_html_report_escapes_answers() -> None:
    answer = Answer("q", "<script>alert(1)</script>")
    results = [score_question(gold(must_include=("x",)), answer, [], [], k=6, seconds=0.01)]
    metrics = {"run": {"name": "r", "label": "t", "created": "now"}, **summarize(results)}
    page = to_html(report_blocks(results, metrics, {}), title="r")
    assert "<script>" not in page and "&lt;script&gt;" in page


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.slow
def test_eval_command_writes_a_run(tmp_path: Path, shared_index: Path) -> None:
    result = subprocess.run(
        [
            IJDQA,
            "eval",
            "--sets",
            "dev",
            "--limit",
            "10",
            "--out",
            str(tmp_path),
            "--label",
            "e2e",
            "--json",
            "--index-dir",
            str(shared_index),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert set(metrics) == {"run", "metrics", "counts", "categories", "failed"}
    assert set(metrics["metrics"]) == set(HEADLINE)
    assert metrics["counts"]["questions"] == 10
    assert metrics["metrics"]["quote_validity"] == 1.0
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert run.name.endswith("-e2e")
    for name in ("results.jsonl", "metrics.json", "report.md", "report.html", "latency.png"):
        assert (run / name).is_file(), name
    assert len((run / "results.jsonl").read_text().splitlines()) == 10
    assert json.loads((tmp_path / "latest").read_text())["run"] == run.name
    assert 'src="http' not in (run / "report.html").read_text()
    index = ("--index-dir", str(shared_index))
    compared = subprocess.run(
        [IJDQA, "eval", "--compare", "latest", str(run), "--out", str(tmp_path), *index],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert compared.returncode == 0, compared.stderr
    assert "0 question(s) changed outcome" in compared.stdout


@pytest.mark.slow
def test_eval_check_exits_non_zero_and_lists_what_fell_below(
    tmp_path: Path, shared_index: Path
) -> None:
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text('{"answerable_correctness": 1.01, "quote_validity": 1.0}')
    result = subprocess.run(
        [
            IJDQA,
            "eval",
            "--sets",
            "dev,test",
            "--limit",
            "3",
            "--out",
            str(tmp_path),
            "--check",
            str(thresholds),
            "--index-dir",
            str(shared_index),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 1, result.stderr
    assert "below threshold: dev answerable_correctness" in result.stderr, result.stderr
    assert "below threshold: test answerable_correctness" in result.stderr, result.stderr
    assert "quote_validity" not in result.stderr
