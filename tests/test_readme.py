"""The README's command examples run, so the README cannot drift from the CLI."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = [
    line[2:]
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S)
    for line in block.splitlines()
    if line.startswith("$ ")
]


def test_readme_gives_the_two_setup_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.findall(r"^make \w+$", quick, flags=re.M) == ["make chat", "make test"]


def test_readme_has_examples() -> None:
    assert len(COMMANDS) >= 5


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(command: str, shared_index: Path) -> None:
    argv = shlex.split(command)
    assert argv[0] == ".venv/bin/ijdqa"
    argv[0] = str(Path(sys.executable).parent / "ijdqa")
    argv += ["--index-dir", str(shared_index)]  # every command takes it: not the repo's index/
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr


PYTHON = re.findall(r"```python\n(.*?)```", README, flags=re.S)
README_URL = "http://127.0.0.1:7860"


@pytest.fixture(scope="module")
def served(assistant, tmp_path_factory):
    from support import served_app

    with served_app(assistant, tmp_path_factory.mktemp("runs")) as url:
        yield url.rstrip("/")


def test_readme_has_the_api_examples() -> None:
    code = "\n".join(PYTHON)
    assert "/api/ask" in code and 'api_name="/chat"' in code and "history" in code


@pytest.mark.parametrize("code", PYTHON, ids=lambda c: c.split("\n", 1)[0])
def test_readme_python_example_runs(code: str, served: str) -> None:
    assert README_URL in code
    result = subprocess.run(
        [sys.executable, "-c", code.replace(README_URL, served)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and "does not say" not in result.stdout  # answerable examples
