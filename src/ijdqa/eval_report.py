"""Evaluation runs on disk: metrics from per-question results, the run folder, reports, gates.

A run is a folder `<root>/<UTC timestamp>-<label>/` holding results.jsonl, metrics.json,
report.md, report.html (self-contained) and two PNG plots; `<root>/latest` is a small JSON
file naming the newest run.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ijdqa.errors import EvalError
from ijdqa.fileio import atomic_write

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
SHOWN_ANSWER = 300  # characters of a failed answer shown in the report
LATEST = "latest"
Result = Mapping[str, Any]


# --- metrics -----------------------------------------------------------------------------


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


_CATEGORY_METRICS = (
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
        **{name: scores[name] for name in _CATEGORY_METRICS},
    }


# --- the run folder ----------------------------------------------------------------------


def write_run(
    results: Sequence[Result], *, root: Path, label: str, info: Mapping[str, Any]
) -> tuple[Path, dict[str, Any]]:
    """Write a run folder under `root` and point `root/latest` at it; (folder, metrics)."""
    created = datetime.now(UTC)
    folder = _new_folder(Path(root), created, label)
    run = {"name": folder.name, "label": label, "created": created.isoformat(), **info}
    metrics = {"run": run, **summarize(results)}
    with (folder / "results.jsonl").open("w", encoding="utf-8") as out:
        for r in results:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    _write_json(folder / "metrics.json", metrics)
    plots = _plots(results, metrics)
    for name, png in plots.items():
        (folder / name).write_bytes(png)
    blocks = report_blocks(results, metrics, plots)
    (folder / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    (folder / "report.html").write_text(to_html(blocks, title=folder.name), encoding="utf-8")
    latest = {"run": folder.name, "created": run["created"], "metrics": metrics["metrics"]}
    _write_json(Path(root) / LATEST, latest)
    return folder, metrics


def _new_folder(root: Path, created: datetime, label: str) -> Path:
    safe = re.sub(r"[^\w.-]+", "-", label).strip("-.") or "run"
    stem = f"{created:%Y%m%dT%H%M%SZ}-{safe}"
    root.mkdir(parents=True, exist_ok=True)
    for n in range(1, 100):
        folder = root / (stem if n == 1 else f"{stem}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise EvalError(f"cannot create a run folder {stem} in {root}")


def _write_json(path: Path, data: object) -> None:
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def resolve_run(ref: str | Path, *, root: Path) -> Path:
    """A run folder from a path, a run name under `root`, or "latest"."""
    path = Path(ref)
    if str(ref) == LATEST and (Path(root) / LATEST).is_file():
        path = Path(root) / json.loads((Path(root) / LATEST).read_text(encoding="utf-8"))["run"]
    elif not path.is_dir() and (Path(root) / path).is_dir():
        path = Path(root) / path
    if path.is_file() and path.name == "metrics.json":
        path = path.parent
    if not (path / "metrics.json").is_file():
        raise EvalError(f"{ref} is not an evaluation run (no metrics.json); see {root}")
    return path


def load_run(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
        return metrics, [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise EvalError(f"cannot read the run in {folder}: {exc}") from exc


# --- compare and gate ---------------------------------------------------------------------


def outcome(result: Result) -> str:
    if result["scores"]["correct"]:
        return "correct"
    return "refused" if result["refused"] else "wrong"


def compare_runs(a: Path, b: Path) -> dict[str, Any]:
    """Metrics of two runs side by side, and the questions whose outcome changed."""
    (ma, ra), (mb, rb) = load_run(a), load_run(b)
    before = {r["id"]: r for r in ra}
    after = {r["id"]: r for r in rb}
    changed = []
    for qid in [*before, *(i for i in after if i not in before)]:
        old, new = before.get(qid), after.get(qid)
        was, now = (outcome(x) if x else "absent" for x in (old, new))
        if was != now:
            category = (old or new or {}).get("category")
            changed.append({"id": qid, "category": category, "a": was, "b": now})
    metrics = [
        {
            "metric": m,
            "a": ma["metrics"].get(m),
            "b": mb["metrics"].get(m),
            "delta": _delta(ma, mb, m),
        }
        for m in HEADLINE
    ]
    return {"a": ma["run"]["name"], "b": mb["run"]["name"], "metrics": metrics, "changed": changed}


def _delta(ma: Mapping[str, Any], mb: Mapping[str, Any], name: str) -> float | None:
    x, y = ma["metrics"].get(name), mb["metrics"].get(name)
    return round(y - x, 4) if isinstance(x, int | float) and isinstance(y, int | float) else None


def format_comparison(comparison: Mapping[str, Any]) -> str:
    rows = [
        (m["metric"], fmt(m["a"]), fmt(m["b"]), fmt(m["delta"], sign=True))
        for m in comparison["metrics"]
    ]
    lines = _text_table(("metric", "A", "B", "B - A"), rows)
    lines += ["", f"A = {comparison['a']}", f"B = {comparison['b']}", ""]
    changed = comparison["changed"]
    lines.append(f"{len(changed)} question(s) changed outcome" + (":" if changed else ""))
    lines += [f"  {c['id']:20} {c['a']:>8} -> {c['b']}" for c in changed]
    return "\n".join(lines)


def format_metrics(metrics: Mapping[str, Any]) -> str:
    counts = metrics["counts"]
    rows = [(name, fmt(value)) for name, value in metrics["metrics"].items()]
    lines = _text_table(("metric", "value"), rows)
    lines.append(f"\n{counts['questions']} questions, {len(metrics['failed'])} failed")
    return "\n".join(lines)


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


SIDE_BY_SIDE = (
    "answerable_correctness",
    "refusal_recall",
    "refusal_precision",
    "false_refusal_rate",
    "footnote_recall",
    "quote_validity",
    "paraphrase_consistency",
    "latency_p50_ms",
)


def format_side_by_side(by_set: Mapping[str, Mapping[str, Any]]) -> str:
    """Headline metrics of several question sets (dev, test, blind) as columns."""
    names = list(by_set)
    rows = [(m, *(fmt(by_set[n]["metrics"].get(m)) for n in names)) for m in SIDE_BY_SIDE]
    rows.append(("questions", *(str(by_set[n]["counts"]["questions"]) for n in names)))
    return "\n".join(_text_table(("metric", *names), rows))


# --- reports -------------------------------------------------------------------------------


def fmt(value: object, *, sign: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:+.4g}" if sign else f"{value:.4g}"
    return str(value)


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:{w}}}" for w in widths)
    return [line.format(*headers), line.format(*("-" * w for w in widths))] + [
        line.format(*row) for row in rows
    ]


Block = tuple[str, Any]


def report_blocks(
    results: Sequence[Result], metrics: Mapping[str, Any], plots: Mapping[str, bytes]
) -> list[Block]:
    """The report as neutral blocks (heading, paragraph, table, image) for Markdown and HTML."""
    run, counts = metrics["run"], metrics["counts"]
    info = (
        f"Run {run['name']} · {run['created']} · {counts['questions']} questions from "
        f"{run.get('gold')} · k = {run.get('k')} · answerer {run.get('answerer')} · "
        f"{fmt(run.get('seconds'))} s"
    )
    headline = [(n, fmt(v)) for n, v in metrics["metrics"].items()]
    counted = [(n, str(v)) for n, v in counts.items()]
    columns = ("questions", "correct", "correctness", "refusal_accuracy", *_CATEGORY_METRICS)
    categories = [
        (cat, *(fmt(c[key]) for key in columns)) for cat, c in metrics["categories"].items()
    ]
    failed = [r for r in results if not r["scores"]["correct"]]
    blocks: list[Block] = [
        ("h1", f"ijdqa evaluation: {run['label']}"),
        ("p", info),
        ("h2", "Headline metrics"),
        ("table", (("metric", "value"), headline)),
        ("h2", "Denominators"),
        ("table", (("count", "value"), counted)),
        ("h2", "Per category"),
        ("table", (("category", *columns), categories)),
        ("h2", "Plots"),
        *(("img", (name, png)) for name, png in plots.items()),
        ("h2", f"Failed questions ({len(failed)})"),
        ("table", (("id", "category", "question", "answer", "what went wrong"), _failures(failed))),
    ]
    return blocks


def _failures(failed: Sequence[Result]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for r in failed:
        problems = r.get("failure") or {}
        wrong = "; ".join(
            f"{key.replace('_', ' ')}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for key, v in problems.items()
            if key in ("missing", "forbidden", "refusal", "missing_footnotes")
        )
        answer = (
            r["answer"] if len(r["answer"]) <= SHOWN_ANSWER else r["answer"][:SHOWN_ANSWER] + "…"
        )
        rows.append((r["id"], r["category"], r["question"], answer, wrong))
    return rows


def _md_cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for kind, body in blocks:
        if kind in ("h1", "h2"):
            out.append(f"{'#' * int(kind[1])} {body}")
        elif kind == "p":
            out.append(str(body))
        elif kind == "img":
            out.append(f"![{body[0]}]({body[0]})")
        elif kind == "table":
            headers, rows = body
            out.append(f"| {' | '.join(map(_md_cell, headers))} |")
            out.append("|" + "---|" * len(headers))
            out += [f"| {' | '.join(map(_md_cell, row))} |" for row in rows]
        out.append("")
    return "\n".join(out)


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;"
    "padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    "img{max-width:100%;margin:.5rem 1rem .5rem 0}"
)


def to_html(blocks: Sequence[Block], *, title: str) -> str:
    """A self-contained page: inline CSS, plots as data URIs, every text escaped."""
    e = html.escape
    parts = [
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{_CSS}</style></head><body>"
    ]
    for kind, body in blocks:
        if kind in ("h1", "h2", "p"):
            parts.append(f"<{kind}>{e(str(body))}</{kind}>")
        elif kind == "img":
            data = base64.b64encode(body[1]).decode("ascii")
            parts.append(f'<img alt="{e(body[0])}" src="data:image/png;base64,{data}">')
        elif kind == "table":
            headers, rows = body
            head = "".join(f"<th>{e(str(h))}</th>" for h in headers)
            cells = "".join(
                "<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


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


def _plots(results: Sequence[Result], metrics: Mapping[str, Any]) -> dict[str, bytes]:
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
