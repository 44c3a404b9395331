"""A run written for people: its metrics as text tables (the `ijdqa eval` output, comparisons,
sets side by side) and its report as neutral blocks made into Markdown and self-contained HTML.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

from ijdqa.evaluation.metrics import CATEGORY_METRICS, Result

SHOWN_ANSWER = 300  # characters of a failed answer shown in the report


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
    columns = ("questions", "correct", "correctness", "refusal_accuracy", *CATEGORY_METRICS)
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
