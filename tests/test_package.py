"""ijdqa as a normal install sees it: a wheel built from the tree, installed into a fresh venv
whose dependencies come from this environment, run from a folder outside the checkout.

The editable install of `make chat` finds files beside the package in the checkout; a wheel
holds only what pyproject.toml declares. This is the test that notices a template, a word list
or the bundled report left out of the package data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import ROOT, copy_index, free_port, stop_process

pytestmark = pytest.mark.slow
BUILD_FLAGS = ["-q", "--no-deps", "--no-build-isolation"]  # this environment's setuptools
# --force-reinstall: pip sees the checkout's ijdqa dist-info (outside the venv) and leaves it be
INSTALL_FLAGS = ["-q", "--no-deps", "--no-index", "--force-reinstall"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the tree (the build never writes into the checkout)."""
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "src",
        tree / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"),
    )
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *BUILD_FLAGS, "-w", str(out), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("ijdqa-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the wheel installed and this environment's site-packages behind it.

    A .pth line adds a folder to sys.path without reading the .pth files inside it, so the
    checkout's editable install (a .pth pointing at src/) stays invisible.
    """
    folder = tmp_path_factory.mktemp("venv") / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", folder], check=True, timeout=120)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "_ijdqa_test_deps.pth").write_text(deps + "\n", encoding="utf-8")
    installed = subprocess.run(
        [python, "-m", "pip", "install", *INSTALL_FLAGS, str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    return folder


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def env(shared_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    index_dir = copy_index(shared_index, tmp_path_factory.mktemp("index"))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IJDQA_", "PYTHON"))}
    return {**clean, "IJDQA_INDEX_DIR": str(index_dir), "GRADIO_ANALYTICS_ENABLED": "False"}


def ijdqa(venv: Path, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [venv / "bin" / "ijdqa", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


def test_wheel_holds_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = {p.name for p in (ROOT / "src" / "ijdqa" / "prompts").glob("*.txt")}
    assert prompts and {f"ijdqa/prompts/{n}" for n in prompts} <= names
    assert "ijdqa/data/report.txt" in names and "ijdqa/py.typed" in names
    assert not any(n.startswith(("prompts/", "tests/", "eval/")) for n in names)


def test_the_installed_package_is_the_wheel(venv: Path, outside: Path, env) -> None:
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import ijdqa; print(ijdqa.__file__)"],
        capture_output=True,
        text=True,
        cwd=outside,
        env=env,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr


def ask_json(venv: Path, outside: Path, env, question: str) -> dict:
    result = ijdqa(venv, outside, env, "ask", question, "--json", "--no-build")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def test_ask_a_fact_a_count_and_a_refusal_from_outside_the_checkout(
    venv: Path, outside: Path, env, report
) -> None:
    from ijdqa.report.organizations import filter_organizations

    fact = ask_json(venv, outside, env, "When was the IHRC founded?")
    assert not fact["refused"] and fact["citations"]
    assert all(c["quote"] in report.text for c in fact["citations"] if c["kind"] != "footnote")

    malaysian = filter_organizations(report.organizations, country="Malaysia")
    count = ask_json(venv, outside, env, "How many Malaysian organizations partnered?")
    assert not count["refused"] and str(len(malaysian)) in count["answer"]

    refusal = ask_json(venv, outside, env, "Who is the president of France?")
    assert refusal["refused"] and not refusal["citations"]
    from ijdqa import prompts

    assert refusal["answer"].startswith(prompts.refusal())


def test_eval_runs_from_outside_the_checkout(venv: Path, outside: Path, env) -> None:
    gold = ROOT / "eval" / "dev.jsonl"
    runs = outside / "runs"
    result = ijdqa(
        venv, outside, env, "eval", "--gold", str(gold), "--limit", "3", "--out", str(runs)
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    (run,) = (p for p in runs.iterdir() if p.is_dir())
    assert len((run / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert json.loads((run / "metrics.json").read_text(encoding="utf-8"))


@pytest.fixture()
def chat_server(venv: Path, outside: Path, env) -> Iterator[str]:
    port = free_port()
    log = (outside / "chat.log").open("w")
    proc = subprocess.Popen(
        [venv / "bin" / "ijdqa", "chat", "--port", str(port), "--no-build"],
        cwd=outside,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, (outside / "chat.log").read_text()
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the chat did not start within 120 s")
        yield url
    finally:
        stop_process(proc)
        log.close()
    assert "Traceback" not in (outside / "chat.log").read_text()


def test_chat_starts_from_outside_the_checkout(chat_server: str) -> None:
    page = httpx.get(chat_server + "/", timeout=10)
    assert page.status_code == 200 and "ijdqa" in page.text
    answer = httpx.post(
        chat_server + "/api/ask", json={"question": "When was the IHRC founded?"}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    assert not answer.json()["refused"] and answer.json()["citations"]
