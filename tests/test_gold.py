"""The gold set itself: well-formed, large enough, and every piece of evidence really in the report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ijdqa.evaluate import CATEGORIES, GoldQuestion, load_gold
from ijdqa.types import Report

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold.jsonl"


@pytest.fixture(scope="module")
def gold() -> list[GoldQuestion]:
    return load_gold(GOLD)


def test_size_and_mix(gold: list[GoldQuestion]) -> None:
    categories = Counter(q.category for q in gold)
    assert len(gold) >= 100
    assert categories["unanswerable"] >= 15
    assert categories["adversarial"] >= 10
    assert set(categories) <= CATEGORIES


def test_ids_unique(gold: list[GoldQuestion]) -> None:
    repeated = [i for i, n in Counter(q.id for q in gold).items() if n > 1]
    assert not repeated


def test_evidence_is_verbatim_in_the_corpus(gold: list[GoldQuestion], report: Report) -> None:
    texts = [
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
