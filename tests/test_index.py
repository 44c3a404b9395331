"""Building, reusing, opening and searching the index, with the fake HashEmbedder in tmp_path.

Never touches the repository's index/ folder: every test builds into its own temporary one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from fakes import HashEmbedder
from ijdqa.app_corpus import read_report_text
from ijdqa.errors import (
    IndexCorruptError,
    IndexNotBuiltError,
    IndexStoreError,
    QueryError,
    StoreUnavailableError,
)
from ijdqa.report.parse import parse_report
from ijdqa.search.build import BuildResult, build_index, is_fresh, read_manifest
from ijdqa.search.corpus import IndexedChunk, build_chunks
from ijdqa.search.index import Index, open_index
from ijdqa.search.lexical import tokenize
from ijdqa.search.store import ChromaStore
from ijdqa.types import Report
from support import IJDQA

MODEL = "hash-384"
DIM = 384
URL = "https://example.org/harbour-article"


@dataclass(frozen=True)
class FakeSource:
    url: str
    footnotes: tuple[int, ...]
    title: str | None
    text: str


SOURCE = FakeSource(
    URL,
    (5,),
    "An article",
    "The charity cash was reported by the Telegraph. It named the group and its donors. "
    "A second paragraph mentions harbour lamps.",
)


@dataclass
class Recorder:
    """A HashEmbedder that records what it embeds; optionally fails after `fail_after` texts."""

    fail_after: int | None = None
    texts: list[str] = field(default_factory=list)
    calls: int = 0  # how often the factory was called

    def factory(self) -> Recorder:
        self.calls += 1
        return self

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.fail_after is not None and len(self.texts) + len(texts) > self.fail_after:
            raise RuntimeError("the embedder died mid-way")
        self.texts += texts
        return HashEmbedder(DIM).embed_documents(texts)


def never_called() -> HashEmbedder:
    raise AssertionError("the embedder factory must not be called")


def _new_texts(old: list[IndexedChunk], new: list[IndexedChunk]) -> int:
    return len(set(all_texts(new)) - set(all_texts(old)))


def all_texts(items: list[IndexedChunk]) -> list[str]:
    """What build_index embeds: every search text, then each distinct sentence once."""
    return [it.search_text for it in items] + list(
        dict.fromkeys(t for it in items for t in it.sentences)
    )


def build(
    root: Path,
    items: list[IndexedChunk],
    embedder: Callable[[], object] | None = None,
    **kwargs: object,
) -> BuildResult:
    kwargs.setdefault("batch_size", 16)
    return build_index(
        root,
        items,
        embedder=embedder or Recorder().factory,  # type: ignore[arg-type]
        model=MODEL,
        inputs=str(kwargs.pop("inputs", "inputs-1")),
        **kwargs,  # type: ignore[arg-type]
    )


def open_(root: Path, **kwargs: bool) -> Index:
    return open_index(root, query_embedder=HashEmbedder(DIM), **kwargs)


@pytest.fixture(scope="module")
def items(report: Report) -> list[IndexedChunk]:
    return build_chunks(report, [SOURCE])


@pytest.fixture(scope="module")
def edited_items() -> list[IndexedChunk]:
    raw = read_report_text(None)[0]
    raw = raw.replace("broadcasted on Facebook and YouTube", "broadcasted on Facebook and Vimeo")
    return build_chunks(parse_report(raw), [SOURCE])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, items: list[IndexedChunk]) -> Path:
    root = tmp_path_factory.mktemp("index")
    build(root, items)
    return root


@pytest.fixture(scope="module")
def index(built: Path) -> Index:
    return open_(built)


# --- build, open, search -------------------------------------------------------------------


def test_build_then_open_and_search(tmp_path: Path, items: list[IndexedChunk]) -> None:
    recorder = Recorder()
    result = build(tmp_path, items, recorder.factory)
    assert result.rebuilt and result.chunks == len(items) and result.embedding_model == MODEL
    assert result.store == "local"
    assert result.embedded == len(all_texts(items)) == len(recorder.texts)
    assert recorder.calls == 1
    manifest = read_manifest(tmp_path)
    assert manifest and manifest["chunks"] == len(items) and manifest["dimension"] == DIM
    assert manifest["build_id"] == result.build_id
    assert (tmp_path / "CURRENT").read_text().strip() == manifest["folder"]
    assert is_fresh(tmp_path, inputs="inputs-1", model=MODEL)
    assert not is_fresh(tmp_path, inputs="other", model=MODEL)
    idx = open_(tmp_path)
    assert [c.chunk_id for c in idx.chunks] == [it.chunk.chunk_id for it in items]
    hits = idx.search("Massoud Shadjareh condemned", k=3)
    assert any("Shadjareh" in h.chunk.text for h in hits)
    assert all(idx.chunk(h.chunk.chunk_id) == h.chunk for h in hits)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_modes(index: Index, mode: str) -> None:
    hits = index.search("Pertubuhan IKRAM Malaysia", k=5, mode=mode)
    assert 0 < len(hits) <= 5
    assert any("Pertubuhan IKRAM" in h.chunk.text for h in hits)
    if mode == "dense":
        assert all(h.lexical_rank is None for h in hits)
    if mode == "lexical":
        assert all(h.dense_rank is None for h in hits)


def test_bad_mode_and_k_are_query_errors(index: Index) -> None:
    with pytest.raises(QueryError, match="mode"):
        index.search("harbour", mode="semantic")
    with pytest.raises(QueryError):
        index.search("harbour", k=0)
    with pytest.raises(QueryError, match="empty"):
        index.search(" \n ")


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"page": 3}, lambda c: c.page == 3),
        ({"section": "summary"}, lambda c: c.section == "Summary"),
        ({"kind": "appendix"}, lambda c: c.kind == "appendix"),
        ({"kind": "footnote"}, lambda c: c.kind == "footnote"),
        ({"footnote": 12}, lambda c: 12 in c.footnotes),
        ({"source": URL}, lambda c: c.source == URL and c.kind == "source"),
        ({"source": "report"}, lambda c: c.source == "report"),
        ({"page": 4, "kind": "caption"}, lambda c: c.page == 4 and c.kind == "caption"),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_filters(
    index: Index, filters: dict[str, object], check: Callable[..., bool], mode: str
) -> None:
    query = "Khamenei Twitter Palestinian flag charity"
    hits = index.search(query, k=8, filters=filters, mode=mode)
    assert all(check(h.chunk) for h in hits), [h.chunk for h in hits]
    allowed = [i for i, c in enumerate(index.chunks) if check(c)]
    assert allowed, "every filter of this test selects some chunks"
    if mode == "lexical":  # BM25 finds only the allowed chunks that share a query term
        terms = set(tokenize(query))
        sharing = [i for i in allowed if terms & set(tokenize(index.search_texts[i]))]
        assert len(hits) == min(8, len(sharing))
    else:  # by meaning, every allowed chunk is a candidate
        assert len(hits) == min(8, len(allowed))


def test_footnote_filter_finds_every_carrier(index: Index) -> None:
    wanted = {c.chunk_id for c in index.chunks if 12 in c.footnotes}
    hits = index.search("the armed struggle", k=20, filters={"footnote": 12}, mode="dense")
    assert {h.chunk.chunk_id for h in hits} == wanted


def test_filter_matching_nothing_gives_no_hits(index: Index) -> None:
    assert index.search("Khamenei", filters={"page": 999}) == []


def test_unknown_filter_is_a_query_error(index: Index) -> None:
    with pytest.raises(QueryError, match="filters are"):
        index.search("x", filters={"chapter": 2})


# --- reuse: only what changed is embedded --------------------------------------------------


def test_unchanged_rebuild_embeds_nothing(tmp_path: Path, items: list[IndexedChunk]) -> None:
    first = build(tmp_path, items)
    again = build(tmp_path, items, never_called)
    assert not again.rebuilt and again.embedded == 0 and again.build_id == first.build_id
    # new inputs fingerprint, same chunks: nothing embedded, the manifest follows the inputs
    third = build(tmp_path, items, never_called, inputs="inputs-2")
    assert third.embedded == 0 and third.build_id == first.build_id
    assert is_fresh(tmp_path, inputs="inputs-2", model=MODEL)


def test_changed_corpus_embeds_only_new_texts(
    tmp_path: Path, items: list[IndexedChunk], edited_items: list[IndexedChunk]
) -> None:
    first = build(tmp_path, items)
    recorder = Recorder()
    second = build(tmp_path, edited_items, recorder.factory)
    new = set(all_texts(edited_items)) - set(all_texts(items))
    assert second.rebuilt and second.build_id != first.build_id
    assert 0 < second.embedded == len(recorder.texts) < 10
    assert set(recorder.texts) == new
    assert any("Vimeo" in t for t in recorder.texts)
    # reused vectors are the same as freshly computed ones
    idx = open_(tmp_path)
    fresh = np.asarray(HashEmbedder(DIM).embed_documents(idx.search_texts), dtype=np.float32)
    assert np.allclose(idx.vectors.matrix, fresh)
    # the old build is gone, the new one is the only one
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [_folder(tmp_path)]
    assert _folder(tmp_path).startswith(second.build_id)


def test_rebuild_reembeds_everything(tmp_path: Path, items: list[IndexedChunk]) -> None:
    build(tmp_path, items)
    recorder = Recorder()
    result = build(tmp_path, items, recorder.factory, rebuild=True)
    assert result.rebuilt and recorder.calls == 1
    assert result.embedded == len(all_texts(items)) == len(recorder.texts)
    assert open_(tmp_path).search("IHRC founded London 1997", k=1)


def test_different_model_reembeds_everything(tmp_path: Path, items: list[IndexedChunk]) -> None:
    build(tmp_path, items)
    recorder = Recorder()
    result = build_index(
        tmp_path, items, embedder=recorder.factory, model="other-model", inputs="inputs-1"
    )
    assert result.embedded == len(all_texts(items))


def test_empty_corpus(tmp_path: Path) -> None:
    result = build(tmp_path, [], never_called)
    assert result.chunks == 0 and result.embedded == 0
    assert open_(tmp_path).search("anything") == []


# --- interrupted builds leave the previous build in use ------------------------------------


def _folder(root: Path) -> str:
    return (root / "CURRENT").read_text(encoding="utf-8").strip()


def _assert_previous_build_works(root: Path, folder: str, items: list[IndexedChunk]) -> None:
    assert _folder(root) == folder
    idx = open_(root)
    assert [c.chunk_id for c in idx.chunks] == [it.chunk.chunk_id for it in items]
    assert any("Shadjareh" in h.chunk.text for h in idx.search("Massoud Shadjareh", k=3))
    with open_(root, use_chroma=True) as chroma:
        assert chroma.chroma is not None and chroma.chroma.count() == len(items)
        vector = HashEmbedder(DIM).embed_query("Massoud Shadjareh")
        assert_same_ranking(
            [(idx.chunks[i].chunk_id, s) for i, s in idx.vectors.search(vector, 5)],
            chroma.chroma.query(vector, 5),
        )


@pytest.mark.parametrize("rebuild", [False, True])
def test_embedder_failing_mid_way_keeps_the_previous_build(
    tmp_path: Path, items: list[IndexedChunk], edited_items: list[IndexedChunk], rebuild: bool
) -> None:
    build(tmp_path, items)
    first = _folder(tmp_path)
    recorder = Recorder(fail_after=1)  # batches of 1: the first goes through, the second fails
    with pytest.raises(RuntimeError, match="mid-way"):
        build(tmp_path, edited_items, recorder.factory, rebuild=rebuild, batch_size=1)
    assert len(recorder.texts) == 1
    _assert_previous_build_works(tmp_path, first, items)
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [first]
    # and the next build goes through (the lock was released)
    assert build(tmp_path, edited_items).rebuilt


@pytest.mark.parametrize("rebuild", [False, True])
def test_keyboard_interrupt_from_progress_keeps_the_previous_build(
    tmp_path: Path, items: list[IndexedChunk], edited_items: list[IndexedChunk], rebuild: bool
) -> None:
    build(tmp_path, items)
    first = _folder(tmp_path)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(tmp_path, edited_items, rebuild=rebuild, progress=progress, batch_size=1)
    assert seen == [(1, seen[0][1]), (2, seen[0][1])]
    assert seen[0][1] == (
        len(all_texts(edited_items)) if rebuild else _new_texts(items, edited_items)
    )
    _assert_previous_build_works(tmp_path, first, items)
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [first]


@pytest.mark.parametrize("rebuild", [False, True])
def test_interrupt_while_writing_the_store_keeps_the_previous_build(
    tmp_path: Path,
    items: list[IndexedChunk],
    edited_items: list[IndexedChunk],
    monkeypatch: pytest.MonkeyPatch,
    rebuild: bool,
) -> None:
    build(tmp_path, items)
    first = _folder(tmp_path)

    def interrupted(self: ChromaStore, *args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ChromaStore, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):  # a rebuild of the same corpus, or a changed one
        build(tmp_path, items if rebuild else edited_items, rebuild=rebuild)
    monkeypatch.undo()
    _assert_previous_build_works(tmp_path, first, items)
    # the half-written folder is left behind; the next build removes it
    assert build(tmp_path, edited_items).rebuilt
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [_folder(tmp_path)]


# --- missing and corrupted indexes ---------------------------------------------------------


def test_missing_index_is_not_built(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuiltError, match="ijdqa index"):
        open_(tmp_path / "nowhere")
    with pytest.raises(IndexNotBuiltError, match="ijdqa index"):
        open_(tmp_path)


def _garbage_manifest(build: Path) -> None:
    (build / "manifest.json").write_text("{not json", encoding="utf-8")


def _manifest_without_build_id(build: Path) -> None:
    (build / "manifest.json").write_text(json.dumps({"version": 1}), encoding="utf-8")


def _truncated_vectors(build: Path) -> None:
    data = (build / "vectors.npy").read_bytes()
    (build / "vectors.npy").write_bytes(data[: len(data) // 2])


def _empty_vectors(build: Path) -> None:
    (build / "vectors.npy").write_bytes(b"")


def _deleted_vectors(build: Path) -> None:
    (build / "vectors.npy").unlink()


def _wrong_row_count(build: Path) -> None:
    np.save(build / "vectors.npy", np.zeros((3, DIM), dtype=np.float32))


def _deleted_chunks(build: Path) -> None:
    (build / "chunks.jsonl").unlink()


def _garbage_chunks(build: Path) -> None:
    (build / "chunks.jsonl").write_text('{"chunk_id": "x"\nnot json\n', encoding="utf-8")


def _malformed_chunk_rows(build: Path) -> None:
    (build / "chunks.jsonl").write_text('{"chunk_id": "x"}\n' * 200, encoding="utf-8")


def _deleted_build(build: Path) -> None:
    shutil.rmtree(build)


def _garbage_current(build: Path) -> None:
    (build.parent.parent / "CURRENT").write_text("../../etc\n", encoding="utf-8")


CORRUPTIONS = [
    _garbage_manifest,
    _manifest_without_build_id,
    _truncated_vectors,
    _empty_vectors,
    _deleted_vectors,
    _wrong_row_count,
    _deleted_chunks,
    _garbage_chunks,
    _malformed_chunk_rows,
    _deleted_build,
    _garbage_current,
]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__.strip("_"))
def test_corrupted_index_gives_a_clear_error_and_the_advice_works(
    tmp_path: Path, items: list[IndexedChunk], corrupt: Callable[[Path], None]
) -> None:
    build(tmp_path, items)
    corrupt(tmp_path / "builds" / _folder(tmp_path))
    with pytest.raises((IndexCorruptError, IndexNotBuiltError)) as err:
        open_(tmp_path)
    message = str(err.value)
    assert "ijdqa index" in message
    assert isinstance(err.value, IndexStoreError)
    # doing what the message says repairs the index
    build(tmp_path, items, rebuild="--rebuild" in message)
    assert "Shadjareh" in open_(tmp_path).search("Massoud Shadjareh", k=1)[0].chunk.text


def test_corrupted_local_chroma_store(tmp_path: Path, items: list[IndexedChunk]) -> None:
    build(tmp_path, items)
    chroma = tmp_path / "builds" / _folder(tmp_path) / "chroma"
    for path in chroma.rglob("*"):
        if path.is_file():
            path.write_bytes(b"garbage")
    with (
        pytest.raises(IndexStoreError, match="ijdqa index"),
        open_(tmp_path, use_chroma=True) as idx,
    ):
        idx.search("Shadjareh", mode="dense")


def test_a_closed_index_keeps_lexical_search_and_says_its_store_is_closed(built: Path) -> None:
    with open_(built, use_chroma=True) as idx:
        assert idx.search("Massoud Shadjareh", k=3, mode="dense")
    with pytest.raises(StoreUnavailableError, match="closed"):
        idx.search("Massoud Shadjareh", k=3)  # hybrid: the dense half needs the store
    assert idx.search("Massoud Shadjareh", k=3, mode="lexical")
    idx.close()  # closing twice is fine
    with open_(built, use_chroma=True) as again:  # the folder opens again after a close
        assert again.search("Massoud Shadjareh", k=3, mode="dense")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_builds_and_opened_indexes_leave_no_threads_behind(
    tmp_path: Path, items: list[IndexedChunk]
) -> None:
    """Every build writes a local Chroma store in a folder of its own; a client left open on it
    keeps 6-7 native threads for the rest of the process (the suite once reached 550)."""

    def threads() -> int:
        return len(os.listdir("/proc/self/task"))

    def build_and_search(root: Path) -> None:
        build(root, items[:20])
        with open_(root, use_chroma=True) as idx:
            assert idx.search("Shadjareh", k=2, mode="dense")

    build_and_search(tmp_path / "warm-up")
    before = threads()
    for n in range(5):
        build_and_search(tmp_path / str(n))
    deadline = time.monotonic() + 5  # a stopped runtime's threads exit on their own time
    while threads() > before + 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threads() <= before + 4  # 5 store folders left open add about 25


# --- the exact array path and the local Chroma store agree ----------------------------------


def assert_same_ranking(
    expected: list[tuple[str, float]], got: list[tuple[str, float]], *, places: int = 4
) -> None:
    """Same scores rank by rank; same ids, except that the order within a group of tied scores
    (and which members of a tie at the cut-off made it) is arbitrary."""
    assert [round(s, places) for _, s in got] == pytest.approx(
        [round(s, places) for _, s in expected], abs=2 * 10**-places
    )
    if not expected:
        return
    cutoff = round(expected[-1][1], places)
    groups: dict[float, tuple[set[str], set[str]]] = {}
    for (eid, es), (gid, _) in zip(expected, got, strict=True):
        pair = groups.setdefault(round(es, places), (set(), set()))
        pair[0].add(eid)
        pair[1].add(gid)
    for score, (want, have) in groups.items():
        if score != cutoff:
            assert want == have, (score, want, have)


QUERIES = [
    "Massoud Shadjareh IHRC leader",
    "Malaysian partner organizations",
    "Khamenei tweets about the final solution",
    "Neturei Karta",
]


@pytest.mark.parametrize("query", QUERIES)
def test_array_and_local_chroma_return_the_same_top_k(
    built: Path, index: Index, query: str
) -> None:
    vector = HashEmbedder(DIM).embed_query(query)
    manifest = read_manifest(built)
    assert manifest
    folder = built / "builds" / _folder(built) / "chroma"
    with ChromaStore.local(folder, manifest["collection"]) as store:
        assert store.count() == len(index.chunks)
        for k in (1, 5, 10):
            array = [(index.chunks[i].chunk_id, s) for i, s in index.vectors.search(vector, k)]
            assert_same_ranking(array, store.query(vector, k))


@pytest.mark.parametrize(
    "filters", [{"footnote": 12}, {"kind": "appendix"}, {"page": 3, "kind": "body"}]
)
def test_array_and_local_chroma_agree_under_filters(
    built: Path, index: Index, filters: dict[str, object], closing: Callable[[Index], Index]
) -> None:
    chroma = closing(open_(built, use_chroma=True))
    assert chroma.chroma is not None and index.chroma is None
    vector = HashEmbedder(DIM).embed_query("Palestinian flag Malaysia")
    mask = np.array([all(_field(c, f) == v for f, v in filters.items()) for c in index.chunks])
    array = [(index.chunks[i].chunk_id, s) for i, s in index.vectors.search(vector, 5, mask=mask)]
    assert_same_ranking(array, chroma.chroma.query(vector, 5, filters=filters))
    # and through Index.search: the same chunks, all of them matching
    hits = chroma.search("Palestinian flag Malaysia", k=5, filters=filters, mode="dense")
    assert len(hits) == len(array)


def _field(chunk: object, name: str) -> object:
    if name == "footnote":
        return 12 if 12 in chunk.footnotes else None  # type: ignore[attr-defined]
    return getattr(chunk, name)


# --- the index and search commands with the real model (slow) ------------------------------


def ijdqa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IJDQA, *args], capture_output=True, text=True, timeout=600, env=env, check=False
    )


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IJDQA_")}
    env["IJDQA_INDEX_DIR"] = str(tmp_path_factory.mktemp("cli-index"))
    return env


@pytest.fixture(scope="module")
def first_build(cli_env: dict[str, str]) -> dict[str, object]:
    """`ijdqa index --json` into an empty folder: exports the encoder, embeds everything."""
    result = ijdqa(cli_env, "index", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


@pytest.mark.slow
def test_cli_index_json(first_build: dict[str, object], cli_env: dict[str, str]) -> None:
    assert {"chunks", "seconds", "embedding_model", "store", "rebuilt"} <= set(first_build)
    assert first_build["rebuilt"] is True and first_build["store"] == "local"
    assert first_build["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert isinstance(first_build["chunks"], int) and first_build["chunks"] > 100
    assert isinstance(first_build["embedded"], int) and first_build["embedded"] > 0
    assert isinstance(first_build["seconds"], float)
    again = ijdqa(cli_env, "index", "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["rebuilt"] is False and second["embedded"] == 0
    assert (
        second["chunks"] == first_build["chunks"] and second["build_id"] == first_build["build_id"]
    )


@pytest.mark.slow
def test_cli_search_finds_malaysian_partners(
    first_build: dict[str, object], cli_env: dict[str, str]
) -> None:
    result = ijdqa(cli_env, "search", "Malaysian partner organizations", "--json", "--no-build")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    top = hits[:5]
    malaysian = [h for h in top if h["kind"] == "appendix" and h["text"].endswith("Malaysia")]
    assert len(malaysian) >= 3, [h["text"] for h in top]
    assert {"chunk_id", "score", "page", "section", "kind", "text", "footnotes", "source"} <= set(
        hits[0]
    )


@pytest.mark.slow
def test_cli_search_footnote_filter(
    first_build: dict[str, object], cli_env: dict[str, str]
) -> None:
    result = ijdqa(cli_env, "search", "--footnote", "12", "armed struggle", "--no-build")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits and all(12 in h["footnotes"] for h in hits)
    assert any("west bank should be armed" in h["text"] for h in hits)


@pytest.mark.slow
def test_cli_search_bad_k_is_one_line(
    first_build: dict[str, object], cli_env: dict[str, str]
) -> None:
    result = ijdqa(cli_env, "search", "x", "--k", "0", "--no-build")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ijdqa: error:") and "--k" in lines[0]


def test_cli_search_without_an_index_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IJDQA_")}
    env["IJDQA_INDEX_DIR"] = str(tmp_path)
    result = ijdqa(env, "search", "Shadjareh", "--no-build")
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "ijdqa index" in result.stderr


# --- sentence vectors: precomputed at build time, or made on first use -----------------------


def test_sentence_vectors_are_precomputed_or_embedded_on_first_use(
    tmp_path: Path, items: list[IndexedChunk]
) -> None:
    build(tmp_path, items)
    asked = Recorder()
    index = open_index(tmp_path, query_embedder=asked)
    body = next(it.sentences[0] for it in items if it.chunk.kind == "body")
    row = next(it.chunk.text for it in items if it.chunk.kind == "appendix")
    assert not any(it.sentences for it in items if it.chunk.kind == "appendix")
    got = index.embed_sentences([body, row, row])
    assert asked.texts == [row]  # only the row was missing, embedded once
    expected = np.asarray(HashEmbedder(DIM).embed_documents([body, row, row]), dtype=np.float32)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    index.embed_sentences([row])
    assert asked.texts == [row]  # and kept for the next question


@pytest.mark.slow
def test_cli_model_reports_the_prepared_encoder(
    first_build: dict[str, object], cli_env: dict[str, str], tmp_path: Path
) -> None:
    result = ijdqa(cli_env, "model", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["exported"] is False  # the first build prepared it
    assert data["embedding_model"] == first_build["embedding_model"]
    assert (Path(data["encoder"]) / "model.onnx").is_file()
    assert Path(data["encoder"]).is_relative_to(cli_env["IJDQA_INDEX_DIR"])
    missing = ijdqa(cli_env, "model", "--embedding-model", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith("ijdqa: error:") and "nowhere" in missing.stderr


def test_report_scope_term_statistics_ignore_the_sources(
    tmp_path: Path, index: Index, items: list[IndexedChunk]
) -> None:
    """Fetching a source must not move report-scope results: its own BM25 statistics."""
    assert index.lexical_for("all").idf("harbour") is not None  # only the source says it
    assert index.lexical_for("report").idf("harbour") is None
    assert index.lexical_for("sources").idf("harbour") is not None
    # the report-scope ranking equals that of an index built without the source at all
    build(tmp_path, [it for it in items if it.chunk.source == "report"])
    alone = open_(tmp_path)
    for query in ("charity cash group", "Massoud Shadjareh IHRC leader", "Telegraph donors"):
        with_source = index.search(query, k=8, filters={"scope": "report"}, mode="lexical")
        without = alone.search(query, k=8, filters={"scope": "report"}, mode="lexical")
        assert [h.chunk.chunk_id for h in with_source] == [h.chunk.chunk_id for h in without]
        assert [h.score for h in with_source] == pytest.approx([h.score for h in without])
    hits = index.search("harbour lamps", k=3, filters={"scope": "sources"}, mode="lexical")
    assert hits and all(h.chunk.source == URL for h in hits)


# --- checksums of the build files (issue 12) ------------------------------------------------


@pytest.mark.parametrize("name", ["chunks.jsonl", "vectors.npy", "sentences.npy"])
@pytest.mark.parametrize("damage", ["emptied", "altered"])
def test_a_damaged_build_file_is_built_again_not_called_up_to_date(
    tmp_path: Path, items: list[IndexedChunk], name: str, damage: str
) -> None:
    build(tmp_path, items)
    first = read_manifest(tmp_path)
    assert first is not None and set(first["files"]) >= {"chunks.jsonl", "vectors.npy"}
    path = tmp_path / "builds" / first["folder"] / name
    if damage == "emptied":
        path.write_bytes(b"")
    else:  # same size, one byte different: a size check would miss it
        data = bytearray(path.read_bytes())
        data[-2] ^= 0x01
        path.write_bytes(bytes(data))
    recorder = Recorder()
    again = build(tmp_path, items, recorder.factory)
    assert again.rebuilt and sorted(recorder.texts) == sorted(all_texts(items))  # none reused
    second = read_manifest(tmp_path)
    assert second is not None and second["folder"] != first["folder"]
    assert second["files"] == first["files"]  # the same content, built again
    assert not build(tmp_path, items, never_called).rebuilt  # and now it is up to date


def test_a_build_without_recorded_checksums_is_still_reused(
    tmp_path: Path, items: list[IndexedChunk]
) -> None:
    build(tmp_path, items)
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    del manifest["files"]
    (tmp_path / "builds" / manifest["folder"] / "manifest.json").write_text(json.dumps(manifest))
    assert not build(tmp_path, items, never_called).rebuilt
