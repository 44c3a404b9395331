"""The web chat's Evaluation tab: the latest run's report (its plots inlined, so the page
requests nothing) and its metrics, read from the runs folder, or why there is none.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EvalView:
    """What the Evaluation tab shows: a Markdown text and the metrics (None without a run)."""

    markdown: str
    metrics: dict[str, object] | None = None


def latest_run(runs_dir: Path) -> Path | None:
    """The run folder `runs_dir/latest` names: a JSON file {"run": NAME} (what the eval harness
    writes), a file holding a path, or a symlink to the folder."""
    pointer = runs_dir / "latest"
    if pointer.is_dir():
        return pointer.resolve()
    if not pointer.is_file():
        return None
    text = pointer.read_text(encoding="utf-8").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    name = data.get("run") if isinstance(data, dict) else data
    if not isinstance(name, str) or not name.strip():
        return None
    named = Path(name.strip())
    for candidate in (runs_dir / named, named):
        if candidate.is_dir():
            return candidate.resolve()
    return None


def eval_view(runs_dir: Path) -> EvalView:
    """The latest run's report.md (plots inlined) and metrics.json, or why there is none."""
    pointer = runs_dir / "latest"
    if not pointer.exists():
        return EvalView(f"No evaluation run yet (`{pointer}` does not exist).")
    run = latest_run(runs_dir)
    if run is None:
        return EvalView(f"`{pointer}` does not name an existing run folder.")
    parts, metrics = [f"**Latest run:** `{run.name}`"], None
    try:
        metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        parts.append("(no metrics.json in this run)")
    except (OSError, ValueError) as exc:
        parts.append(f"(metrics.json unreadable: {exc})")
    try:
        parts.append(inline_images((run / "report.md").read_text(encoding="utf-8"), run))
    except OSError:
        parts.append("(no report.md in this run)")
    data = metrics if isinstance(metrics, dict) else ({"metrics": metrics} if metrics else None)
    return EvalView("\n\n".join(parts), data)


_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(([\w.-]+\.png)\)")


def inline_images(markdown: str, folder: Path) -> str:
    """![x](plot.png) of a run folder becomes a data: URI, so the page requests nothing."""

    def inline(match: re.Match[str]) -> str:
        path = folder / match.group(2)
        if not path.is_file():
            return f"({match.group(1)}: plot not found)"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"![{match.group(1)}](data:image/png;base64,{data})"

    return _IMAGE_RE.sub(inline, markdown)
