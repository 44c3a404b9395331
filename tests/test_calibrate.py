"""The decision's fitting steps on made-up rows: batches, threshold and the cross-batch
estimate (the real fit, on dev, runs in `make calibrate`)."""

from __future__ import annotations

import numpy as np
import pytest

from ijdqa.answer.decide import FEATURES
from ijdqa.evaluation.calibrate import batch_of, best_threshold, cross_batch, fit

pytest.importorskip("sklearn")


def test_batches_come_from_the_id_prefix() -> None:
    assert batch_of("devx-004") == "devx"
    assert batch_of("devy-120") == "devy"
    assert batch_of("fact-002") == "gold"
    assert batch_of("developer-1") == "gold"  # a word starting with "dev" is no batch


def test_the_threshold_weighs_an_invention_above_a_refusal() -> None:
    p = np.array([0.2, 0.4, 0.6, 0.8])
    y = np.array([0, 1, 0, 1])
    unanswerable = np.array([True, False, True, False])
    # at 0.4: two answers right, one invention; at 0.8: one answer right, two refusals right
    # (1 + 2 * 1.5 = 4 against 2 + 1 * 1.5 = 3.5)
    assert best_threshold(p, y, unanswerable) == pytest.approx(0.8)


def _rows(seed: int, signal: float) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(240):
        label = int(i % 2 == 0)
        features = {f: float(rng.normal()) for f in FEATURES}
        features["score"] += signal * (1 if label else -1)
        batch = ("fact", "devx", "devy")[i % 3]
        rows.append(
            {"id": f"{batch}-{i}", "features": features, "label": label, "refuse": not label}
        )
    return rows


def test_cross_batch_scores_every_batch_on_a_fit_without_it() -> None:
    strong = cross_batch(_rows(1, signal=3.0))
    none = cross_batch(_rows(1, signal=0.0))
    assert set(strong["batches"]) == {"gold", "devx", "devy"}
    assert strong["accuracy"] > 0.9  # a feature that tells the classes apart generalizes
    assert none["accuracy"] < 0.65  # noise fitted on two batches does not carry to the third


def test_fit_reports_the_cross_batch_estimate_beside_the_in_sample_one() -> None:
    decision = fit(_rows(2, signal=0.5))
    info = decision["fitted_on"]
    assert info["cross_batch"]["accuracy"] <= info["in_sample_accuracy"]
    assert 0.0 < decision["threshold"] < 1.0
