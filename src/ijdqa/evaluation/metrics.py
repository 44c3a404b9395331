"""The figures of a run: headline metrics, denominators and per-category figures from the
per-question results (score.py), and the thresholds a run is gated against (eval/thresholds.json).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ijdqa.errors import EvalError

HEADLINE = (
    "answerable_correctness",
    "overall_correctness",
    "refusal_precision",
    "refusal_recall",
    "false_refusal_rate",
    "paraphrase_consistency",
    "retrieval_recall_at_k",
    "retrieval_mrr",
    "footnote_recall",
    "footnote_precision",
    "citation_recall",
    "citation_precision",
    "quote_validity",
    "latency_p50_ms",
    "latency_p95_ms",
)


Result = Mapping[str, Any]


def _mean(values: Iterable[float | bool | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return round(sum(kept) / len(kept), 4) if kept else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def summarize(results: Sequence[Result]) -> dict[str, Any]:
    """Headline metrics, their denominators, the same scores per category, the failed ids."""
    scores = _scores(results)
    by_category: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_category[r["category"]].append(r)
    return {
        "metrics": {name: scores[name] for name in HEADLINE},
        "counts": scores["counts"],
        "categories": {cat: _category(rows) for cat, rows in sorted(by_category.items())},
        "failed": [r["id"] for r in results if not r["scores"]["correct"]],
    }


def _scores(results: Sequence[Result]) -> dict[str, Any]:
    s = [r["scores"] for r in results]
    answerable = [r["scores"]["correct"] for r in results if not r["expected_refusal"]]
    true_pos = sum(1 for r in results if r["refused"] and r["expected_refusal"])
    refused = sum(1 for r in results if r["refused"])
    should = sum(1 for r in results if r["expected_refusal"])
    latencies = [float(r["latency_ms"]) for r in results]
    quotes = sum(x["quotes"] for x in s)
    wrongly_refused = sum(1 for r in results if r["refused"] and not r["expected_refusal"])
    groups = paraphrase_groups(results)
    return {
        "answerable_correctness": _mean(answerable),
        "overall_correctness": _mean(x["correct"] for x in s),
        "refusal_precision": _ratio(true_pos, refused),
        "refusal_recall": _ratio(true_pos, should),
        "false_refusal_rate": _ratio(wrongly_refused, len(answerable)),
        "paraphrase_consistency": _mean(_consistent(rows) for rows in groups.values()),
        "retrieval_recall_at_k": _mean(x["retrieval_recall"] for x in s),
        "retrieval_mrr": _mean(x["reciprocal_rank"] for x in s),
        "footnote_recall": _mean(x["footnote_recall"] for x in s),
        "footnote_precision": _mean(x["footnote_precision"] for x in s),
        "citation_recall": _mean(x["citation_recall"] for x in s),
        "citation_precision": _mean(x["citation_precision"] for x in s),
        "quote_validity": _ratio(sum(x["valid_quotes"] for x in s), quotes),
        "latency_p50_ms": _percentile(latencies, 50),
        "latency_p95_ms": _percentile(latencies, 95),
        "counts": {
            "questions": len(results),
            "answerable": len(answerable),
            "should_refuse": should,
            "refused": refused,
            "with_evidence": sum(1 for x in s if x["retrieval_recall"] is not None),
            "with_gold_footnotes": sum(1 for x in s if x["footnote_recall"] is not None),
            "citing_footnotes": sum(1 for x in s if x["footnote_precision"] is not None),
            "statements": sum(x["statements"] for x in s),
            "citations": sum(x["citations"] for x in s),
            "quotes": quotes,
            "paraphrase_groups": len(groups),
            # who wrote the answers (an LLM run's "extractive" ones are its fallbacks), and
            # how many model sentences the citation and claim checks dropped
            "by_answerer": dict(Counter(str(r.get("answerer")) for r in results)),
            "claims_dropped": sum(len(r.get("claims_dropped") or ()) for r in results),
        },
    }


def paraphrase_groups(results: Sequence[Result]) -> dict[str, list[Result]]:
    """Results by paraphrase group: one fact asked in several wordings (two or more)."""
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if r.get("paraphrase_group"):
            groups[r["paraphrase_group"]].append(r)
    return {name: rows for name, rows in groups.items() if len(rows) > 1}


def _consistent(rows: Sequence[Result]) -> bool:
    """One fact asked several ways got the same answer: every wording correct, or every
    wording refused (a wrong answer is never the same as another one)."""
    return all(r["scores"]["correct"] for r in rows) or all(r["refused"] for r in rows)


CATEGORY_METRICS = (
    "retrieval_recall_at_k",
    "retrieval_mrr",
    "footnote_recall",
    "citation_recall",
    "citation_precision",
    "latency_p50_ms",
)


def _category(rows: Sequence[Result]) -> dict[str, Any]:
    scores = _scores(rows)
    return {
        "questions": len(rows),
        "correct": sum(1 for r in rows if r["scores"]["correct"]),
        "correctness": _mean(r["scores"]["correct"] for r in rows),
        "refusal_accuracy": _mean(r["scores"]["refusal_ok"] for r in rows),
        **{name: scores[name] for name in CATEGORY_METRICS},
    }


LOWER_IS_BETTER = frozenset({"false_refusal_rate", "latency_p50_ms", "latency_p95_ms"})


def read_thresholds(path: Path) -> dict[str, dict[str, float]]:
    """Gate values by question set, then by headline metric: a minimum, or a maximum for the
    metrics where lower is better (`LOWER_IS_BETTER`). A flat {metric: value} object is one
    gate for every set ("*"). Keys starting with "_" are comments."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvalError(f"cannot read thresholds {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise EvalError(f"{path}: thresholds must be a JSON object {{metric: minimum}}")
    data = {k: v for k, v in data.items() if not k.startswith("_")}
    nested = all(isinstance(v, dict) for v in data.values()) and bool(data)
    sets = data if nested else {"*": data}
    out: dict[str, dict[str, float]] = {}
    for name, gate in sets.items():
        gate = {k: v for k, v in gate.items() if not k.startswith("_")}
        unknown = sorted(set(gate) - set(HEADLINE))
        if unknown:
            raise EvalError(
                f"{path}: unknown metric(s) {', '.join(unknown)}; known: {', '.join(HEADLINE)}"
            )
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in gate.values()):
            raise EvalError(f"{path}: every threshold must be a number")
        out[name] = {metric: float(value) for metric, value in gate.items()}
    return out


def thresholds_for(thresholds: Mapping[str, Mapping[str, float]], name: str) -> dict[str, float]:
    """The gate of one question set: its own entries over those for every set ("*")."""
    return {**thresholds.get("*", {}), **thresholds.get(name, {})}


def check_thresholds(metrics: Mapping[str, Any], thresholds: Mapping[str, float]) -> list[str]:
    """One line per metric on the wrong side of its gate (or not measured at all)."""
    failures = []
    for name, limit in thresholds.items():
        value = metrics["metrics"].get(name)
        kind = "maximum" if name in LOWER_IS_BETTER else "minimum"
        if value is None:
            failures.append(f"{name}: not measured ({kind} {limit:g})")
        elif kind == "minimum" and value < limit:
            failures.append(f"{name}: {value:g} < {limit:g}")
        elif kind == "maximum" and value > limit:
            failures.append(f"{name}: {value:g} > {limit:g}")
    return failures
