"""Vector stores: the exact in-memory array, Chroma in a folder, and a real Chroma server.

The server tests (marked slow) run `chroma run` from the venv on a free loopback port, with its
data in tmp_path, and always stop it in a finalizer.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from fakes import HashEmbedder
from ijdqa.errors import IndexCorruptError, StoreUnavailableError
from ijdqa.search.build import build_index, read_manifest
from ijdqa.search.corpus import IndexedChunk, build_chunks
from ijdqa.search.index import open_index
from ijdqa.search.store import ArrayVectors, ChromaStore, chroma_where, chunk_metadata
from ijdqa.types import Chunk, Report

DIM = 384
CHROMA = shutil.which("chroma", path=str(Path(sys.executable).parent))


def _chunk(i: int, **kw: object) -> Chunk:
    fields: dict[str, object] = {
        "chunk_id": f"c{i:03d}",
        "text": f"text {i}",
        "kind": "body",
        "page": 1 + i % 3,
        "section": "S",
        "start": 0,
        "end": 6,
        **kw,
    }
    return Chunk(**fields)  # type: ignore[arg-type]


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


# --- ArrayVectors ------------------------------------------------------------------------


def test_array_search_is_exact_cosine() -> None:
    rng = np.random.default_rng(7)
    matrix = _unit(rng.normal(size=(50, 8)).astype(np.float32))
    vectors = ArrayVectors(matrix)
    assert len(vectors) == 50 and vectors.dimension == 8
    query = matrix[17]
    got = vectors.search(query, 5)
    expected = np.argsort(-(matrix @ query))[:5]
    assert [i for i, _ in got] == list(expected)
    assert got[0] == (17, pytest.approx(1.0, abs=1e-5))
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)


def test_array_search_mask_and_limits() -> None:
    matrix = np.eye(4, dtype=np.float32)
    vectors = ArrayVectors(matrix)
    assert vectors.search([1, 0, 0, 0], 10)[0][0] == 0
    assert len(vectors.search([1, 0, 0, 0], 10)) == 4  # n larger than the rows
    mask = np.array([False, True, True, False])
    assert {i for i, _ in vectors.search([1, 0, 0, 0], 10, mask=mask)} == {1, 2}
    assert vectors.search([1, 0, 0, 0], 10, mask=np.zeros(4, dtype=bool)) == []
    assert ArrayVectors(np.zeros((0, 4), dtype=np.float32)).search([1, 0, 0, 0], 3) == []


def test_array_save_and_load(tmp_path: Path) -> None:
    matrix = _unit(np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32))
    ArrayVectors(matrix).save(tmp_path / "v.npy")
    assert np.array_equal(ArrayVectors.load(tmp_path / "v.npy").matrix, matrix)


@pytest.mark.parametrize("content", [b"", b"\x93NUMPY", b"garbage" * 10, None])
def test_array_load_of_a_broken_file_is_index_corrupt(
    tmp_path: Path, content: bytes | None
) -> None:
    path = tmp_path / "v.npy"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(IndexCorruptError, match="ijdqa index --rebuild"):
        ArrayVectors.load(path)


# --- metadata and filters ----------------------------------------------------------------


def test_chunk_metadata_has_no_empty_lists() -> None:
    plain = chunk_metadata(_chunk(1))
    assert "footnotes" not in plain and "organizations" not in plain
    assert all(not isinstance(v, (list, dict)) for v in plain.values())
    full = chunk_metadata(_chunk(2, footnotes=(3, 4), organizations=(66,)))
    assert full["footnotes"] == [3, 4] and full["organizations"] == [66]
    assert full["chunk_id"] == "c002" and full["source"] == "report"


def test_chroma_where() -> None:
    assert chroma_where({}) is None
    assert chroma_where({"page": 3}) == {"page": 3}
    assert chroma_where({"footnote": 12}) == {"footnotes": {"$contains": 12}}
    assert chroma_where({"page": 3, "kind": "body"}) == {"$and": [{"page": 3}, {"kind": "body"}]}


# --- ChromaStore, local ------------------------------------------------------------------


def test_local_store_write_query_filter_and_replace(
    tmp_path: Path, closing: Callable[[ChromaStore], ChromaStore]
) -> None:
    chunks = [_chunk(i, footnotes=(i,) if i % 2 else ()) for i in range(12)]
    matrix = _unit(np.random.default_rng(3).normal(size=(12, 16)).astype(np.float32))
    store = closing(ChromaStore.local(tmp_path / "chroma", "ijdqa-test"))
    assert store.count() == -1  # no collection yet
    store.write(chunks, matrix)
    assert store.count() == 12
    found = store.query(matrix[5].tolist(), 3)
    assert found[0][0] == "c005" and found[0][1] == pytest.approx(1.0, abs=1e-4)
    exact = ArrayVectors(matrix).search(matrix[5], 3)
    assert [cid for cid, _ in found] == [chunks[i].chunk_id for i, _ in exact]
    assert [cid for cid, _ in store.query(matrix[5].tolist(), 5, filters={"footnote": 3})] == [
        "c003"
    ]
    page2 = store.query(matrix[0].tolist(), 12, filters={"page": 2})
    assert {cid for cid, _ in page2} == {c.chunk_id for c in chunks if c.page == 2}
    store.write(chunks[:4], matrix[:4])  # a write replaces the collection
    assert store.count() == 4
    store.delete()
    store.delete()  # deleting twice is fine
    assert store.count() == -1
    with pytest.raises(IndexCorruptError, match="ijdqa index --rebuild"):
        store.query(matrix[0].tolist(), 3)


def test_local_store_reopens_from_disk(tmp_path: Path) -> None:
    chunks = [_chunk(i) for i in range(5)]
    matrix = np.eye(5, dtype=np.float32)
    with ChromaStore.local(tmp_path / "chroma", "ijdqa-reopen") as store:
        store.write(chunks, matrix)
    with ChromaStore.local(tmp_path / "chroma", "ijdqa-reopen") as again:
        assert again.count() == 5
        assert again.query([0, 0, 1, 0, 0], 1)[0][0] == "c002"


# --- closing a store releases its client ------------------------------------------------


def _threads() -> int:
    """The process's threads, native ones too (threading.active_count() sees Python's only)."""
    return len(os.listdir("/proc/self/task"))


def _settled_threads(at_most: int, *, seconds: float = 5.0) -> int:
    """The thread count once it is at most `at_most` (a stopped runtime's threads exit on their
    own time), or what it still is after `seconds`."""
    deadline = time.monotonic() + seconds
    while (count := _threads()) > at_most and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_closed_local_stores_leave_no_threads_behind(tmp_path: Path) -> None:
    chunks = [_chunk(i) for i in range(3)]
    matrix = np.eye(3, dtype=np.float32)

    def round_trip(folder: Path) -> None:
        with ChromaStore.local(folder, "ijdqa-threads") as store:
            store.write(chunks, matrix)
            assert store.query([0, 1, 0], 1)[0][0] == "c001"
        assert store.closed

    round_trip(tmp_path / "warm-up")  # whatever chromadb starts once per process
    before = _threads()
    for n in range(8):
        round_trip(tmp_path / f"store-{n}")
    # a store left open keeps 6-7 threads (a tokio runtime, SQLite workers) until exit: 8 of
    # them would add about 50
    assert _settled_threads(before + 4) <= before + 4


def test_a_closed_store_fails_clearly_and_other_stores_keep_working(tmp_path: Path) -> None:
    folder = tmp_path / "chroma"
    chunks = [_chunk(i) for i in range(4)]
    matrix = np.eye(4, dtype=np.float32)
    owner = ChromaStore.local(folder, "ijdqa-owner")
    owner.write(chunks, matrix)
    sibling = owner.sibling("ijdqa-sibling")
    sibling.write(chunks[:2], matrix[:2])
    other = ChromaStore.local(folder, "ijdqa-owner")  # a client of its own on the same folder

    sibling.close()  # a sibling shares its owner's client and leaves it open
    assert sibling.closed and not owner.closed
    with pytest.raises(StoreUnavailableError, match="closed"):
        sibling.query([1, 0, 0, 0], 1)
    assert owner.query([0, 0, 1, 0], 1)[0][0] == "c002"

    kept = owner.sibling("ijdqa-sibling")
    assert kept.count() == 2
    owner.close()
    owner.close()  # closing twice is fine
    for closed in (owner, kept):  # the owner's client is closed for its siblings too
        assert closed.closed and closed.count() == -1
        with pytest.raises(StoreUnavailableError, match="closed"):
            closed.query([0, 0, 1, 0], 1)
        with pytest.raises(StoreUnavailableError, match="closed"):
            closed.write(chunks, matrix)
        with pytest.raises(StoreUnavailableError, match="closed"):
            closed.delete()

    # the other client on the folder is untouched, and so is what was written
    assert other.count() == 4 and other.query([0, 1, 0, 0], 1)[0][0] == "c001"
    assert other.sibling("ijdqa-sibling").count() == 2
    other.close()
    with ChromaStore.local(folder, "ijdqa-owner") as reopened:
        assert reopened.query([0, 0, 0, 1], 1)[0][0] == "c003"


# --- ChromaStore, remote: bad URLs -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "url", ["http://", "http://127.0.0.1:99999", "http://127.0.0.1:port", "ftp://127.0.0.1:8000"]
)
def test_malformed_url_is_store_unavailable(url: str) -> None:
    with pytest.raises(StoreUnavailableError, match="HOST:PORT"):
        ChromaStore.remote(url, "ijdqa-x")


@pytest.mark.parametrize("scheme", ["http://", ""])
def test_nothing_listening_is_store_unavailable(scheme: str) -> None:
    url = f"{scheme}127.0.0.1:{_free_port()}"
    with pytest.raises(StoreUnavailableError, match="chroma run"):
        ChromaStore.remote(url, "ijdqa-x")


def test_build_against_a_missing_server_keeps_no_index(tmp_path: Path) -> None:
    chunks = [IndexedChunk(_chunk(i), f"text {i}") for i in range(3)]
    with pytest.raises(StoreUnavailableError):
        build_index(
            tmp_path,
            chunks,
            embedder=lambda: HashEmbedder(8),
            model="hash",
            inputs="x",
            chroma_url=f"http://127.0.0.1:{_free_port()}",
        )
    assert read_manifest(tmp_path) is None


# --- a real Chroma server ----------------------------------------------------------------


class ChromaServer:
    """`chroma run` on loopback with its data in `path`; restartable on the same port."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 60.0) -> None:
        assert CHROMA, "the chroma CLI is not installed in the venv"
        log = (self.path.parent / f"chroma-{self.port}.log").open("ab")
        self.proc = subprocess.Popen(
            [
                CHROMA,
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # a busy port makes chroma print a message and exit 0: watch the process too
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}; see {log.name}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    srv = ChromaServer(tmp_path / "chroma-data")
    try:
        srv.start()
    except RuntimeError:  # the free port was taken in between: one more try on another
        srv = ChromaServer(tmp_path / "chroma-data")
        srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _ranking_matches(expected: list[tuple[str, float]], got: list[tuple[str, float]]) -> None:
    """Same scores rank by rank; the same ids except within ties at the cut-off."""
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-3)
    cutoff = round(expected[-1][1], 3)
    assert {i for i, s in expected if round(s, 3) > cutoff} == {
        i for i, s in got if round(s, 3) > cutoff
    }


QUERIES = ["Massoud Shadjareh IHRC leader", "Malaysian partner organizations", "Neturei Karta"]


@pytest.mark.slow
def test_server_build_search_kill_and_restart(
    tmp_path: Path, server: ChromaServer, report: Report
) -> None:
    items = build_chunks(report)
    root = tmp_path / "index"
    embedder = HashEmbedder(DIM)
    result = build_index(
        root, items, embedder=lambda: embedder, model="hash", inputs="x", chroma_url=server.url
    )
    assert result.store == server.url and result.embedded > 0
    manifest = read_manifest(root)
    assert manifest and manifest["chroma_url"] == server.url
    assert not (root / "builds" / manifest["folder"] / "chroma").exists()  # nothing local

    # a manifest with chroma_url searches through the server; the array path agrees
    index = open_index(root, query_embedder=embedder)
    assert index.chroma is not None and index.chroma.count() == len(items)

    def compare() -> None:
        assert index.chroma is not None
        for query in QUERIES:
            vector = embedder.embed_query(query)
            array = [(index.chunks[i].chunk_id, s) for i, s in index.vectors.search(vector, 5)]
            _ranking_matches(array, index.chroma.query(vector, 5))
        hits = index.search("armed struggle", k=10, filters={"footnote": 12}, mode="dense")
        assert hits and all(12 in h.chunk.footnotes for h in hits)

    compare()

    # an unchanged rebuild against the server embeds nothing
    def boom() -> HashEmbedder:
        raise AssertionError("must not embed")

    again = build_index(root, items, embedder=boom, model="hash", inputs="x", chroma_url=server.url)
    assert not again.rebuilt and again.embedded == 0

    # the server goes away: a clear StoreUnavailableError, on query and on open
    server.stop()
    with pytest.raises(StoreUnavailableError, match=str(server.port)):
        index.search("Shadjareh", mode="dense")
    with pytest.raises(StoreUnavailableError, match="chroma run"):
        open_index(root, query_embedder=embedder)
    # lexical search needs no store
    assert index.search("Shadjareh", mode="lexical")

    # restarted on the same path: the data is still there
    server.start()
    reopened = open_index(root, query_embedder=embedder)
    assert reopened.chroma is not None and reopened.chroma.count() == len(items)
    index = reopened
    compare()


@pytest.mark.slow
def test_server_url_without_scheme(tmp_path: Path, server: ChromaServer) -> None:
    store = ChromaStore.remote(f"127.0.0.1:{server.port}", "ijdqa-noscheme")
    chunks = [_chunk(i) for i in range(4)]
    store.write(chunks, np.eye(4, dtype=np.float32))
    assert store.query([0, 1, 0, 0], 1)[0][0] == "c001"
    server.stop()
    with pytest.raises(StoreUnavailableError):
        store.query([0, 1, 0, 0], 1)
    store.close()  # with its server gone, closing is still quiet
    store.close()
    with pytest.raises(StoreUnavailableError, match="closed"):
        store.query([0, 1, 0, 0], 1)


@pytest.mark.slow
def test_server_rebuilds_keep_one_collection_and_a_failed_one_keeps_the_old(
    tmp_path: Path, server: ChromaServer
) -> None:
    items = [IndexedChunk(_chunk(i), f"text number {i}") for i in range(6)]
    root = tmp_path / "index"
    client = ChromaStore.remote(server.url, "ijdqa-probe")
    others = ChromaStore.remote(server.url, "someone-elses")
    others.write([_chunk(0)], np.eye(1, 8, dtype=np.float32))

    def ours() -> set[str]:
        return {c.name for c in client._client.list_collections()} - {"someone-elses"}

    def build(**kwargs: object) -> None:
        build_index(
            root,
            items,
            embedder=kwargs.pop("embedder", lambda: HashEmbedder(8)),  # type: ignore[arg-type]
            model="hash",
            inputs="x",
            chroma_url=server.url,
            **kwargs,  # type: ignore[arg-type]
        )

    build()
    first = read_manifest(root)
    assert first and ours() == {first["collection"]}
    build(rebuild=True)  # same corpus, rebuilt: a new collection, the old one dropped
    second = read_manifest(root)
    assert second and second["collection"] != first["collection"]
    assert ours() == {second["collection"]}
    assert others.count() == 1  # not ours: untouched

    class Dies(HashEmbedder):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise RuntimeError("the embedder died")

    with pytest.raises(RuntimeError):
        build(rebuild=True, embedder=lambda: Dies(8))
    assert read_manifest(root) == second  # the index in use is unchanged ...
    assert open_index(root, query_embedder=HashEmbedder(8)).chroma.count() == len(items)
