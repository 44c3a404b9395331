from __future__ import annotations

import os
from pathlib import Path

from ijdqa.offline import opt_out

opt_out()  # before onnxruntime, chromadb or gradio is imported by any test module

import pytest  # noqa: E402 - after the opt-outs on purpose

from ijdqa.app import load_report  # noqa: E402
from ijdqa.types import Report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


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
