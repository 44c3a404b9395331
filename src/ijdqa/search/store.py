"""Vector stores. Chroma is the store of record (the only module that imports chromadb);
`ArrayVectors` is an exact in-memory copy of the same vectors for the quick query path.

Chroma is written with precomputed embeddings and never given its default embedding function
(that one downloads a model). Reads go through langchain-chroma.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from ijdqa.errors import IndexCorruptError, StoreUnavailableError
from ijdqa.types import Chunk

_EXACT_EF_LIMIT = 4096
_EF_CONSTRUCTION = 200
_BATCH = 512
ROWS_BY_COLUMNS = 2  # a vector matrix's ndim: one row per text


class ArrayVectors:
    """Row-normalized vectors with exact cosine search (a few hundred thousand rows at most)."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.matrix.shape[1]) if self.matrix.ndim == ROWS_BY_COLUMNS else 0

    def search(
        self, vector: Sequence[float] | np.ndarray, n: int, *, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if not len(self):
            return []
        scores = self.matrix @ np.asarray(vector, dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if np.isfinite(scores[i])]

    def save(self, path: Path) -> None:
        with path.open("wb") as fh:
            np.save(fh, self.matrix, allow_pickle=False)

    @classmethod
    def load(cls, path: Path) -> ArrayVectors:
        try:
            return cls(np.load(path, allow_pickle=False))
        except (OSError, ValueError, EOFError) as exc:  # EOFError: an empty file
            raise IndexCorruptError(
                f"cannot read vectors {path}: {exc}; run `ijdqa index --rebuild`"
            ) from exc


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata: scalars, and lists only when non-empty (Chroma rejects empty lists)."""
    meta: dict[str, Any] = {
        "chunk_id": chunk.chunk_id,
        "kind": chunk.kind,
        "page": chunk.page,
        "section": chunk.section,
        "start": chunk.start,
        "end": chunk.end,
        "source": chunk.source,
    }
    if chunk.footnotes:
        meta["footnotes"] = list(chunk.footnotes)
    if chunk.organizations:
        meta["organizations"] = list(chunk.organizations)
    return meta


def chroma_where(filters: dict[str, Any]) -> dict[str, Any] | None:
    """Validated retrieval filters -> a Chroma `where` clause."""
    clauses: list[dict[str, Any]] = []
    for field, value in filters.items():
        if field == "footnote":
            clauses.append({"footnotes": {"$contains": int(value)}})
        elif field == "scope":
            if value != "all":
                clauses.append(
                    {"source": "report"} if value == "report" else {"source": {"$ne": "report"}}
                )
        else:
            clauses.append({field: value})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class _Connection:
    """A Chroma client and whether it was closed, shared by a store and its siblings."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.closed = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        close = getattr(self.client, "close", None)  # not in every chromadb 1.x
        if callable(close):
            try:
                close()
            except Exception:  # closing is best effort: nothing a caller could do about it
                return


class ChromaStore:
    """One Chroma collection, local (a folder) or on a server (http://HOST:PORT).

    A store owns its client and `close()` releases it: a local client runs native threads
    (a Rust runtime and SQLite workers) until it is closed, however long the process lives.
    A sibling shares its owner's client; closing the sibling leaves the client open, closing
    the owner closes it for both. Two stores opened on the same folder each have their own
    client (chromadb shares the folder's runtime between them and stops it with the last).
    A closed store raises StoreUnavailableError.
    """

    def __init__(
        self, client: Any, collection: str, *, _connection: _Connection | None = None
    ) -> None:
        self._connection = _connection or _Connection(client)
        self._owner = _connection is None
        self._closed = False
        self.collection = collection
        self.location = ""

    @property
    def _client(self) -> Any:
        if self.closed:
            where = self.location or "in use"
            raise StoreUnavailableError(
                f"the Chroma store {where} was closed; open the index again to search it"
            )
        return self._connection.client

    @property
    def closed(self) -> bool:
        return self._closed or self._connection.closed

    def close(self) -> None:
        """Release the client (if this store owns it); a second call does nothing."""
        self._closed = True
        if self._owner:
            self._connection.close()

    def __enter__(self) -> ChromaStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def local(cls, path: Path, collection: str) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            client = chromadb.PersistentClient(
                path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
            )
        except Exception as exc:  # chromadb raises bare exceptions for unreadable stores
            raise IndexCorruptError(
                f"cannot open the Chroma store in {path}: {exc}; run `ijdqa index --rebuild`"
            ) from exc
        store = cls(client, collection)
        store.location = str(path)
        return store

    @classmethod
    def remote(cls, url: str, collection: str) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            port = parsed.port or 8000
        except ValueError:  # a port out of range or not a number
            port = 0
        if not parsed.hostname or not port or parsed.scheme not in ("http", "https"):
            raise StoreUnavailableError(f"not a Chroma server URL: {url!r} (use http://HOST:PORT)")
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=port,
                ssl=parsed.scheme == "https",
                settings=ChromaSettings(anonymized_telemetry=False),
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailableError(
                f"the Chroma server at {url} cannot be reached ({exc.__class__.__name__}); "
                "start it with `chroma run --path DIR --host 127.0.0.1 --port PORT` or unset IJDQA_CHROMA_URL"
            ) from exc
        store = cls(client, collection)
        store.location = parsed.geturl()  # with its scheme: _wrap tells servers by it
        return store

    def sibling(self, collection: str) -> ChromaStore:
        """Another collection on the same client (the same folder or server)."""
        store = ChromaStore(self._connection.client, collection, _connection=self._connection)
        store.location = self.location
        return store

    def count(self) -> int:
        try:
            return int(self._client.get_collection(self.collection).count())
        except Exception:
            return -1

    def write(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace the collection's content with these chunks and their precomputed vectors."""
        client = self._client  # a closed store says so, not "failed to write"
        try:
            self.delete()
            # HNSW is approximate and its graph is built in a random order; with ef_search at
            # least the collection's size the search visits every reachable node, so the top k
            # is exact, the same as the array path, at a cost that is nothing for a few thousand
            # chunks. A wide ef_construction only slows large builds (100k chunks: 162 s at
            # Chroma's default 100, 691 s at 4096) for no gain once the search is exhaustive.
            ef = max(100, min(len(chunks), _EXACT_EF_LIMIT))
            coll = client.create_collection(
                self.collection,
                configuration={
                    "hnsw": {
                        "space": "cosine",
                        "ef_search": ef,
                        "ef_construction": _EF_CONSTRUCTION,
                    }
                },
                embedding_function=None,
            )
            for i in range(0, len(chunks), _BATCH):
                part = chunks[i : i + _BATCH]
                coll.add(
                    ids=[c.chunk_id for c in part],
                    embeddings=vectors[i : i + _BATCH].tolist(),
                    documents=[c.text for c in part],
                    metadatas=[chunk_metadata(c) for c in part],
                )
        except Exception as exc:
            raise self._wrap(exc, "write") from exc

    def delete(self) -> None:
        client = self._client
        try:
            client.delete_collection(self.collection)
        except Exception:  # a missing collection is already deleted
            return

    def query(
        self, vector: Sequence[float], n: int, *, filters: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the n nearest chunks, through langchain-chroma."""
        from langchain_chroma import Chroma

        client = self._client
        try:
            vs = Chroma(
                client=client,
                collection_name=self.collection,
                create_collection_if_not_exists=False,
            )
            found = vs.similarity_search_by_vector_with_relevance_scores(
                list(map(float, vector)), k=n, filter=chroma_where(filters or {})
            )
        except Exception as exc:
            raise self._wrap(exc, "query") from exc
        return [(doc.metadata["chunk_id"], 1.0 - float(distance)) for doc, distance in found]

    def _wrap(self, exc: Exception, action: str) -> Exception:
        if self.location.startswith("http"):
            return StoreUnavailableError(f"Chroma server {self.location} failed to {action}: {exc}")
        return IndexCorruptError(
            f"the Chroma store in {self.location} failed to {action}: {exc}; run `ijdqa index --rebuild`"
        )
