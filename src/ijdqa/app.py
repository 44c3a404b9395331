"""Composition root: settings and paths in, ready-to-use objects out. The only place that wires."""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ijdqa.answer import Answerer, ExtractiveAnswerer
from ijdqa.citations import label_provenance
from ijdqa.errors import IndexNotBuiltError, ReportError, ReportFormatError
from ijdqa.fileio import atomic_write, read_capped
from ijdqa.report import cache as reportcache
from ijdqa.report.parse import parse_report
from ijdqa.search.build import BuildResult, Progress, build_index, is_fresh
from ijdqa.search.corpus import CHUNKER_VERSION, CorpusView, build_chunks
from ijdqa.search.embed import QueryEncoder
from ijdqa.search.index import Index, open_index
from ijdqa.search.model import export_query_encoder, model_name, resolve_model_path, sweep_staging
from ijdqa.types import Answer, Pending, Report, Turn

if TYPE_CHECKING:
    from ijdqa.config import Settings
    from ijdqa.sources.store import SourceText
    from ijdqa.writer import Writer

log = logging.getLogger(__name__)

BUNDLED_REPORT = "report.txt"
MAX_REPORT_BYTES = 5_000_000  # 230 times the bundled report


def read_report_text(path: Path | None) -> tuple[str, str]:
    """The text of the report at `path` (or the bundled one) and a display name."""
    if path is None:
        data = resources.files("ijdqa").joinpath("data", BUNDLED_REPORT).read_bytes()
        name = "bundled report"
    else:
        path = Path(path)
        if not path.exists():
            raise ReportError(f"report file not found: {path}")
        if path.is_dir():
            raise ReportError(f"{path} is a folder; give the path of a report text file")
        try:
            capped = read_capped(path, MAX_REPORT_BYTES)  # /dev/zero or 20 GB stops here
        except OSError as exc:
            raise ReportError(f"cannot read {path}: {exc.strerror}") from exc
        if capped is None:
            raise ReportFormatError(
                f"{path} is over {MAX_REPORT_BYTES // 1_000_000} MB; ijdqa reads one report "
                "(the bundled one is 21 KB), not a library: split or trim the file"
            )
        data = capped
        name = str(path)
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        raise ReportFormatError(
            f"{name} is not UTF-8 text (undecodable byte at {exc.start}); is it a binary file?"
        ) from exc


def load_report(path: Path | None = None) -> Report:
    text, name = read_report_text(path)
    return parse_report(text, name=name)


# --- the index ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """Everything the index is built from, with a cheap fingerprint of the inputs and the
    sha256 of the report's text (which keys its builds)."""

    report: Report
    sources: tuple[SourceText, ...]
    inputs: str
    report_sha256: str = ""


def load_corpus(report_path: Path | None, index_dir: Path) -> Corpus:
    text, name = read_report_text(report_path)
    report = _parsed(text, name, index_dir)
    sources = _cited_sources(_source_texts(index_dir / "sources"), report)
    digest = hashlib.sha256(text.encode("utf-8"))
    for source in sources:
        digest.update(f"\x1f{source.url}\x1f{source.footnotes}\x1f{source.text}".encode())
    digest.update(f"\x1fchunker={CHUNKER_VERSION}".encode())
    report_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Corpus(report, sources, digest.hexdigest(), report_sha256)


def _cited_sources(sources: tuple[SourceText, ...], report: Report) -> tuple[SourceText, ...]:
    """The stored sources this report cites, each under footnotes of this report that cite
    it: the sources folder is shared by the reports of an index folder, and one report's
    copies (or footnote numbers) are not another's."""
    if not sources:
        return ()
    from ijdqa.sources.store import cited_urls

    citing: dict[str, list[int]] = {}
    for note in report.footnotes:
        for url in cited_urls(note, report.footnote_map):
            citing.setdefault(url, []).append(note.number)
    kept = []
    for source in sources:
        numbers = citing.get(source.url)
        if numbers:
            own = tuple(n for n in source.footnotes if n in numbers) or tuple(numbers)
            kept.append(source if own == source.footnotes else replace(source, footnotes=own))
    return tuple(kept)


def _parsed(text: str, name: str, index_dir: Path) -> Report:
    """Parse the report, or read the parse cached under the index folder for this exact text."""
    key = hashlib.sha256(f"{name}\x1f{text}".encode()).hexdigest()[:24]
    cache = index_dir / "report-cache" / f"{key}.json"
    try:
        cached = reportcache.loads(cache.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):  # missing, unreadable or garbled: parse again
        cached = None
    if cached is not None:
        return cached
    report = parse_report(text, name=name)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache, reportcache.dumps(report))
    except OSError:
        pass  # a read-only index folder only costs the parse next time
    return report


def _source_texts(root: Path) -> tuple[SourceText, ...]:
    if not (root / "manifest.json").exists():
        return ()  # nothing fetched or imported: skip importing the HTTP stack
    from ijdqa.sources.store import SourceStore, indexed_texts

    return tuple(indexed_texts(SourceStore(root)))


def sources_by_url(corpus: Corpus) -> dict[str, str]:
    return {s.url: s.text for s in corpus.sources}


def provenance_by_url(corpus: Corpus) -> dict[str, str]:
    return {s.url: s.provenance for s in corpus.sources if s.provenance}


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
        _ = index.lexical
        index.query_embedder = loading.result()
    return index


class _Pending:
    """A query encoder still loading in a thread; the first call waits for it."""

    def __init__(self, future: Future[QueryEncoder]) -> None:
        self._future = future

    def embed_query(self, text: str) -> list[float]:
        return self._future.result().embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._future.result().embed_documents(texts)


# --- the assistant ---------------------------------------------------------------------


class Assistant:
    """What the CLI and the web chat talk to: ask a question, get an Answer."""

    def __init__(
        self,
        corpus: Corpus,
        index: Index,
        answerer: Answerer,
        *,
        k: int = 6,
        scope: str = "report",
        clock: TimedIndex | None = None,
    ) -> None:
        self.corpus = corpus
        self.index = index
        self.answerer = answerer
        self.k = k
        self.scope = scope
        self.view = answerer.view
        self.clock = clock

    @property
    def report(self) -> Report:
        return self.corpus.report

    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Answer:
        started = time.perf_counter()
        if self.clock:
            self.clock.take()  # a failed question before this one may have left time behind
        filters = {"scope": self.scope, **(filters or {})}
        answer = self.answerer.answer(question, history=history, k=k or self.k, filters=filters)
        timings = {**answer.timings, "total": time.perf_counter() - started}
        if self.clock:
            timings.setdefault("retrieve", self.clock.take())
        return replace(label_provenance(answer, self.view), timings=timings)

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Iterator[str | Pending | Answer]:
        """Text deltas as an LLM writes them (none from the extractive answerer), then the
        final Answer, with the same timings as `ask`."""
        stream = getattr(self.answerer, "stream", None)
        if stream is None:
            yield self.ask(question, history=history, k=k, filters=filters)
            return
        started = time.perf_counter()
        if self.clock:
            self.clock.take()
        filters = {"scope": self.scope, **(filters or {})}
        for item in stream(question, history=history, k=k or self.k, filters=filters):
            if not isinstance(item, Answer):  # a checked delta, or Pending words
                yield item
                continue
            timings = {**item.timings, "total": time.perf_counter() - started}
            if self.clock:
                timings.setdefault("retrieve", self.clock.take())
            yield replace(label_provenance(item, self.view), timings=timings)


class TimedIndex:
    """The index as the answerer sees it, with the time spent in search and query embedding
    added up per thread (the web chat answers two questions at once), for timings["retrieve"]."""

    def __init__(self, index: Index) -> None:
        self._index = index
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)

    @property
    def query_embedder(self) -> Any:
        return _TimedEmbedder(self._index.query_embedder, self)

    def search(self, *args: Any, **kwargs: Any) -> Any:
        with self.timing():
            return self._index.search(*args, **kwargs)

    @contextmanager
    def timing(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:  # nested calls (search embeds the query) count once
                spent = time.perf_counter() - started
                self._local.seconds = getattr(self._local, "seconds", 0.0) + spent

    def take(self) -> float:
        """Seconds spent retrieving in this thread since the last take."""
        seconds = float(getattr(self._local, "seconds", 0.0))
        self._local.seconds = 0.0
        return seconds


class _TimedEmbedder:
    def __init__(self, embedder: Any, clock: TimedIndex) -> None:
        self._embedder = embedder
        self._clock = clock

    def embed_query(self, text: str) -> list[float]:
        with self._clock.timing():
            return list(self._embedder.embed_query(text))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return list(self._embedder.embed_documents(texts))


def build_assistant(
    settings: Settings,
    *,
    build: bool = True,
    progress: Progress | None = None,
    corpus: Corpus | None = None,
) -> Assistant:
    corpus = corpus or load_corpus(settings.report, settings.index_dir)
    index = open_search_index(settings, corpus, build=build, progress=progress)
    view = CorpusView(corpus.report, sources_by_url(corpus), provenance_by_url(corpus))
    clock = TimedIndex(index)
    extractive = ExtractiveAnswerer(view, cast(Index, clock))
    answerer: Answerer = extractive
    if settings.llm != "none":  # a model answers; the extractive answerer is its fallback
        from ijdqa.generate import LLMAnswerer

        answerer = LLMAnswerer(extractive, make_writer(settings), timeout=settings.llm_timeout)
    return Assistant(corpus, index, answerer, k=settings.k, scope=settings.scope, clock=clock)


def make_writer(settings: Settings) -> Writer:
    """The model --llm names, ready to prompt: the local one is loaded now (about a second)."""
    from ijdqa.llm import (
        LOCAL_CONTEXT,
        LocalModel,
        make_chat_model,
        prepare_local_model,
    )
    from ijdqa.writer import ChatWriter, CompletionWriter

    if settings.llm == "local":
        custom = settings.llm_model != type(settings).model_fields["llm_model"].default
        path = Path(settings.llm_model) if custom else prepare_local_model(settings.index_dir)[0]
        return CompletionWriter(LocalModel(path, context=settings.llm_context or LOCAL_CONTEXT))
    chat = make_chat_model(
        settings.llm,
        settings.llm_model,
        settings.llm_base_url,
        settings.llm_api_key,
        settings.llm_timeout,
    )
    return ChatWriter(chat, name=settings.llm_model, context_tokens=settings.llm_context)
