"""Build the index: chunks, their vectors and the manifest, in a folder of their own.

Layout under the index folder:

    CURRENT                 the id of the build in use (replaced atomically, last)
    builds/<id>/manifest.json, chunks.jsonl, vectors.npy, chroma/ (the local Chroma store)

A build is written into its own folder and only then named in CURRENT, so an interrupted build
leaves the previous one in use. Vectors of chunks whose search text did not change are reused
from the previous build (keyed by content hash), so an unchanged rebuild embeds nothing.

The manifest records the sha256 of each build file (`files`); `ijdqa index` checks them before
it calls a build up to date, so an emptied or altered chunks.jsonl or vectors.npy is built
again (from scratch: nothing of a damaged build is reused) instead of being kept.

One such folder holds the builds of one report; app.py keys it by the report's sha256, so two
reports' indexes live side by side. `reuse=` names other such folders (another report's, or an
index of the older one-report layout) whose vectors may be reused by content hash too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ijdqa.errors import IndexCorruptError, IndexNotBuiltError, IndexStoreError
from ijdqa.fileio import atomic_write
from ijdqa.search.corpus import CHUNKER_VERSION, IndexedChunk, corpus_hash
from ijdqa.search.store import ArrayVectors, ChromaStore

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
CHECKED_FILES = ("chunks.jsonl", "vectors.npy", "sentences.npy", "sentences.json")
Progress = Callable[[int, int], None]


class DocumentEmbedder(Protocol):
    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...


@dataclass(frozen=True)
class BuildResult:
    chunks: int
    seconds: float
    embedding_model: str
    store: str
    rebuilt: bool
    embedded: int
    build_id: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def text_hash(text: str) -> str:
    """The key of a search or sentence text in the build files (24 hex digits of sha256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The manifest of the build in use, or None when there is no usable build."""
    try:
        build_id = (root / "CURRENT").read_text(encoding="utf-8").strip()
        data = json.loads(
            (root / "builds" / build_id / "manifest.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return None
    ok = isinstance(data.get("build_id"), str) and isinstance(data.get("collection"), str)
    return data if ok else None


def build_dir(root: Path, manifest: dict[str, Any]) -> Path:
    """The folder of a build (older indexes named it after the build id)."""
    return root / "builds" / str(manifest.get("folder") or manifest["build_id"])


def is_fresh(root: Path, *, inputs: str, model: str, chroma_url: str | None = None) -> bool:
    manifest = read_manifest(root)
    return bool(
        manifest
        and manifest.get("inputs") == inputs
        and manifest.get("embedding_model") == model
        and manifest.get("chroma_url") == chroma_url
    )


def build_index(
    root: Path,
    items: Sequence[IndexedChunk],
    *,
    embedder: Callable[[], DocumentEmbedder],
    model: str,
    inputs: str,
    chroma_url: str | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    batch_size: int = 16,
    reuse: Sequence[Path] = (),
) -> BuildResult:
    """Build (or reuse) the index for `items`; `embedder` is called only if something must be
    embedded. Vectors are reused from the build in use, and from those of the `reuse` folders."""
    started = time.perf_counter()
    # the Chroma stores a build opens are closed when it ends (each runs native threads)
    with _write_errors(root), _build_lock(root), ExitStack() as stores:
        return _build_locked(
            stores,
            root,
            items,
            embedder,
            model,
            inputs,
            chroma_url,
            rebuild,
            progress,
            batch_size,
            started,
            reuse,
        )


@contextmanager
def _write_errors(root: Path) -> Iterator[None]:
    """OSError while building (a full disk, a read-only folder, a file in the way) -> a message."""
    try:
        yield
    except OSError as exc:
        raise IndexStoreError(
            f"cannot write the index in {root}: {exc.strerror or exc}; the index in use (if any) "
            "is unchanged; free disk space or choose another --index-dir, then run `ijdqa index`"
        ) from exc


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """One builder at a time per index folder (a web app and a CLI may both try)."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with (root / ".build.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build_locked(
    stores: ExitStack,
    root: Path,
    items: Sequence[IndexedChunk],
    embedder: Callable[[], DocumentEmbedder],
    model: str,
    inputs: str,
    chroma_url: str | None,
    rebuild: bool,
    progress: Progress | None,
    batch_size: int,
    started: float,
    reuse: Sequence[Path] = (),
) -> BuildResult:
    chash = corpus_hash(items)
    build_id = text_hash(f"{chash}|{model}|{CHUNKER_VERSION}|{chroma_url}")[:16]
    current = read_manifest(root)
    store_name = chroma_url or "local"
    damaged = damaged_files(build_dir(root, current), current) if current else []
    if damaged:
        log.warning(
            "the index's %s failed %s checksum; building it again",
            ", ".join(damaged),
            "its" if len(damaged) == 1 else "their",
        )
        rebuild = True  # reuse nothing of a damaged build
    if not rebuild and current and current["build_id"] == build_id:
        if current.get("inputs") != inputs:
            _write_manifest(build_dir(root, current), {**current, "inputs": inputs})
        return BuildResult(
            len(items), time.perf_counter() - started, model, store_name, False, 0, build_id
        )
    # A fresh folder (and collection) for every build: never the one in use (a rebuild of
    # the same corpus must not destroy it), never one reused in this process (chromadb caches
    # open stores by path).
    folder = f"{build_id}-{os.urandom(4).hex()}"
    # a Chroma server is reached first: a wrong URL must fail before minutes of embedding
    remote = (
        stores.enter_context(ChromaStore.remote(chroma_url, f"ijdqa-{folder}"))
        if chroma_url
        else None
    )
    cache = {} if rebuild else _previous_vectors([*reuse, root], model)
    sentences = list(dict.fromkeys(t for it in items for t in it.sentences))
    texts = [it.search_text for it in items] + sentences
    matrix, embedded = _embed(texts, cache, embedder, progress, batch_size)
    vectors, sentence_vectors = matrix[: len(items)], matrix[len(items) :]
    build = root / "builds" / folder
    build.mkdir(parents=True)
    _write_chunks(build, items)
    ArrayVectors(vectors).save(build / "vectors.npy")
    ArrayVectors(sentence_vectors).save(build / "sentences.npy")
    atomic_write(build / "sentences.json", json.dumps([text_hash(t) for t in sentences]))
    chroma = remote or stores.enter_context(ChromaStore.local(build / "chroma", f"ijdqa-{folder}"))
    chroma.write([it.chunk for it in items], vectors)
    manifest = {
        "version": MANIFEST_VERSION,
        "build_id": build_id,
        "folder": folder,
        "corpus_hash": chash,
        "inputs": inputs,
        "chunker": {"version": CHUNKER_VERSION},
        "embedding_model": model,
        "dimension": int(vectors.shape[1]) if vectors.size else 0,
        "chunks": len(items),
        "chroma_url": chroma_url,
        "collection": chroma.collection,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {name: _file_sha256(build / name) for name in CHECKED_FILES},
    }
    _write_manifest(build, manifest)
    atomic_write(root / "CURRENT", folder)
    _remove_old_builds(root, keep=folder)
    if remote and current and current.get("chroma_url") == chroma_url:
        # the collection this build replaced; others on a shared server are not ours to touch
        _drop_collection(remote, current.get("collection"))
    seconds = time.perf_counter() - started
    return BuildResult(len(items), seconds, model, store_name, True, embedded, build_id)


def _drop_collection(server: ChromaStore, name: object) -> None:
    if isinstance(name, str) and name != server.collection:
        server.sibling(name).delete()  # best effort: a leftover costs only space


def _embed(
    texts: Sequence[str],
    cache: dict[str, np.ndarray],
    factory: Callable[[], DocumentEmbedder],
    progress: Progress | None,
    batch_size: int,
) -> tuple[np.ndarray, int]:
    """Vectors for texts, row-aligned; only texts missing from `cache` (by hash) are embedded."""
    keys = [text_hash(t) for t in texts]
    # shortest first: texts of similar length share a batch, so little of it is padding
    todo = sorted(
        (i for i, key in enumerate(keys) if key not in cache), key=lambda i: len(texts[i])
    )
    fresh: dict[int, np.ndarray] = {}
    if todo:
        embedder = factory()
        for start in range(0, len(todo), batch_size):
            part = todo[start : start + batch_size]
            got = embedder.embed_documents([texts[i] for i in part])
            fresh.update(zip(part, np.asarray(got, dtype=np.float32), strict=True))
            if progress:
                progress(min(start + batch_size, len(todo)), len(todo))
    rows = [fresh[i] if i in fresh else cache[key] for i, key in enumerate(keys)]
    return (np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)), len(todo)


def _previous_vectors(roots: Sequence[Path], model: str) -> dict[str, np.ndarray]:
    """Vectors by text hash of the builds in use in `roots` made with `model` (a later root's
    win; an unreadable or damaged build gives none)."""
    cache: dict[str, np.ndarray] = {}
    for root in roots:
        manifest = read_manifest(root)
        if not manifest or manifest.get("embedding_model") != model:
            continue
        build = build_dir(root, manifest)
        if root != roots[-1] and damaged_files(build, manifest):
            continue  # another folder's damaged build (this one's was checked by the caller)
        try:
            rows = read_chunk_rows(build)
            matrix = ArrayVectors.load(build / "vectors.npy").matrix
        except (IndexCorruptError, IndexNotBuiltError):
            continue
        if len(rows) == len(matrix):
            cache.update({row["search_hash"]: matrix[i] for i, row in enumerate(rows)})
            cache.update(read_sentence_vectors(build))
    return cache


def read_sentence_vectors(build: Path) -> dict[str, np.ndarray]:
    """A build's precomputed sentence vectors by text hash; none for an older or damaged build
    (its sentences are then embedded on demand)."""
    try:
        keys = json.loads((build / "sentences.json").read_text(encoding="utf-8"))
        sentences = ArrayVectors.load(build / "sentences.npy").matrix
    except (OSError, ValueError, IndexCorruptError):
        return {}
    return dict(zip(keys, sentences, strict=True)) if len(keys) == len(sentences) else {}


def _write_chunks(build: Path, items: Sequence[IndexedChunk]) -> None:
    with (build / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for it in items:
            row = {
                **asdict(it.chunk),
                "search_text": it.search_text,
                "search_hash": text_hash(it.search_text),
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_chunk_rows(build: Path) -> list[dict[str, Any]]:
    path = build / "chunks.jsonl"
    try:
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except FileNotFoundError as exc:
        raise IndexNotBuiltError(f"{path} is missing; run `ijdqa index --rebuild`") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"cannot read {path}: {exc}; run `ijdqa index --rebuild`") from exc


def damaged_files(build: Path, manifest: Mapping[str, Any]) -> list[str]:
    """The build files whose sha256 differs from the manifest's (missing ones included).

    A build from before checksums were recorded has none to check."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict):
        return []
    damaged = []
    for name, digest in recorded.items():
        try:
            actual = _file_sha256(build / str(name))
        except OSError:
            actual = None
        if actual != digest:
            damaged.append(str(name))
    return damaged


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(build: Path, manifest: dict[str, Any]) -> None:
    atomic_write(build / "manifest.json", json.dumps(manifest, indent=2))


def _remove_old_builds(root: Path, *, keep: str) -> None:
    for old in (root / "builds").iterdir():
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
