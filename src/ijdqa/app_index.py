"""The index folder: the embedding model exported to ONNX once per model, one folder of builds
per report (keyed by the sha256 of its text, the least recently built pruned), built when
missing or stale, and opened for search with its query encoder."""

from __future__ import annotations

import hashlib
import logging
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ijdqa.app_corpus import Corpus
from ijdqa.errors import IndexNotBuiltError
from ijdqa.search.build import BuildResult, Progress, build_index, is_fresh
from ijdqa.search.corpus import build_chunks
from ijdqa.search.embed import QueryEncoder
from ijdqa.search.index import Index, open_index
from ijdqa.search.model import export_query_encoder, model_name, resolve_model_path, sweep_staging

if TYPE_CHECKING:
    from ijdqa.config import Settings


log = logging.getLogger(__name__)


def encoder_dir(index_dir: Path, model_path: Path) -> Path:
    key = hashlib.sha256(str(model_path.resolve()).encode()).hexdigest()[:12]
    return index_dir / "encoder" / key


def prepare_encoder(model_path: Path, encoder: Path, *, force: bool = False) -> bool:
    """Export the model to ONNX into `encoder` unless it is there already; True if exported.

    What an export killed part-way left beside it (a staging folder) is removed first."""
    sweep_staging(encoder)
    if not force and (encoder / "model.onnx").exists():
        return False
    log.info("preparing the embedding model: a one-time ONNX export (about 10 s)")
    export_query_encoder(model_path, encoder)
    return True


REPORTS = "reports"  # index_dir/reports/<key>/: the builds of one report (index.py's layout)
MAX_REPORTS = 8  # reports whose builds an index folder keeps; the least recently built go


def report_index_dir(index_dir: Path, corpus: Corpus) -> Path:
    """The folder of this report's builds, keyed by the sha256 of its text: `--report OTHER`
    gets a folder of its own beside the bundled report's instead of replacing it."""
    return index_dir / REPORTS / corpus.report_sha256[:16]


def ensure_index(
    settings: Settings,
    corpus: Corpus,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the index if it is missing or stale (nothing is embedded when nothing changed).

    The model is exported to ONNX once per model folder; chunks and queries are then embedded
    by that one encoder (identical vectors to sentence-transformers, without importing torch).
    A new report's first build reuses the vectors of the other reports' builds, and of an index
    in the older one-report layout (CURRENT and builds/ in the index folder itself), which it
    then replaces.
    """
    model_path = resolve_model_path(settings.embedding_model)
    model = model_name(model_path)
    chunks = build_chunks(corpus.report, corpus.sources)
    encoder = encoder_dir(settings.index_dir, model_path)
    sweep_staging(encoder)  # an export killed part-way (even when nothing needs embedding)

    def embedder() -> Any:
        prepare_encoder(model_path, encoder, force=rebuild)
        return QueryEncoder.load(encoder, threads=2)

    root = report_index_dir(settings.index_dir, corpus)
    legacy = settings.index_dir if (settings.index_dir / "CURRENT").exists() else None
    result = build_index(
        root,
        chunks,
        embedder=embedder,
        model=model,
        inputs=corpus.inputs,
        chroma_url=settings.chroma_url,
        rebuild=rebuild,
        progress=progress,
        reuse=[*([legacy] if legacy else []), *_report_dirs(settings.index_dir, but=root)],
    )
    if legacy:
        _retire_legacy(legacy)
    _prune_reports(settings.index_dir, keep=root)
    return result


def _report_dirs(index_dir: Path, *, but: Path) -> list[Path]:
    """The other report folders of an index folder, most recently built first."""
    try:
        folders = [
            d for d in (index_dir / REPORTS).iterdir() if d != but and (d / "CURRENT").is_file()
        ]
    except OSError:
        return []

    def built(folder: Path) -> float:
        try:
            return (folder / "CURRENT").stat().st_mtime
        except OSError:  # removed meanwhile (pruned by another process)
            return 0.0

    return sorted(folders, key=built, reverse=True)


def _retire_legacy(index_dir: Path) -> None:
    """Remove an index of the one-report layout once a report's own build has replaced it."""
    log.info("the index in %s now keeps one folder per report; removed the older layout", index_dir)
    (index_dir / "CURRENT").unlink(missing_ok=True)  # first: a half-removed builds/ is unused
    shutil.rmtree(index_dir / "builds", ignore_errors=True)


def _prune_reports(index_dir: Path, *, keep: Path) -> None:
    for old in _report_dirs(index_dir, but=keep)[MAX_REPORTS - 1 :]:
        log.info("removing the index of a report not built lately: %s", old)
        (old / "CURRENT").unlink(missing_ok=True)
        shutil.rmtree(old, ignore_errors=True)


def open_search_index(
    settings: Settings,
    corpus: Corpus,
    *,
    build: bool = True,
    progress: Progress | None = None,
    use_chroma: bool = False,
) -> Index:
    """The index for this corpus, built first when missing or stale (unless build=False)."""
    model_path = resolve_model_path(settings.embedding_model)
    model = model_name(model_path)
    encoder = encoder_dir(settings.index_dir, model_path)
    root = report_index_dir(settings.index_dir, corpus)
    fresh = is_fresh(root, inputs=corpus.inputs, model=model, chroma_url=settings.chroma_url)
    if not fresh or not (encoder / "model.onnx").exists():
        # a missing encoder with a fresh index: rebuild=True re-exports and re-embeds
        if not build:
            raise IndexNotBuiltError(
                f"the index in {settings.index_dir} is missing or out of date for "
                f"{corpus.report.name}; run `ijdqa index`"
            )
        ensure_index(settings, corpus, progress=progress, rebuild=fresh)
    # Creating the ONNX session (native code, no GIL) overlaps with building BM25 in Python.
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(QueryEncoder.load, encoder)
        index = open_index(root, query_embedder=_Pending(loading), use_chroma=use_chroma)
        try:
            _ = index.lexical
            index.query_embedder = loading.result()
        except BaseException:  # an encoder that fails to load: its store is not left open
            index.close()
            raise
    return index


class _Pending:
    """A query encoder still loading in a thread; the first call waits for it."""

    def __init__(self, future: Future[QueryEncoder]) -> None:
        self._future = future

    def embed_query(self, text: str) -> list[float]:
        return self._future.result().embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._future.result().embed_documents(texts)
