"""Evaluation runs on disk: the run folder (results, metrics, reports and plots), reading runs
back, and comparing two of them. The figures are metrics.py's, the reports render.py's and the
plots plots.py's.

A run is a folder `<root>/<UTC timestamp>-<label>/` holding results.jsonl, metrics.json,
report.md, report.html (self-contained) and two PNG plots; `<root>/latest` is a small JSON
file naming the newest run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ijdqa.errors import EvalError
from ijdqa.evaluation.metrics import HEADLINE, Result, summarize
from ijdqa.evaluation.plots import run_plots
from ijdqa.evaluation.render import report_blocks, to_html, to_markdown
from ijdqa.fileio import atomic_write

LATEST = "latest"


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
    plots = run_plots(results, metrics)
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


# --- compare ---------------------------------------------------------------------


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
