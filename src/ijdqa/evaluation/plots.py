"""The figures of a run's report (correctness by category, latency) and of the answer-or-refuse
decision (its precision/recall curve on dev). matplotlib loads only when a figure is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from ijdqa.evaluation.metrics import Result


def _decision_curve() -> Any:
    """The shipped answer-or-refuse decision's curve (None where it holds none)."""
    from ijdqa.answer.decide import shipped

    decision = shipped()
    return decision_figure({**decision.info, "threshold": decision.threshold})


def decision_figure(decision: Mapping[str, Any]) -> Any:
    """The answer-or-refuse decision's precision/recall curve on dev, as fitted (the point
    marks its threshold); None where the decision holds no curve."""
    from matplotlib.figure import Figure

    curve, fitted = decision.get("curve"), decision.get("fitted_on", {})
    if not curve:
        return None
    fig = Figure(figsize=(5, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(curve["recall"], curve["precision"], marker=".", lw=1, color="#4c72b0")
    if "recall_at_threshold" in fitted:
        point = (fitted["recall_at_threshold"], fitted["precision_at_threshold"])
        ax.scatter([point[0]], [point[1]], color="#c44e52")
        ax.annotate(f"threshold {decision['threshold']:.2f}", point)
    ax.set_xlabel("recall: right answers the decision lets through")
    ax.set_ylabel("precision: answers given that are right")
    ax.set_title("Answer-or-refuse decision, fitted on dev")
    return fig


def run_plots(results: Sequence[Result], metrics: Mapping[str, Any]) -> dict[str, bytes]:
    """PNG bytes of the per-category correctness bars and the latency histogram."""
    from matplotlib.figure import Figure  # local: only a run writes plots
    from matplotlib.ticker import MaxNLocator

    cats = metrics["categories"]
    bars = Figure(figsize=(7, 3.5), layout="constrained")
    ax = bars.subplots()
    ax.bar(list(cats), [c["correctness"] or 0.0 for c in cats.values()], color="#4c72b0")
    ax.set_ylim(0, 1)
    ax.set_ylabel("correct share")
    ax.set_title("Correctness by category")
    ax.tick_params(axis="x", labelrotation=30)
    hist = Figure(figsize=(7, 3.5), layout="constrained")
    ax = hist.subplots()
    ax.hist([r["latency_ms"] for r in results], bins=30, color="#55a868")
    for q, style in ((50, "--"), (95, ":")):
        value = metrics["metrics"][f"latency_p{q}_ms"]
        if value is not None:
            ax.axvline(value, color="#333", linestyle=style, label=f"p{q} {value:.0f} ms")
    ax.legend()
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("ms per question")
    ax.set_ylabel("questions")
    ax.set_title("Latency of assistant.ask")
    figures = [("correctness_by_category.png", bars), ("latency.png", hist)]
    if (curve := _decision_curve()) is not None:
        figures.append(("answer_decision_pr.png", curve))
    out = {}
    for name, fig in figures:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        out[name] = buf.getvalue()
    return out
