"""The web chat: a thin Gradio layer over `Assistant` (HTML comes from web_render).

    demo = create_app(assistant)         # gr.Blocks; tests pass their own assistant
    launch(demo, host="127.0.0.1", port=7860, auth=("user", "pass"))

The caller sets GRADIO_ANALYTICS_ENABLED=False before importing this module (the CLI does);
`create_app` also passes analytics_enabled=False and `launch` always uses share=False, so the
app makes no outbound requests and loads nothing from a CDN.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ijdqa import web_render as render
from ijdqa.citations import answer_dict, render_markdown
from ijdqa.errors import IjdqaError, QueryError
from ijdqa.organizations import filter_organizations
from ijdqa.types import Turn

if TYPE_CHECKING:
    from ijdqa.app import Assistant
    from ijdqa.types import Answer

log = logging.getLogger(__name__)

EXAMPLES = [
    "When was the IHRC founded?",
    "Which tweet is cited for Khamenei's call to arm the west bank?",
    "How many partner organizations were in the UK?",
    "What does footnote 15 cite?",
    "What is the Fly the Flag campaign?",
    "Who is the president of France?",
]
ALL = "All"
CONCURRENCY = 2  # answers are CPU-bound; the machines this runs on have 2 cores

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
    stream_delay: float = 0.03
    lookup: dict[int, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.lookup = {f.number: f for f in self.assistant.report.footnotes}

    @property
    def answerer(self) -> str:
        return str(getattr(self.assistant.answerer, "name", type(self.assistant.answerer).__name__))

    def respond(
        self, question: str, messages: Messages | None, state: Conversation | None, k: float
    ) -> Iterator[ChatUpdate]:
        """Stream one answer into the chat: the question, a placeholder, then growing text."""
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
            answer = self.assistant.ask(question, history=conv.turns, k=checked_k(k))
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
        for prefix in stream_prefixes(answer.text):
            bubble = render.answer_html(answer, turn=turn, text=prefix)
            yield [*shown, _bot(bubble)], panel, conv.markdown, conv, ""
            time.sleep(self.stream_delay)
        final = _bot(render.answer_html(answer, turn=turn))
        yield [*shown, final], panel, conv.markdown, conv, ""

    def clear(self) -> tuple[Messages, str, str, Conversation]:
        return [], render.panel_html(()), "", Conversation()

    def markdown(self, answer: Answer) -> str:
        return render_markdown(answer, self.lookup)

    def ask_json(self, question: str, k: int | float | None = None) -> dict[str, object]:
        """The /ask endpoint: the same JSON as `ijdqa ask --json`; errors become gr.Error."""
        try:
            if not str(question or "").strip():  # a non-string is refused by ask: "must be text"
                raise QueryError("the question is empty; type a question about the report")
            answer = self.assistant.ask(question, k=checked_k(self.assistant.k if k is None else k))
        except Exception as exc:
            raise gr.Error(error_message(exc), print_exception=False) from exc
        return answer_dict(answer, self.lookup)

    def page(self, number: float) -> str:
        return render.page_html(self.assistant.report, int(number))

    def organizations(self, country: str | None, region: str | None) -> tuple[list[Any], str]:
        orgs = filter_organizations(
            self.assistant.report.organizations,
            country=None if country in (None, ALL) else country,
            region=None if region in (None, ALL) else region,
        )
        return render.organization_rows(orgs), f"{len(orgs)} organization(s)"


def _bot(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def checked_k(value: object) -> int:
    """k from a slider (a float), the API (an int) or a string: a whole number in 1..50."""
    try:
        number = float(str(value))
    except ValueError as exc:
        raise QueryError(f"k must be a whole number between 1 and 50, got {value!r}") from exc
    if not number.is_integer() or not 1 <= number <= 50:
        raise QueryError(f"k must be a whole number between 1 and 50, got {value!r}")
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


def stream_prefixes(text: str, *, steps: int = 30) -> Iterator[str]:
    """Growing prefixes of `text`, cut after whole words (a marker [n] is never split)."""
    words = re.findall(r"\S+\s*", text)
    size = max(2, -(-len(words) // steps))
    for end in range(size, len(words), size):
        yield "".join(words[:end])


# --- the page ------------------------------------------------------------------------


def create_app(
    assistant: Assistant,
    *,
    runs_dir: Path = Path("eval/runs"),
    stream_delay: float = 0.03,
) -> gr.Blocks:
    """The whole web app for one assistant: chat, report, footnotes, organizations, evaluation."""
    chat = WebChat(assistant, stream_delay=stream_delay)
    with gr.Blocks(title="ijdqa — ask the report", analytics_enabled=False) as demo:
        gr.Markdown(
            "## ijdqa · ask the International Jerusalem Day report\n"
            "Every answer quotes the report; click a marker like [1] to see the quote, page, "
            f"footnotes and sources. Answerer: **{chat.answerer}**.",
            elem_id="ijdqa-title",
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                _chat_tab(chat)
            with gr.Tab("Report", id="report"):
                _report_tab(chat)
            with gr.Tab("Footnotes", id="footnotes"):
                gr.Dataframe(
                    render.footnote_rows(assistant.report),
                    headers=render.FOOTNOTE_HEADERS,
                    interactive=False,
                    wrap=True,
                    max_height=720,
                    column_widths=["4%", "5%", "9%", "7%", "42%", "28%", "5%"],
                    elem_id="ijdqa-footnotes",
                )
            with gr.Tab("Organizations", id="organizations"):
                _organizations_tab(chat)
            with gr.Tab("Evaluation", id="evaluation") as eval_tab:
                _evaluation_tab(eval_tab, runs_dir)

        def ask(question: str, k: int = assistant.k) -> dict[str, object]:
            """Answer a question about the report; the same JSON as `ijdqa ask --json`."""
            return chat.ask_json(question, k)

        gr.api(ask, api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id="answer")
    return demo


def _chat_tab(chat: WebChat) -> None:
    conversation = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Chat",
                height=560,
                buttons=[],
                latex_delimiters=[],
                feedback_options=None,
                elem_id="ijdqa-chat",
                placeholder="Ask a question about the report, or pick an example below.",
            )
            with gr.Row():
                question = gr.Textbox(
                    show_label=False,
                    placeholder="Ask about the report… (follow-ups use the conversation)",
                    scale=6,
                    elem_id="ijdqa-question",
                )
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="ijdqa-ask")
            examples = gr.Examples(EXAMPLES, inputs=[question], label="Example questions")
            with gr.Row():
                k = gr.Slider(
                    1,
                    50,
                    value=chat.assistant.k,
                    step=1,
                    label="k: passages read per question",
                    info=f"answerer: {chat.answerer}",
                    elem_id="ijdqa-k",
                    scale=3,
                )
                new = gr.Button(
                    "New conversation", variant="secondary", elem_id="ijdqa-new", scale=1
                )
        with gr.Column(scale=2):
            panel = gr.HTML(
                render.panel_html(()), elem_id="ijdqa-citations", js_on_load=None, padding=True
            )
            copy = gr.Code(
                label="Copy with citations (Markdown)",
                language="markdown",
                interactive=False,
                buttons=["copy"],
                wrap_lines=True,
                elem_id="ijdqa-markdown",
            )
    inputs = [question, chatbot, conversation, k]
    outputs = [chatbot, panel, copy, conversation, question]
    # an example fills the box, then is asked at once
    for trigger in (question.submit, send.click, examples.load_input_event.then):
        trigger(
            chat.respond,
            inputs,
            outputs,
            api_visibility="private",
            concurrency_limit=CONCURRENCY,
            concurrency_id="answer",
        )
    new.click(chat.clear, None, [chatbot, panel, copy, conversation], api_visibility="private")
    chatbot.clear(chat.clear, None, [chatbot, panel, copy, conversation], api_visibility="private")


def _report_tab(chat: WebChat) -> None:
    pages = len(chat.assistant.report.pages)
    number = gr.Slider(1, max(pages, 1), value=1, step=1, label="Page", elem_id="ijdqa-page")
    view = gr.HTML(chat.page(1), elem_id="ijdqa-page-view", js_on_load=None, padding=True)
    number.change(chat.page, number, view, api_visibility="private")


def _organizations_tab(chat: WebChat) -> None:
    orgs = chat.assistant.report.organizations
    with gr.Row():
        country = gr.Dropdown(
            [ALL, *render.choices(o.country for o in orgs)], value=ALL, label="Country"
        )
        region = gr.Dropdown(
            [ALL, *render.choices(o.region for o in orgs)], value=ALL, label="Region"
        )
    rows, count = chat.organizations(ALL, ALL)
    counted = gr.Markdown(count)
    table = gr.Dataframe(
        rows,
        headers=render.ORGANIZATION_HEADERS,
        interactive=False,
        wrap=True,
        max_height=720,
        elem_id="ijdqa-organizations",
    )
    for control in (country, region):
        control.change(
            chat.organizations, [country, region], [table, counted], api_visibility="private"
        )


def _evaluation_tab(tab: gr.Tab, runs_dir: Path) -> None:
    def show() -> tuple[str, Any]:
        view = render.eval_view(runs_dir)
        return view.markdown, gr.JSON(value=view.metrics, visible=view.metrics is not None)

    first = render.eval_view(runs_dir)
    with gr.Row():
        refresh = gr.Button("Refresh", size="sm", scale=0, min_width=120)
    text = gr.Markdown(first.markdown, elem_id="ijdqa-eval")
    with gr.Accordion("metrics.json", open=False):
        metrics = gr.JSON(first.metrics, visible=first.metrics is not None)
    refresh.click(show, None, [text, metrics], api_visibility="private")
    tab.select(show, None, [text, metrics], api_visibility="private")


def launch(
    demo: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> Any:
    """Serve `demo` on host:port: never shared, no analytics, our stylesheet, no CDN assets."""
    try:
        return demo.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            share=False,
            prevent_thread_lock=prevent_thread_lock,
            quiet=quiet,
            show_error=False,
            css=render.CSS,
            footer_links=["api", "settings"],
            enable_monitoring=False,
            mcp_server=False,
            pwa=False,
            ssr_mode=False,
        )
    except OSError as exc:
        raise IjdqaError(f"cannot serve on {host}:{port} ({exc}); try another --port") from exc
