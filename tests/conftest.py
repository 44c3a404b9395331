"""Fixtures every test module shares. Helpers and constants (ROOT, DATA, IJDQA, copy_index,
...) live in support.py, which test modules import.

The session builds one index of the bundled report in a temporary folder (`shared_index`);
no test reads or writes the repository's index/. `IJDQA_INDEX_DIR` names that folder for the
whole session, so a `Settings()` or an `ijdqa` subprocess that inherits the environment lands
there too, even one that forgets its `--index-dir`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

from ijdqa.offline import opt_out

opt_out()  # before onnxruntime, chromadb or gradio is imported by any test module

import pytest  # noqa: E402 - after the opt-outs on purpose

from ijdqa.app_corpus import load_report  # noqa: E402
from ijdqa.types import Report  # noqa: E402
from support import ROOT, build_index_into, copy_index  # noqa: E402


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


@pytest.fixture()
def closing() -> Iterator[Callable[[C], C]]:
    """`closing(thing)` is `thing`, closed when the test ends (last opened, first closed): an
    index, assistant or Chroma store a test opens in tmp_path, whose Chroma client would
    otherwise keep its native threads for the rest of the session."""
    opened: list[_Closable] = []

    def keep(thing: C) -> C:
        opened.append(thing)
        return thing

    yield keep
    for thing in reversed(opened):
        thing.close()


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's index lives (built by `shared_index` when a test first needs it)."""
    return tmp_path_factory.mktemp("shared-index")


@pytest.fixture(scope="session", autouse=True)
def _index_dir_for_the_session(shared_index_dir: Path) -> Iterator[None]:
    """IJDQA_INDEX_DIR -> the session's folder, never the repository's index/."""
    before = os.environ.get("IJDQA_INDEX_DIR")
    os.environ["IJDQA_INDEX_DIR"] = str(shared_index_dir)
    yield
    if before is None:
        os.environ.pop("IJDQA_INDEX_DIR", None)
    else:
        os.environ["IJDQA_INDEX_DIR"] = before


@pytest.fixture(scope="session")
def shared_index(shared_index_dir: Path) -> Path:
    """The bundled report's index, built once per session in a temporary folder (~10 s)."""
    return build_index_into(shared_index_dir)


@pytest.fixture(scope="session")
def report() -> Report:
    return load_report(None)


@pytest.fixture(scope="session")
def raw_report() -> str:
    return (ROOT / "src" / "ijdqa" / "data" / "report.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def assistant(shared_index: Path):
    """The real assistant over the bundled report and the session's index, built once."""
    from ijdqa.app import build_assistant
    from ijdqa.config import Settings

    return build_assistant(Settings(_env_file=None, index_dir=shared_index))


@pytest.fixture(scope="session")
def local_llm(shared_index: Path) -> Path:
    """The bundled local model's GGUF, assembled into the session's index (as `make llm` does
    into index/llm/); skipped where the llm extra is not installed, failed under CI."""
    from ijdqa.errors import LLMError
    from ijdqa.llm import prepare_local_model

    try:
        path, _ = prepare_local_model(shared_index)
    except LLMError as exc:
        if os.environ.get("CI"):  # make test installs the extra: missing there is a failure
            pytest.fail(f"no local model: {exc}")
        pytest.skip(f"no local model (make llm): {exc}")
    return path


@pytest.fixture(scope="module")
def index_dir(shared_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's index, for tests that run `ijdqa` on a folder of their
    own (and may change it)."""
    return copy_index(shared_index, tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def second_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """An assistant over the second report we wrote (tests/data/synthetic_report.txt),
    indexed once in a temporary folder for every module that asks it questions."""
    from ijdqa.app import build_assistant
    from ijdqa.config import Settings
    from support import DATA

    folder = tmp_path_factory.mktemp("second-index")
    assistant = build_assistant(
        Settings(_env_file=None, report=DATA / "synthetic_report.txt", index_dir=folder)
    )
    yield assistant
    assistant.close()
