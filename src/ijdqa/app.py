"""Composition root: settings and paths in, ready-to-use objects out. The only place that wires."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ijdqa.errors import ReportError, ReportFormatError
from ijdqa.report import parse_report
from ijdqa.types import Report

BUNDLED_REPORT = "report.txt"


def read_report_text(path: Path | None) -> tuple[str, str]:
    """The text of the report at `path` (or the bundled one) and a display name."""
    if path is None:
        data = resources.files("ijdqa").joinpath("data", BUNDLED_REPORT).read_bytes()
        name = "bundled report"
    else:
        path = Path(path)
        if not path.exists():
            raise ReportError(f"report file not found: {path}")
        if path.is_dir():
            raise ReportError(f"{path} is a folder; give the path of a report text file")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReportError(f"cannot read {path}: {exc.strerror}") from exc
        name = str(path)
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        raise ReportFormatError(
            f"{name} is not UTF-8 text (undecodable byte at {exc.start}); is it a binary file?"
        ) from exc


def load_report(path: Path | None = None) -> Report:
    text, name = read_report_text(path)
    return parse_report(text, name=name)
