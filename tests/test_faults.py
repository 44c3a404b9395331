"""Faults while ijdqa runs: the index deleted or corrupted under a running app, the Chroma server
killed mid-session, the disk filling up during an index build.

Every case ends in a clean IjdqaError (a one-line message in the CLI, an error bubble in the chat)
or keeps working, and recovers after `ijdqa index`. The tests use a small report (the first page of
the synthetic fixture, 13 chunks) in temporary index folders, so a full rebuild costs seconds.
The LLM endpoint being down, slow or talking garbage is covered in tests/test_llm.py.

Rows go to test-output/reliability/faults.json (see bench/reliability.py).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported

from ijdqa import cli
from ijdqa.app import Assistant, build_assistant
from ijdqa.app_corpus import load_corpus
from ijdqa.app_index import ensure_index, open_search_index, report_index_dir
from ijdqa.config import Settings
from ijdqa.errors import (
    IjdqaError,
    IndexCorruptError,
    IndexNotBuiltError,
    IndexStoreError,
    StoreUnavailableError,
)
from ijdqa.search.embed import QueryEncoder
from ijdqa.search.store import ArrayVectors
from support import IJDQA, ROOT, clean_env, copy_encoder, free_port, record

CHROMA = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
QUESTION = "When was the Trust founded?"
FOUNDED = "1986"


# --- a small report and its index --------------------------------------------------------------


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = (ROOT / "tests" / "data" / "synthetic_report.txt").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("report") / "small.txt"
    path.write_text("\n".join(lines.split("\n")[:47]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def template(
    small_report: Path, shared_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A built index of the small report; the encoder is copied from the session's index
    (exporting it again would take ~15 s)."""
    root = copy_encoder(shared_index, tmp_path_factory.mktemp("template"))
    ensure_index(settings(root, small_report), load_corpus(small_report, root))
    return root


def settings(index_dir: Path, report: Path, **more: Any) -> Settings:
    return Settings(_env_file=None, index_dir=index_dir, report=report, **more)


def copy_of(template: Path, dst: Path, *, link_encoder: bool = True) -> Path:
    """A private copy of the template index; the encoder is linked unless it will be written."""
    shutil.copytree(template, dst, ignore=shutil.ignore_patterns("encoder"))
    if link_encoder:
        (dst / "encoder").symlink_to(template / "encoder", target_is_directory=True)
    else:
        shutil.copytree(template / "encoder", dst / "encoder")
    return dst


def report_folder(index_dir: Path) -> Path:
    """The one report's folder of builds (index/reports/<key>/) in a test's index folder."""
    [folder] = (index_dir / "reports").iterdir()
    return folder


def build_folder(index_dir: Path) -> Path:
    root = report_folder(index_dir)
    return root / "builds" / (root / "CURRENT").read_text(encoding="utf-8").strip()


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IJDQA, *map(str, args)], capture_output=True, text=True, timeout=300, env=clean_env()
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith("ijdqa: error: ")
    return lines[0]


def chat_for(assistant: Assistant) -> Any:
    from ijdqa import web

    return web.WebChat(assistant)


def last_bubble(chat: Any, question: str = QUESTION) -> str:
    return str(list(chat.respond(question, [], None, 6))[-1][0][-1]["content"])


def shorten(message: str, index_dir: Path) -> str:
    """A message for the table: no temporary paths, build ids or ports."""
    message = message.replace(str(index_dir), "INDEX").replace("ijdqa: error: ", "")
    message = re.sub(r"builds/[0-9a-f]{16}-[0-9a-f]{8}", "builds/ID", message)
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", message)


# --- the index deleted or corrupted under a running app ---------------------------------------


def test_index_folder_deleted_while_the_app_runs(
    template: Path, small_report: Path, tmp_path: Path
) -> None:
    index_dir = copy_of(template, tmp_path / "index", link_encoder=False)
    running = build_assistant(settings(index_dir, small_report), build=False)
    chat = chat_for(running)
    assert FOUNDED in last_bubble(chat)

    shutil.rmtree(index_dir)
    # the running app holds the chunks, vectors and encoder in memory: it keeps answering
    during = last_bubble(chat)
    assert "ijdqa-answer" in during and FOUNDED in during
    # a restart finds no index: a one-line message, then `ijdqa index` brings it back
    ask = ("--report", small_report, "ask", "--no-build", "--index-dir", index_dir, QUESTION)
    message = one_error_line(run_cli(*ask))
    assert "ijdqa index" in message
    with pytest.raises(IndexNotBuiltError, match="ijdqa index"):
        build_assistant(settings(index_dir, small_report), build=False)
    rebuilt = run_cli("--report", small_report, "index", "--index-dir", index_dir)
    assert rebuilt.returncode == 0 and "Traceback" not in rebuilt.stderr, rebuilt.stderr
    again = run_cli(*ask)
    assert again.returncode == 0 and FOUNDED in again.stdout
    fresh = chat_for(build_assistant(settings(index_dir, small_report), build=False))
    assert FOUNDED in last_bubble(fresh)
    record(
        "faults",
        "index folder deleted (`rm -rf index/`) while the web app runs",
        "whole folder incl. the ONNX encoder",
        "running app keeps answering from memory; a restart says "
        f"“{shorten(message, index_dir)}”; after `ijdqa index` (re-exports the encoder) "
        "CLI and chat answer again",
    )


def test_index_corrupted_while_the_app_runs(
    template: Path, small_report: Path, tmp_path: Path
) -> None:
    index_dir = copy_of(template, tmp_path / "index", link_encoder=False)
    chat = chat_for(build_assistant(settings(index_dir, small_report), build=False))
    build = build_folder(index_dir)
    (build / "vectors.npy").write_bytes(os.urandom(4096))
    (build / "chunks.jsonl").write_bytes(b'{"chunk_id": "x", "text": ')
    during = last_bubble(chat)
    assert "ijdqa-answer" in during and FOUNDED in during  # in memory, still whole

    ask = ("--report", small_report, "ask", "--no-build", "--index-dir", index_dir, QUESTION)
    message = one_error_line(run_cli(*ask))
    assert "ijdqa index --rebuild" in message
    with pytest.raises(IndexCorruptError):
        build_assistant(settings(index_dir, small_report), build=True)  # fresh, so not rebuilt
    rebuilt = run_cli("--report", small_report, "index", "--rebuild", "--index-dir", index_dir)
    assert rebuilt.returncode == 0 and "Traceback" not in rebuilt.stderr, rebuilt.stderr
    again = run_cli(*ask)
    assert again.returncode == 0 and FOUNDED in again.stdout
    record(
        "faults",
        "vectors.npy and chunks.jsonl overwritten with garbage while the web app runs",
        "2 files",
        "running app keeps answering from memory; a restart says "
        f"“{shorten(message, index_dir)}”; after `ijdqa index --rebuild` it answers again",
    )


CORRUPTIONS = ("deleted", "emptied", "cut in half", "random bytes")


def corrupt(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "deleted":
        path.unlink()
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "cut in half":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(os.urandom(max(256, len(data) // 4)))


def index_files(index_dir: Path) -> list[str]:
    """Every file a start-up may read, relative to the index folder."""
    build = build_folder(index_dir)
    names = [str((report_folder(index_dir) / "CURRENT").relative_to(index_dir))]
    names += sorted(str(p.relative_to(index_dir)) for p in build.rglob("*") if p.is_file())
    names += sorted(str(p.relative_to(index_dir)) for p in index_dir.glob("report-cache/*.json"))
    encoder = next((index_dir / "encoder").iterdir())
    names += [str((encoder / n).relative_to(index_dir)) for n in ("model.onnx", "tokenizer.json")]
    return names


@pytest.fixture()
def cached_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """QueryEncoder.load once per folder content (only speed: a broken file still fails)."""
    original = QueryEncoder.load.__func__  # type: ignore[attr-defined]
    cache: dict[tuple[str, float], QueryEncoder] = {}

    def load(cls: type[QueryEncoder], directory: Path | str, **kw: Any) -> QueryEncoder:
        onnx = Path(directory) / "model.onnx"
        key = (str(Path(directory).resolve()), onnx.stat().st_mtime if onnx.exists() else 0.0)
        if key not in cache:
            cache[key] = original(cls, directory, **kw)
        return cache[key]

    monkeypatch.setattr(QueryEncoder, "load", classmethod(load))


def start_up(index_dir: Path, report: Path, *, use_chroma: bool) -> str:
    """What a fresh app sees: 'answers' or the IjdqaError class; anything else fails the test."""
    try:
        s = settings(index_dir, report)
        if use_chroma:  # the local Chroma store is read only when asked for (or for a server)
            corpus = load_corpus(report, index_dir)
            with open_search_index(s, corpus, build=False, use_chroma=True) as index:
                assert index.search(QUESTION, k=3)
            return "answers"
        with build_assistant(s, build=False) as assistant:
            assert FOUNDED in assistant.ask(QUESTION).text
        return "answers"
    except IjdqaError as exc:  # the message names the way out
        assert re.search(r"`ijdqa index|rebuild the index|IJDQA_EMBEDDING_MODEL", str(exc)), exc
        return type(exc).__name__


def test_every_index_file_corrupted_at_start_up(
    template: Path, small_report: Path, tmp_path: Path, cached_encoder: None
) -> None:
    outcomes: dict[str, dict[str, tuple[str, str]]] = {}
    names = index_files(template)
    for n, name in enumerate(names):
        for how in CORRUPTIONS:
            is_encoder = name.startswith("encoder/")
            index_dir = copy_of(template, tmp_path / f"{n}-{how}", link_encoder=not is_encoder)
            corrupt(index_dir / name, how)
            outcomes.setdefault(name, {})[how] = (
                start_up(index_dir, small_report, use_chroma=False),
                start_up(index_dir, small_report, use_chroma=True),
            )
            shutil.rmtree(index_dir)
    build = str(build_folder(template).relative_to(template))
    for name, by_how in outcomes.items():
        shown = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "SEGMENT", name.replace(build, "builds/ID"))
        shown = re.sub(r"(encoder|report-cache|reports)/[0-9a-f]{12,}", r"\1/KEY", shown)
        parts = "; ".join(
            f"{how}: {default}"
            if default == chroma
            else f"{how}: {default} (Chroma path: {chroma})"
            for how, (default, chroma) in by_how.items()
        )
        record("corruption", f"`{shown}`", "4 corruptions × 2 read paths", parts)
    assert set(outcomes) == set(names)
    assert all(set(by_how) == set(CORRUPTIONS) for by_how in outcomes.values())
    # what every read needs cannot answer when damaged: a clear error, never a wrong index
    current = str((report_folder(template) / "CURRENT").relative_to(template))
    needed = [
        current,  # the report's pointer to its build: reports/KEY/CURRENT
        *(f"{build}/{n}" for n in ("manifest.json", "chunks.jsonl", "vectors.npy")),
    ]
    for name in needed:
        assert all(default != "answers" for default, _ in outcomes[name].values()), name


# --- the Chroma server killed mid-session -----------------------------------------------------


class ChromaServer:
    """`chroma run` on a loopback port, stoppable and restartable on the same data folder."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path, self.log, self.port = path, log, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> list[str]:
        return ["--host", "127.0.0.1", "--port", str(self.port)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import httpx

        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [CHROMA, "run", "--path", str(self.path), *self.address],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**clean_env(), "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        pytest.fail(f"chroma did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture()
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-data", tmp_path / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_chroma_server_killed_mid_session_then_restarted(
    template: Path,
    small_report: Path,
    tmp_path: Path,
    chroma_server: ChromaServer,
    closing: Callable[[Assistant], Assistant],
) -> None:
    index_dir = copy_of(template, tmp_path / "index")
    s = settings(index_dir, small_report, chroma_url=chroma_server.url)
    result = ensure_index(s, load_corpus(small_report, index_dir))
    assert result.store == chroma_server.url
    running = closing(build_assistant(s, build=False))
    assert running.index.chroma is not None  # dense search goes through the server
    chat = chat_for(running)
    assert FOUNDED in running.ask(QUESTION).text

    chroma_server.kill()
    with pytest.raises(StoreUnavailableError) as raised:
        running.ask(QUESTION)
    during = str(raised.value)
    bubble = last_bubble(chat)
    assert "ijdqa-error" in bubble and "Chroma server" in bubble and "Traceback" not in bubble
    ask = ("--report", small_report, "ask", "--no-build", "--index-dir", index_dir)
    cli_message = one_error_line(run_cli(*ask, "--chroma-url", chroma_server.url, QUESTION))
    assert "Chroma server" in cli_message and "chroma run" in cli_message

    chroma_server.start()  # same data folder, same port
    assert FOUNDED in running.ask(QUESTION).text  # the running app recovers by itself
    assert FOUNDED in last_bubble(chat)
    again = run_cli(*ask, "--chroma-url", chroma_server.url, QUESTION)
    assert again.returncode == 0 and FOUNDED in again.stdout
    record(
        "faults",
        "Chroma server killed (SIGKILL) mid-session, then restarted on the same path",
        "1 kill, 1 restart",
        f"questions raise StoreUnavailableError “{during.replace(chroma_server.url, 'URL')}”; the "
        f"chat shows it as an error; the CLI says “{shorten(cli_message, index_dir)}”; "
        "after the restart "
        "the same running app (and the CLI) answer again",
    )


# --- the disk filling up during an index build ---------------------------------------------


def enospc(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    ("what", "target"),
    [
        ("sentences.npy (2nd of 3 array files)", "second-save"),
        ("the Chroma store", "chroma"),
        ("CURRENT (the last write)", "current"),
    ],
)
def test_disk_full_during_an_index_build_keeps_the_old_index(
    template: Path,
    small_report: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    what: str,
    target: str,
) -> None:
    index_dir = copy_of(template, tmp_path / "index")
    current = report_folder(index_dir) / "CURRENT"
    before = current.read_text(encoding="utf-8")
    edited = tmp_path / "edited.txt"  # a changed report: a new build, embedding only what is new
    edited.write_text(
        small_report.read_text(encoding="utf-8").replace("local artists", "local painters"),
        encoding="utf-8",
    )
    import ijdqa.search.build

    if target == "second-save":
        real_save = ArrayVectors.save

        def save(self: ArrayVectors, path: Path) -> None:
            if path.name == "sentences.npy":  # vectors.npy was written just before
                enospc()
            real_save(self, path)

        monkeypatch.setattr(ArrayVectors, "save", save)
    elif target == "chroma":  # inside chromadb, so the adapter's own wrapping is exercised
        monkeypatch.setattr("chromadb.api.models.Collection.Collection.add", enospc)
    else:
        real_write = ijdqa.search.build.atomic_write

        def atomic_write(path: Path, text: str) -> None:
            if path.name == "CURRENT":
                enospc()
            real_write(path, text)

        monkeypatch.setattr(ijdqa.search.build, "atomic_write", atomic_write)

    code = cli.main(["--report", str(edited), "index", "--index-dir", str(index_dir)])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip() and "embedding" not in ln]
    assert code == 1 and "Traceback" not in err and len(lines) == 1, err
    assert "No space left on device" in lines[0] and "ijdqa index" in lines[0]
    with pytest.raises(IndexStoreError, match="No space left"):
        ensure_index(settings(index_dir, edited), load_corpus(edited, index_dir))
    monkeypatch.undo()

    assert current.read_text(encoding="utf-8") == before
    edited_builds = report_index_dir(index_dir, load_corpus(edited, index_dir)) / "builds"
    old = build_assistant(settings(index_dir, small_report), build=False)
    assert FOUNDED in old.ask(QUESTION).text  # the old index is still the one in use
    new = build_assistant(settings(index_dir, edited), build=True)  # disk freed: builds
    assert "local painters" in new.ask(QUESTION).text
    assert len(list(edited_builds.iterdir())) == 1  # half-written folders removed
    assert current.read_text(encoding="utf-8") == before  # the small report's build kept too
    record(
        "faults",
        f"disk full (OSError ENOSPC) while writing {what} during `ijdqa index`",
        "1 build of a changed report",
        f"exit 1: “{shorten(lines[0], index_dir)}”; the old index stays in use and "
        "answers; the next build (space freed) succeeds and removes the half-written folder",
    )
