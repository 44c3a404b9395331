"""The package's shape: every module small (house style: under ~400 lines) and named, with its
job, in the module table of docs/architecture.md, so the table cannot drift from the code."""

from __future__ import annotations

import re

import pytest

from support import ROOT

PACKAGE = ROOT / "src" / "ijdqa"
MAX_LINES = 400
MODULES = sorted(
    str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if not p.name.startswith("__")
)
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
TABLE = DOC.split("## Modules", 1)[1].split("\n## ", 1)[0]  # up to the next section


def test_the_package_has_modules() -> None:
    assert "app.py" in MODULES and "answer/appendix.py" in MODULES  # the glob found the tree


@pytest.mark.parametrize("module", MODULES)
def test_a_module_stays_small(module: str) -> None:
    lines = len((PACKAGE / module).read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by job (docs/architecture.md)"


@pytest.mark.parametrize("module", MODULES)
def test_a_module_is_in_the_architecture_table(module: str) -> None:
    rows = [line for line in TABLE.splitlines() if line.startswith("| ")]
    assert any(f"`{module}`" in row for row in rows), f"docs/architecture.md names no {module}"


def test_the_table_names_no_module_that_is_gone() -> None:
    named = set(re.findall(r"`([\w/]+\.py)`", TABLE))
    assert named - set(MODULES) == set()
