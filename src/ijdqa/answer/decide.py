"""Answer or refuse: one calibrated decision instead of a row of gates.

The general answerer finds its best sentence whatever the question; whether that sentence
answers is a logistic regression over what the scorer measured (`FEATURES`), fitted on the
dev set by `python -m ijdqa.evaluation.calibrate` and shipped as decision.json. Its threshold was
chosen from the dev precision/recall curve, which the same file keeps for the eval report.

Pure: features in, a probability out; numpy only (scikit-learn fits, it does not run here).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ijdqa.errors import PackageDataError

FEATURES = (
    "score",  # the best fitting sentence's combined score
    "coverage",  # the share of the question's weighted words it holds
    "similarity",  # its embedding similarity to the question
    "predicate_coverage",  # coverage of the question's words that are not names
    "name_coverage",  # coverage of the names the question uses (1 when it uses none)
    "unknown_terms",  # question words no corpus text uses, after spelling correction
    "unknown_names",  # capitalized question words no corpus text uses
    "typed",  # the question asks for a kind of answer (who, when, how many, where)
    "type_gap",  # the best sentence overall says it all but lacks the asked kind
    "premise_missing",  # a why-question whose premise no sentence states
    "anchored",  # the sentence holds words the question quotes
    "margin",  # how far the best sentence scores above the next one
    "footnote",  # the sentence is a footnote's
    "terms",  # how many words the question weighs (long-winded questions cover less)
    "asks_number",  # the kind asked for, one-hot: how many / how much
    "asks_time",  # when, what year or date
    "asks_person",  # who, which speaker
    "asks_place",  # where
    "loose_type",  # only a count that does not name what was counted fits
    "missing_weight",  # the rarest asked word (not a name) the sentence lacks, by idf share
    "predicate_similarity",  # embedding similarity to the question without its names
    "missing_name_weight",  # the rarest name of the question the sentence lacks, by idf share
)
DECISION_FILE = "decision.json"


@dataclass(frozen=True)
class Decision:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    info: Mapping[str, Any]

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias
        for name, w, m, s in zip(FEATURES, self.weights, self.mean, self.scale, strict=True):
            z += w * (float(features[name]) - m) / s
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, features: Mapping[str, float]) -> bool:
        return self.probability(features) >= self.threshold

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        try:
            names = tuple(data["features"])
            if names != FEATURES:
                raise PackageDataError(
                    f"{DECISION_FILE} was fitted on other features ({', '.join(names)}); "
                    "refit it with python -m ijdqa.evaluation.calibrate"
                )
            decision = cls(
                weights=tuple(float(x) for x in data["weights"]),
                bias=float(data["bias"]),
                mean=tuple(float(x) for x in data["mean"]),
                scale=tuple(float(x) or 1.0 for x in data["scale"]),
                threshold=float(data["threshold"]),
                info={k: v for k, v in data.items() if k not in ("weights", "mean", "scale")},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PackageDataError(f"{DECISION_FILE} is malformed: {exc}") from exc
        if not len(decision.weights) == len(decision.mean) == len(decision.scale) == len(FEATURES):
            raise PackageDataError(f"{DECISION_FILE}: one weight, mean and scale per feature")
        return decision


@cache
def shipped() -> Decision:
    """The decision fitted on dev and shipped inside the package."""
    try:
        text = resources.files("ijdqa.answer").joinpath(DECISION_FILE).read_text(encoding="utf-8")
        return Decision.from_dict(json.loads(text))
    except (OSError, ValueError) as exc:
        raise PackageDataError(f"cannot read the answer decision {DECISION_FILE}: {exc}") from exc
