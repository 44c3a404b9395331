"""Composition root: settings and paths in, ready-to-use objects out. The only place that wires.

The report and its sources are read by app_corpus.py, the index folder is kept by
app_index.py; this module puts them together behind one `Assistant`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ijdqa.answer import Answerer, ExtractiveAnswerer
from ijdqa.app_corpus import Corpus, load_corpus, provenance_by_url, sources_by_url
from ijdqa.app_index import open_search_index
from ijdqa.citations import label_provenance
from ijdqa.search.build import Progress
from ijdqa.search.corpus import CorpusView
from ijdqa.search.index import Index
from ijdqa.types import Answer, Pending, Report, Turn

if TYPE_CHECKING:
    from ijdqa.config import Settings
    from ijdqa.writer import Writer


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

    def close(self) -> None:
        """Close the index (its Chroma store's client and native threads); an assistant that
        replaces this one, or a process that outlives it, then holds nothing of it."""
        self.index.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
    try:
        view = CorpusView(corpus.report, sources_by_url(corpus), provenance_by_url(corpus))
        clock = TimedIndex(index)
        extractive = ExtractiveAnswerer(view, cast(Index, clock))
        answerer: Answerer = extractive
        if settings.llm != "none":  # a model answers; the extractive answerer is its fallback
            from ijdqa.generate import LLMAnswerer

            answerer = LLMAnswerer(extractive, make_writer(settings), timeout=settings.llm_timeout)
    except BaseException:  # a model that fails to load: the index opened for it is closed
        index.close()
        raise
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
