"""The regression gate: each question set (dev, test, blind), in process, with the extractive
answerer, must meet its floors in eval/thresholds.json (`ijdqa eval --check
eval/thresholds.json` is the same gate from the command line). The floors were fixed before
tuning and are never raised; the sets other than dev are never tuned on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ijdqa.app import build_assistant
from ijdqa.config import Settings
from ijdqa.eval_report import check_thresholds, read_thresholds, summarize, thresholds_for
from ijdqa.evaluate import load_gold, run_gold

ROOT = Path(__file__).resolve().parents[1]
SETS = ("dev", "test", "blind")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_question_set_meets_its_floors() -> None:
    index_dir = Path(os.environ.get("IJDQA_INDEX_DIR") or ROOT / "index")
    assistant = build_assistant(Settings(index_dir=index_dir, llm="none"))
    thresholds = read_thresholds(ROOT / "eval" / "thresholds.json")
    failures: list[str] = []
    for name in SETS:
        path = ROOT / "eval" / f"{name}.jsonl"
        summary = summarize(run_gold(assistant, load_gold(path)))
        # totals only: which sealed questions failed is never printed
        failures += [
            f"{name} {f}" for f in check_thresholds(summary, thresholds_for(thresholds, name))
        ]
    assert not failures, f"below threshold: {failures}"
