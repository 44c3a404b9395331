"""Fit the answer-or-refuse decision on the dev set: `python -m ijdqa.evaluation.calibrate`.

Every dev question is answered with the decision switched off, so the general answerer
always gives its best sentence; each such answer is labelled 1 when it is correct and 0 when
the question is unanswerable or the answer wrong. A logistic regression (scikit-learn, a dev
dependency) over `decide.FEATURES` is fitted on those rows, and the threshold is the point of
the dev precision/recall curve that gets the most dev questions right as the evaluation
counts them: right answers given plus unanswerable questions refused. Only dev is read; test and blind stay sealed.

The dev set was written in batches, by different writers (its ids say which: `devx-...`,
`devy-...`; the first gold set has plain ids). Fitting on all batches but one and scoring the
one left out (`cross_batch`) estimates what the decision is worth on questions by a writer it
never saw, which is what test, blind and every unseen set ask of it. `--dry-run` prints that
estimate and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ijdqa.answer.decide import DECISION_FILE, FEATURES
from ijdqa.evaluation.gold import GoldQuestion, load_gold
from ijdqa.evaluation.score import correctness, is_refusal

CURVE_POINTS = 60  # points of the precision/recall curve kept for the eval report
FOLDS = 5
INVENTION_COST = 1.5  # fixed once, from the brief ("it never invents"), not tuned
REGULARIZATION = 1.0  # scikit-learn's C: the default; few rows, so no search over it


def collect(assistant: Any, questions: Sequence[GoldQuestion]) -> list[dict[str, Any]]:
    """One row per question the general answerer handled: its features and its label."""
    answerer = assistant.answerer
    answerer.decide = False
    rows = []
    try:
        for q in questions:
            answerer.trace = None
            answer = assistant.ask(q.question, history=q.history)
            if answerer.trace is None:  # a table or footnote lookup, or no candidate at all
                continue
            ok = correctness(
                answer.text,
                is_refusal(answer),
                must_include=q.must_include,
                must_not_include=q.must_not_include,
            ).correct
            label = int(ok and not q.refuse)
            rows.append({"id": q.id, **answerer.trace, "label": label, "refuse": q.refuse})
    finally:
        answerer.decide = True
    return rows


_BATCH = re.compile(r"^(dev[a-z])-")


def batch_of(question_id: str) -> str:
    """The batch a dev question was written in: its id's `devX-` prefix, else "gold" (the
    first set, whose ids name a category)."""
    match = _BATCH.match(question_id)
    return match.group(1) if match else "gold"


def _matrix(rows: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([[r["features"][f] for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r["label"] for r in rows])
    unanswerable = np.array([bool(r.get("refuse")) for r in rows])
    return x, y, unanswerable


def _model(x: np.ndarray, y: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """A logistic regression on standardized features, with the mean and scale it used."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARIZATION, max_iter=1000)
    model.fit((x - mean) / scale, y)
    return model, mean, scale


def best_threshold(p: np.ndarray, y: np.ndarray, unanswerable: np.ndarray) -> float:
    """The threshold that gets the most questions right, as the evaluation counts them:
    right answers given plus unanswerable questions refused (an answerable question answered
    wrongly is wrong either way and does not move it); an answer to what the report does not
    say is an invention, which costs INVENTION_COST times a refusal of what it does say."""
    candidates = np.unique(p)
    scored = [
        ((p >= t) & (y == 1)).sum() + INVENTION_COST * ((p < t) & unanswerable).sum()
        for t in candidates
    ]
    return float(candidates[int(np.argmax(scored))])


def cross_batch(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each batch of dev questions scored by a decision fitted (weights and threshold) on the
    other batches: the share of its rows decided right (right answers given, unanswerable
    questions refused, wrong answers refused), per batch and over all."""
    x, y, unanswerable = _matrix(rows)
    batches = np.array([batch_of(r["id"]) for r in rows])
    per: dict[str, float] = {}
    right = 0
    for batch in sorted(set(batches)):
        train, held = batches != batch, batches == batch
        if y[train].min() == y[train].max():  # one label only: nothing to fit
            continue
        model, mean, scale = _model(x[train], y[train])
        threshold = best_threshold(
            model.predict_proba((x[train] - mean) / scale)[:, 1], y[train], unanswerable[train]
        )
        p = model.predict_proba((x[held] - mean) / scale)[:, 1]
        ok = int(
            ((p >= threshold) & (y[held] == 1)).sum() + ((p < threshold) & (y[held] == 0)).sum()
        )
        per[batch] = round(ok / int(held.sum()), 4)
        right += ok
    return {"accuracy": round(right / len(rows), 4) if rows else None, "batches": per}


def fit(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_recall_curve
    from sklearn.model_selection import cross_val_score

    x, y, unanswerable = _matrix(rows)
    model, mean, scale = _model(x, y)
    p = model.predict_proba((x - mean) / scale)[:, 1]
    # what the fit is worth on dev questions it did not see: 5-fold accuracy at 0.5
    folds = cross_val_score(
        LogisticRegression(C=REGULARIZATION, max_iter=1000), (x - mean) / scale, y, cv=FOLDS
    )
    precision, recall, thresholds = precision_recall_curve(y, p)
    right = [int(((p >= t) & (y == 1)).sum() + ((p < t) & (y == 0)).sum()) for t in thresholds]
    threshold = best_threshold(p, y, unanswerable)
    best = int(np.searchsorted(thresholds, threshold))
    keep = np.unique(np.linspace(0, len(thresholds) - 1, CURVE_POINTS).astype(int))
    return {
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6),
        "mean": [round(float(m), 6) for m in mean],
        "scale": [round(float(s), 6) for s in scale],
        "threshold": round(threshold, 6),
        "fitted_on": {
            "rows": len(rows),
            "answerable_correct": int(y.sum()),
            "right_at_threshold": right[best],
            "precision_at_threshold": round(float(precision[best]), 4),
            "recall_at_threshold": round(float(recall[best]), 4),
            "cross_validated_accuracy": round(float(folds.mean()), 4),
            "in_sample_accuracy": round(right[best] / len(rows), 4),
            "cross_batch": cross_batch(rows),
        },
        "curve": {
            "precision": [round(float(precision[i]), 4) for i in keep],
            "recall": [round(float(recall[i]), 4) for i in keep],
            "threshold": [round(float(thresholds[i]), 4) for i in keep],
        },
    }


def plot_curve(decision: dict[str, Any], path: Path) -> None:
    from ijdqa.evaluation.plots import decision_figure

    fig = decision_figure(decision)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def main(argv: Sequence[str] | None = None) -> int:
    from ijdqa.offline import opt_out

    opt_out()  # an entry point: before onnxruntime loads, nothing phones home
    from ijdqa.app import build_assistant
    from ijdqa.config import Settings

    parser = argparse.ArgumentParser(
        prog="python -m ijdqa.evaluation.calibrate", description=__doc__
    )
    parser.add_argument("--dev", type=Path, default=Path("eval/dev.jsonl"))
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parents[1] / "answer" / DECISION_FILE,
        help="decision JSON (default: the one the package ships)",
    )
    parser.add_argument("--plot", type=Path, default=Path("eval/decision_pr.png"))
    parser.add_argument(
        "--dry-run", action="store_true", help="print what a refit gives; write nothing"
    )
    args = parser.parse_args(argv)
    if args.dev.name != "dev.jsonl":
        print("calibrate: fit on the dev set only (eval/dev.jsonl)", file=sys.stderr)
        return 2
    overrides: dict[str, Any] = {"llm": "none"}  # the extractive answerer; the environment applies
    assistant = build_assistant(Settings(**overrides))
    rows = collect(assistant, load_gold(args.dev))
    decision = fit(rows)
    if args.dry_run:
        print(json.dumps({"threshold": decision["threshold"], **decision["fitted_on"]}))
        return 0
    args.out.write_text(json.dumps(decision, indent=1) + "\n", encoding="utf-8")
    plot_curve(decision, args.plot)
    print(json.dumps({"threshold": decision["threshold"], **decision["fitted_on"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
