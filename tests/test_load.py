"""The web chat under load: 50 concurrent loopback clients asking POST /api/ask back to back.

The default test runs 10 s; `make soak` runs 60 s on POST /api/ask (bench/load.json) and on
Gradio's queued /ask (bench/load_gradio.json), to compare. No errors, no lost answers, every answer identical to the
one the same question gets alone; p95 latency and the server's peak RSS go to the table in
docs/reliability.md (test-output/reliability/load.json). Timing is reported, never asserted.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from support import ROOT, copy_index, record

CLIENTS = 50


def bench() -> ModuleType:
    """bench/reliability.py (a script, not a package): the server and the load loop."""
    spec = importlib.util.spec_from_file_location(
        "bench_reliability", ROOT / "bench" / "reliability.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def load() -> ModuleType:
    return bench()


@pytest.fixture(scope="module")
def server(
    load: ModuleType, shared_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int]]:
    index_dir = copy_index(shared_index, tmp_path_factory.mktemp("index"))
    log = tmp_path_factory.mktemp("chat") / "chat.log"
    with load.serve_chat(index_dir, log) as served:
        yield served
    assert "Traceback" not in log.read_text(encoding="utf-8"), log.read_text()[-3000:]


def check_and_record(load: ModuleType, numbers: dict[str, Any]) -> None:
    assert numbers["errors"] == 0, numbers["error_examples"]
    assert numbers["lost_answers"] == 0 and numbers["wrong_answers"] == 0
    assert numbers["answers_received"] >= CLIENTS  # every client got at least one answer
    row = load.load_row(numbers, "tests/test_load.py")
    record("load", row["tried"], row["amount"], row["happened"])


@pytest.mark.timeout(900)
def test_fifty_clients_for_ten_seconds(load: ModuleType, server: tuple[str, int]) -> None:
    url, pid = server
    check_and_record(load, load.run_load(url, pid, clients=CLIENTS, seconds=10))


@pytest.mark.soak
@pytest.mark.timeout(1800)
@pytest.mark.parametrize(("route", "out"), [("api", "load.json"), ("gradio", "load_gradio.json")])
def test_fifty_clients_for_sixty_seconds(
    load: ModuleType, server: tuple[str, int], route: str, out: str
) -> None:
    """`make soak`: POST /api/ask into bench/load.json, Gradio's queued /ask beside it."""
    url, pid = server
    numbers = load.run_load(url, pid, clients=CLIENTS, seconds=60, route=route)
    (ROOT / "bench" / out).write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    check_and_record(load, numbers)
