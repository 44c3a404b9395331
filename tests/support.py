"""Helpers shared by test modules: where the repository is, the `ijdqa` console script and a
clean environment for it, the session's index and private copies of it, free loopback ports,
the app served in-process, and the rows of the reliability tables (docs/reliability.md).

No test reads or writes the repository's index/: the session builds its own (conftest.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
IJDQA = shutil.which("ijdqa", path=str(Path(sys.executable).parent)) or "ijdqa"
RELIABILITY = ROOT / "test-output" / "reliability"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`ijdqa ARGS` through the real console script, text out."""
    return subprocess.run([IJDQA, *args], capture_output=True, text=True, timeout=120, env=env)


def clean_env() -> dict[str, str]:
    """This environment without IJDQA_* settings, as a user would run `ijdqa`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IJDQA_")}
    return {**env, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}


def build_index_into(dst: Path) -> Path:
    """The bundled report's index built into `dst` (the encoder exported there too, ~10 s):
    the session's shared index (conftest.py), so no test uses the repository's index/."""
    from ijdqa.app_corpus import load_corpus
    from ijdqa.app_index import ensure_index
    from ijdqa.config import Settings

    dst.mkdir(parents=True, exist_ok=True)
    ensure_index(Settings(_env_file=None, index_dir=dst), load_corpus(None, dst))
    return dst


def copy_index(src: Path, dst: Path) -> Path:
    """A built index folder `src` (the session's shared index) copied to `dst`, so the ONNX
    export is not repeated, then brought up to date: a test may change its copy freely."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("encoder", "reports", "builds", "sources", "report-cache"):  # not llm/: 240 MB
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name, dirs_exist_ok=True)
    if (src / "CURRENT").exists():
        shutil.copy2(src / "CURRENT", dst / "CURRENT")
    return build_index_into(dst)


def copy_encoder(src: Path, dst: Path) -> Path:
    """A folder `dst` holding only the encoder of the built index `src` (no export needed)."""
    shutil.copytree(src / "encoder", dst / "encoder", dirs_exist_ok=True)
    return dst


def record(table: str, tried: str, amount: str, happened: str) -> None:
    """One row of a reliability table (re-running a test replaces its row)."""
    RELIABILITY.mkdir(parents=True, exist_ok=True)
    path = RELIABILITY / f"{table}.json"
    rows = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    rows[tried] = {"tried": tried, "amount": amount, "happened": happened}
    path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def clip(text: str, limit: int = 110) -> str:
    """One line for a Markdown cell: folders of temporary paths shortened to `…/`."""
    text = re.sub(r"(?<![\w:/])(?!/dev/)(?:/[\w.-]+)+/(?=[\w.-])", "…/", " ".join(text.split()))
    text = text.replace("|", "/")
    if len(text) <= limit:
        return text
    text = text[: limit - 1]
    if text.count("`") % 2:  # never cut inside `code`: the table would break
        text = text[: text.rindex("`")].rstrip()
    return text + "…"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_app(assistant: Any, runs_dir: Path) -> Iterator[str]:
    """The web app on a free loopback port in this process; yields its base URL."""
    from ijdqa import web

    demo = web.create_app(assistant, runs_dir=runs_dir)
    port = free_port()
    web.launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def stop_process(proc: Any, timeout: float = 20) -> None:
    """Terminate a server started by a test; kill it if it does not stop in time."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
