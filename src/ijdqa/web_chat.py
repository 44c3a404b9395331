"""The handlers behind the web chat, as plain methods so tests can call them without a browser:
a question into the chat (streamed), the JSON APIs' answer, an evaluation run, a page of the
report, the organizations table. Every failure becomes a message; the app keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ijdqa import web_guard, web_report
from ijdqa import web_render as render
from ijdqa.config import K_MAX
from ijdqa.errors import AnswerStreamError, IjdqaError, QueryError
from ijdqa.render import answer_dict, render_markdown
from ijdqa.report.organizations import filter_organizations
from ijdqa.schema import AnswerJSON, Message
from ijdqa.types import Answer, Pending, Turn

if TYPE_CHECKING:
    from ijdqa.app import Assistant


log = logging.getLogger(__name__)


ALL = "All"
CONCURRENCY = 2  # answers are CPU-bound; the machines this runs on have 2 cores
PAIR = 2  # a history turn given as (role, content)

Messages = list[dict[str, Any]]


@dataclass(frozen=True)
class Conversation:
    """One browser session's chat: the plain-text turns and the citation cards per answer."""

    turns: tuple[Turn, ...] = ()
    entries: tuple[render.PanelEntry, ...] = ()
    markdown: str = ""

    def add(self, answer: Answer, entry: render.PanelEntry, markdown: str) -> Conversation:
        turns = (*self.turns, Turn("user", entry.question), Turn("assistant", answer.text))
        return Conversation(turns, (*self.entries, entry), markdown)


ChatUpdate = tuple[Messages, str, str, Conversation, str]


@dataclass
class WebChat:
    """The handlers behind the page; plain methods so tests can call them without a browser."""

    assistant: Assistant
    lookup: dict[int, Any] = field(init=False)
    slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.lookup = dict(self.assistant.report.footnote_map)
        # POST /api/ask bypasses Gradio's queue; it answers at most CONCURRENCY at a time too
        self.slots = threading.BoundedSemaphore(CONCURRENCY)

    @property
    def answerer(self) -> str:
        return str(getattr(self.assistant.answerer, "name", type(self.assistant.answerer).__name__))

    def respond(
        self, question: str, messages: Messages | None, state: Conversation | None, k: float
    ) -> Iterator[ChatUpdate]:
        """One answer into the chat: the question and a placeholder at once, then the answer as
        soon as it exists (an LLM's checked text grows as the model writes it)."""
        conv = state or Conversation()
        question = (question or "").strip()
        shown = list(messages or [])
        panel = render.panel_html(conv.entries)
        if not question:
            yield shown, panel, conv.markdown, conv, ""
            return
        shown.append({"role": "user", "content": render.question_html(question)})
        yield [*shown, _bot(render.thinking_html())], panel, conv.markdown, conv, ""
        try:
            web_guard.check_question(question)
            answer, draft, pending = None, "", ""
            for item in self._stream(question, conv.turns, checked_k(k)):
                if isinstance(item, Answer):
                    answer = item
                    continue
                if isinstance(item, Pending):  # the sentence being written, token by token
                    pending = item.text
                else:  # a checked sentence: it replaces the words shown pending
                    draft, pending = draft + item, ""
                html = render.draft_html(draft, pending)
                yield [*shown, _bot(html)], panel, conv.markdown, conv, ""
            if answer is None:  # an assistant's stream that stops short is its bug, shown
                raise AnswerStreamError("the answer stream ended without an answer")
        except Exception as exc:  # every failure becomes a message; the app keeps serving
            yield (
                [*shown, _bot(render.error_html(error_message(exc)))],
                panel,
                conv.markdown,
                conv,
                "",
            )
            return
        turn = len(conv.entries) + 1
        cards = render.citation_cards(answer, self.lookup, turn=turn)
        conv = conv.add(answer, render.PanelEntry(turn, question, cards), self.markdown(answer))
        panel = render.panel_html(conv.entries)
        final = _bot(render.answer_html(answer, turn=turn))
        yield [*shown, final], panel, conv.markdown, conv, ""

    def _stream(
        self, question: str, turns: tuple[Turn, ...], k: int
    ) -> Iterator[str | Pending | Answer]:
        """The assistant's stream (LLM text as it is written); an assistant that can only
        `ask` gives its answer whole."""
        stream = getattr(self.assistant, "stream", None)
        if stream is None:
            yield self.assistant.ask(question, history=turns, k=k)
        else:
            yield from stream(question, history=turns, k=k)

    def clear(self) -> tuple[Messages, str, str, Conversation]:
        return [], render.panel_html(()), "", Conversation()

    def markdown(self, answer: Answer) -> str:
        return render_markdown(answer, self.lookup)

    def ask_json(
        self,
        question: str,
        k: int | float | None = None,
        *,
        history: Sequence[Message] | Sequence[tuple[str, str]] | None = None,
    ) -> AnswerJSON:
        """The gradio_client endpoints /ask and /chat: errors become gr.Error."""
        try:
            return self.answer_json(question, history=history, k=k)
        except Exception as exc:
            raise gr.Error(error_message(exc), print_exception=False) from exc

    def answer_json(
        self,
        question: str,
        *,
        history: Sequence[Message] | Sequence[tuple[str, str]] | None = None,
        k: int | float | None = None,
        scope: str | None = None,
    ) -> AnswerJSON:
        """The answer JSON of `ijdqa ask --json`, for every API (/ask, /chat, POST /api/ask)."""
        if not str(question or "").strip():  # a non-string is refused by ask: "must be text"
            raise QueryError("the question is empty; type a question about the report")
        web_guard.check_question(question)
        turns = turns_of(history or ())
        k = checked_k(self.assistant.k if k is None else k)
        scoped = {"filters": {"scope": scope}} if scope else {}
        with self.slots:
            answer = self.assistant.ask(question, history=turns, k=k, **scoped)
        return answer_dict(answer, self.lookup)

    def run_evaluation(
        self, gold: Path, runs_dir: Path, *, progress: Callable[[int, int], None] | None = None
    ) -> Path:
        """Score the answerer on a gold set, as `ijdqa eval --gold` does; the run's folder."""
        import time

        from ijdqa.evaluation import runs as eval_report
        from ijdqa.evaluation.gold import load_gold
        from ijdqa.evaluation.score import run_gold

        try:
            questions = load_gold(gold)
            started = time.perf_counter()
            results = run_gold(self.assistant, questions, k=self.assistant.k, progress=progress)
            info = {"gold": str(gold), "set": gold.stem, "k": self.assistant.k}
            info |= {"answerer": self.answerer, "seconds": round(time.perf_counter() - started, 2)}
            label = f"{gold.stem}-{self.answerer}"
            folder, _ = eval_report.write_run(results, root=runs_dir, label=label, info=info)
        except IjdqaError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        return folder

    def page(self, number: float) -> str:
        return web_report.page_html(self.assistant.report, int(number))

    def organizations(self, country: str | None, region: str | None) -> tuple[list[Any], str]:
        """Rows of one country and/or region; a row's region is the report's label, else its
        country's continent (so every row has one)."""
        orgs = filter_organizations(
            self.assistant.report.organizations,
            country=None if country in (None, ALL) else country,
        )
        if region not in (None, ALL):
            orgs = [o for o in orgs if web_report.region(o) == region]
        return web_report.organization_rows(orgs), f"{len(orgs)} organization(s)"


def _bot(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def turns_of(history: Sequence[Any]) -> tuple[Turn, ...]:
    """Messages ({role, content} dicts or (role, content) pairs) -> Turns; one clear error."""
    turns = []
    for message in history:
        if isinstance(message, dict):
            role, content = message.get("role", "user"), message.get("content")
        elif isinstance(message, list | tuple) and len(message) == PAIR:
            role, content = message
        else:
            role, content = None, None
        if not isinstance(content, str) or role not in ("user", "assistant"):
            raise QueryError("history must be a list of {role: user|assistant, content: text}")
        turns.append(Turn(str(role), content))
    return tuple(turns)


def checked_k(value: object) -> int:
    """k from a slider (a float), the API (an int) or a string: a whole number in 1..K_MAX."""
    wrong = f"k must be a whole number between 1 and {K_MAX}, got {value!r}"
    try:
        number = float(str(value))
    except ValueError as exc:
        raise QueryError(wrong) from exc
    if not number.is_integer() or not 1 <= number <= K_MAX:
        raise QueryError(wrong)
    return int(number)


def error_message(exc: BaseException) -> str:
    """A readable line for the chat; the traceback of a non-ijdqa error goes to the log only."""
    if isinstance(exc, IjdqaError):
        return str(exc)
    log.error("answering failed", exc_info=exc)
    return (
        f"Something went wrong while answering ({type(exc).__name__}: {exc}). "
        "The app is still running; the details are in the server log."
    )
