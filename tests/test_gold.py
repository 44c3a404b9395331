"""The question sets themselves: well-formed, large enough, and every piece of evidence really
in the report. Only totals are asserted about the sealed sets (test, blind)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ijdqa.evaluation.gold import CATEGORIES, GoldQuestion, load_gold
from ijdqa.types import Report

EVAL = Path(__file__).resolve().parents[1] / "eval"
SETS = ("dev", "test", "blind")


@pytest.fixture(scope="module", params=SETS)
def gold(request: pytest.FixtureRequest) -> list[GoldQuestion]:
    return load_gold(EVAL / f"{request.param}.jsonl")


def test_size_and_mix(gold: list[GoldQuestion]) -> None:
    categories = Counter(q.category for q in gold)
    assert len(gold) >= 70
    assert sum(q.refuse for q in gold) >= 8
    assert set(categories) <= CATEGORIES


def test_blind_set_is_large_and_hard() -> None:
    blind = load_gold(EVAL / "blind.jsonl")
    styles = Counter(q.style for q in blind)
    assert len(blind) >= 200
    assert sum(q.refuse for q in blind) >= 0.25 * len(blind)
    assert {"terse", "typo", "lowercase", "paraphrase", "followup", "multi"} <= set(styles)
    groups = Counter(q.paraphrase_group for q in blind if q.paraphrase_group)
    assert sum(1 for n in groups.values() if n >= 4) >= 5


def test_no_question_is_in_two_sets() -> None:
    seen: dict[str, str] = {}
    for name in SETS:
        for q in load_gold(EVAL / f"{name}.jsonl"):
            key = " ".join(q.question.lower().split())
            assert seen.setdefault(key, name) == name, (name, seen[key])


def test_ids_unique(gold: list[GoldQuestion]) -> None:
    repeated = [i for i, n in Counter(q.id for q in gold).items() if n > 1]
    assert not repeated


def test_evidence_is_verbatim_in_the_corpus(gold: list[GoldQuestion], report: Report) -> None:
    raw = (EVAL.parent / "src" / "ijdqa" / "data" / "report.txt").read_text(encoding="utf-8")
    texts = [
        raw,  # a span copied from the extraction as printed, markers and all
        report.text,
        *(f.text for f in report.footnotes),
        *(o.line for o in report.organizations),
    ]
    missing = [
        (q.id, span) for q in gold for span in q.evidence if not any(span in t for t in texts)
    ]
    assert not missing


def test_footnote_numbers_exist(gold: list[GoldQuestion], report: Report) -> None:
    known = {f.number for f in report.footnotes}
    unknown = [(q.id, n) for q in gold for n in q.footnotes if n not in known]
    assert not unknown


def test_labels_agree_with_categories(gold: list[GoldQuestion]) -> None:
    for q in gold:
        if q.category == "unanswerable":
            assert q.refuse and not q.evidence and not q.must_include, q.id
        if q.refuse:
            assert not q.footnotes, q.id
        else:
            assert q.must_include and q.evidence, q.id
        if q.category == "followup":
            assert q.history, q.id
        assert all(t.role in ("user", "assistant") and t.content for t in q.history), q.id
