"""The index opened for search: `open_index` reads the build in use (build.py wrote it) and
`Index.search` ranks its chunks by meaning (exact vectors or Chroma) and by words (BM25), fused
by rank (fusion.py), under the filters of a question."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ijdqa.errors import IndexCorruptError, IndexNotBuiltError, QueryError
from ijdqa.search.build import (
    build_dir,
    read_chunk_rows,
    read_manifest,
    read_sentence_vectors,
    text_hash,
)
from ijdqa.search.fusion import clean_query, fuse, matches, validate_filters
from ijdqa.search.lexical import LexicalIndex
from ijdqa.search.store import ArrayVectors, ChromaStore
from ijdqa.types import Chunk, Hit

CANDIDATES = 50
MODES = ("hybrid", "dense", "lexical")


class QueryEmbedder(Protocol):
    def embed_query(self, text: str) -> list[float]: ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...


class Index:
    """A built index, opened for search: chunks, exact vectors, BM25, and optionally Chroma.

    `close()` (or leaving a `with` block) closes its Chroma store, whose client otherwise keeps
    native threads until the process exits. Dense and hybrid search through a closed store
    raise StoreUnavailableError; lexical search, and an index without a store, keep working."""

    def __init__(
        self,
        manifest: dict[str, Any],
        chunks: list[Chunk],
        search_texts: list[str],
        vectors: ArrayVectors,
        query_embedder: QueryEmbedder,
        chroma: ChromaStore | None = None,
    ) -> None:
        self.manifest = manifest
        self.chunks = chunks
        self.search_texts = search_texts
        self.vectors = vectors
        self.query_embedder = query_embedder
        self.chroma = chroma
        self._lexical: dict[str, tuple[LexicalIndex, np.ndarray]] = {}
        self._by_id = {c.chunk_id: i for i, c in enumerate(chunks)}
        self._sentences: dict[str, np.ndarray] = {}

    def close(self) -> None:
        """Close the Chroma store, if any (a second call does nothing)."""
        if self.chroma is not None:
            self.chroma.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_sentence_vectors(self, vectors: Mapping[str, np.ndarray]) -> None:
        self._sentences.update(vectors)

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        """Vectors of sentence scoring texts: precomputed at build time, embedded if new."""
        keys = [text_hash(t) for t in texts]
        first = {key: i for i, key in reversed(list(enumerate(keys)))}  # a repeat embeds once
        missing = [i for key, i in first.items() if key not in self._sentences]
        if missing:
            got = np.asarray(
                self.query_embedder.embed_documents([texts[i] for i in missing]), dtype=np.float32
            )
            self._sentences.update((keys[i], got[j]) for j, i in enumerate(missing))
        if not texts:
            return np.zeros((0, self.vectors.dimension), dtype=np.float32)
        return np.vstack([self._sentences[key] for key in keys])

    @property
    def lexical(self) -> LexicalIndex:
        """BM25 over every chunk (the report and any fetched sources)."""
        return self.lexical_for("all")

    def lexical_for(self, scope: str | None) -> LexicalIndex:
        """BM25 over the chunks of one scope ("report", "sources", "all"), built on first use:
        term statistics of report-scope searches and answers never depend on the sources."""
        return self._scoped(scope)[0]

    def _scoped(self, scope: str | None) -> tuple[LexicalIndex, np.ndarray]:
        """The scope's BM25 and, for each of its texts, the chunk's position in `chunks`."""
        key = scope if scope in ("report", "sources") else "all"
        if key not in self._lexical:
            rows = np.array(
                [i for i, c in enumerate(self.chunks) if matches(c, {"scope": key})], dtype=np.int64
            )
            if key != "all" and len(rows) == len(self.chunks):  # no sources: share one BM25
                self._lexical[key] = self._scoped("all")
            else:
                self._lexical[key] = (LexicalIndex([self.search_texts[i] for i in rows]), rows)
        return self._lexical[key]

    def chunk(self, chunk_id: str) -> Chunk | None:
        i = self._by_id.get(chunk_id)
        return self.chunks[i] if i is not None else None

    def search(
        self,
        query: str,
        *,
        k: int = 6,
        filters: dict[str, Any] | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        if mode not in MODES:
            raise QueryError(f"unknown search mode {mode!r}; modes are: {', '.join(MODES)}")
        if k < 1:
            raise QueryError(f"k must be at least 1, got {k}")
        text = clean_query(query)
        wanted = validate_filters(filters)
        mask = np.array([matches(c, wanted) for c in self.chunks], dtype=bool) if wanted else None
        dense = self._dense(text, wanted, mask) if mode in ("hybrid", "dense") else []
        lexical = self._lexical_top(text, wanted, mask) if mode in ("hybrid", "lexical") else []
        fused = fuse(dense, lexical, k=k)
        return [Hit(self.chunks[i], score, dr, lr) for i, score, dr, lr in fused]

    def _lexical_top(
        self, text: str, filters: dict[str, Any], mask: np.ndarray | None
    ) -> list[int]:
        bm25, rows = self._scoped(filters.get("scope"))
        found = bm25.top(text, CANDIDATES, mask=None if mask is None else mask[rows])
        return [int(rows[i]) for i, _ in found]

    def _dense(self, text: str, filters: dict[str, Any], mask: np.ndarray | None) -> list[int]:
        vector = self.query_embedder.embed_query(text)
        if self.chroma is not None:
            found = self.chroma.query(vector, CANDIDATES, filters=filters)
            return [self._by_id[cid] for cid, _ in found if cid in self._by_id]
        return [i for i, _ in self.vectors.search(vector, CANDIDATES, mask=mask)]


def open_index(root: Path, *, query_embedder: QueryEmbedder, use_chroma: bool = False) -> Index:
    """Open the build in use. IndexNotBuiltError if there is none, IndexCorruptError if unreadable."""
    manifest = read_manifest(root)
    if manifest is None:
        if (root / "CURRENT").exists():
            raise IndexCorruptError(
                f"the index in {root} is unreadable; run `ijdqa index --rebuild`"
            )
        raise IndexNotBuiltError(f"no index in {root}; run `ijdqa index` to build it")
    build = build_dir(root, manifest)
    rows = read_chunk_rows(build)
    vectors = ArrayVectors.load(build / "vectors.npy")
    if len(rows) != len(vectors):
        raise IndexCorruptError(f"the index in {root} is inconsistent; run `ijdqa index --rebuild`")
    fields = set(Chunk.__dataclass_fields__)
    try:
        chunks = [
            Chunk(
                **{k: tuple(v) if isinstance(v, list) else v for k, v in row.items() if k in fields}  # type: ignore[arg-type]
            )
            for row in rows
        ]
    except TypeError as exc:
        raise IndexCorruptError(
            f"the index in {root} has malformed chunks; run `ijdqa index --rebuild`"
        ) from exc
    chroma = None
    if use_chroma or manifest.get("chroma_url"):
        url = manifest.get("chroma_url")
        name = manifest["collection"]
        chroma = ChromaStore.remote(url, name) if url else ChromaStore.local(build / "chroma", name)
    index = Index(
        manifest, chunks, [r["search_text"] for r in rows], vectors, query_embedder, chroma
    )
    index.add_sentence_vectors(read_sentence_vectors(build))
    return index
