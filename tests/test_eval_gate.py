"""The regression gate: the whole gold set, in process, with the extractive answerer, must meet
every minimum in eval/thresholds.json (`ijdqa eval --check eval/thresholds.json` is the same gate
from the command line)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ijdqa.app import build_assistant
from ijdqa.config import Settings
from ijdqa.eval_report import check_thresholds, read_thresholds, summarize
from ijdqa.evaluate import load_gold, run_gold

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_gold_set_meets_thresholds() -> None:
    index_dir = Path(os.environ.get("IJDQA_INDEX_DIR") or ROOT / "index")
    assistant = build_assistant(Settings(index_dir=index_dir, llm="none"))
    results = run_gold(assistant, load_gold(ROOT / "eval" / "gold.jsonl"))
    summary = summarize(results)
    failures = check_thresholds(summary, read_thresholds(ROOT / "eval" / "thresholds.json"))
    assert not failures, f"below threshold: {failures}; failed questions: {summary['failed']}"
