"""Fixtures every test module shares. Helpers and constants (ROOT, DATA, IJDQA, copy_index,
...) live in support.py, which test modules import."""

from __future__ import annotations

from pathlib import Path

from ijdqa.offline import opt_out

opt_out()  # before onnxruntime, chromadb or gradio is imported by any test module

import pytest  # noqa: E402 - after the opt-outs on purpose

from ijdqa.app import load_report  # noqa: E402
from ijdqa.types import Report  # noqa: E402
from support import ROOT, copy_index  # noqa: E402


@pytest.fixture(scope="session")
def report() -> Report:
    return load_report(None)


@pytest.fixture(scope="session")
def raw_report() -> str:
    return (ROOT / "src" / "ijdqa" / "data" / "report.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def assistant():
    """The real assistant over the bundled report, built once (offline model, index/ folder)."""
    from ijdqa.app import build_assistant
    from ijdqa.config import Settings

    return build_assistant(Settings(_env_file=None))


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the index, for tests that run `ijdqa` on a folder of their own."""
    return copy_index(tmp_path_factory.mktemp("index"))
