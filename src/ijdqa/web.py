"""The web chat: a thin Gradio layer over `Assistant`: the page's layout and its serving. The
handlers behind it are web_chat.py's; the HTML comes from web_render.py.

    demo = create_app(assistant)         # gr.Blocks; tests pass their own assistant
    launch(demo, host="127.0.0.1", port=7860, auth=("user", "pass"))

The caller sets GRADIO_ANALYTICS_ENABLED=False before importing this module (the CLI does);
`create_app` also passes analytics_enabled=False and `launch` always uses share=False, so the
app makes no outbound requests and loads nothing from a CDN.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_type_hints

import gradio as gr

from ijdqa import web_api, web_eval, web_guard, web_report
from ijdqa import web_render as render
from ijdqa import web_style as style
from ijdqa.config import K_MAX
from ijdqa.errors import IjdqaError
from ijdqa.schema import AnswerJSON, Message
from ijdqa.web_chat import ALL, CONCURRENCY, WebChat

if TYPE_CHECKING:
    from ijdqa.app import Assistant


log = logging.getLogger(__name__)

EXAMPLES = [
    "When was the IHRC founded?",
    "Which tweet is cited for Khamenei's call to arm the west bank?",
    "How many partner organizations were in the UK?",
    "What does footnote 15 cite?",
    "What is the Fly the Flag campaign?",
    "Who is the president of France?",
]


def create_app(
    assistant: Assistant,
    *,
    runs_dir: Path = Path("eval/runs"),
    gold: Path = Path("eval/dev.jsonl"),
) -> gr.Blocks:
    """The whole web app for one assistant: chat, report, footnotes, organizations, evaluation."""
    chat = WebChat(assistant)
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
                gr.HTML(
                    web_report.footnotes_html(assistant.report),
                    elem_id="ijdqa-footnotes",
                    js_on_load=None,
                    padding=True,
                )
            with gr.Tab("Organizations", id="organizations"):
                _organizations_tab(chat)
            with gr.Tab("Evaluation", id="evaluation") as eval_tab:
                _evaluation_tab(eval_tab, runs_dir, chat, gold)

        def ask(question: str, k: int = assistant.k) -> AnswerJSON:
            """Answer a question about the report; the same JSON as `ijdqa ask --json`."""
            return chat.ask_json(question, k)

        def chat_api(
            question: str, history: list[Message] | None = None, k: int = assistant.k
        ) -> AnswerJSON:
            """Answer a question after the conversation so far; the `ijdqa ask --json` object.

            Args:
                question: the new question (a follow-up such as "And where?" is fine)
                history: the earlier turns, oldest first: [{"role": "user", "content": ...}, ...]
                k: passages read, 1 to 50
            """
            return chat.ask_json(question, k, history=history)

        for fn, name in ((ask, "ask"), (chat_api, "chat")):
            # resolved types (not strings): gradio_client then shows the answer's fields, not Any
            fn.__annotations__ = get_type_hints(fn)
            gr.api(fn, api_name=name, concurrency_limit=CONCURRENCY, concurrency_id="answer")
    demo.ijdqa_chat = chat  # launch() serves its JSON API
    return demo


def _chat_tab(chat: WebChat) -> None:
    conversation = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Chat",
                height="62vh",  # follows the viewport: a phone keeps the question box in view
                min_height=280,
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
                    max_length=web_guard.MAX_QUESTION_CHARS,
                )
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="ijdqa-ask")
            examples = gr.Examples(EXAMPLES, inputs=[question], label="Example questions")
            with gr.Row():
                k = gr.Slider(
                    1,
                    K_MAX,
                    value=chat.assistant.k,
                    step=1,
                    label="Passages read",
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
            [ALL, *web_report.choices(o.country for o in orgs)], value=ALL, label="Country"
        )
        region = gr.Dropdown(
            [ALL, *web_report.choices(web_report.region(o) for o in orgs)],
            value=ALL,
            label="Region",
        )
    rows, count = chat.organizations(ALL, ALL)
    counted = gr.Markdown(count)
    table = gr.Dataframe(
        rows,
        headers=web_report.ORGANIZATION_HEADERS,
        interactive=False,
        wrap=True,
        max_height=720,
        elem_id="ijdqa-organizations",
    )
    for control in (country, region):
        control.change(
            chat.organizations, [country, region], [table, counted], api_visibility="private"
        )


def _evaluation_tab(tab: gr.Tab, runs_dir: Path, chat: WebChat, gold: Path) -> None:
    def show() -> tuple[str, Any]:
        view = web_eval.eval_view(runs_dir)
        return view.markdown, gr.JSON(value=view.metrics, visible=view.metrics is not None)

    def run(progress: gr.Progress = gr.Progress()) -> tuple[str, Any]:  # noqa: B008 - gradio's way
        chat.run_evaluation(gold, runs_dir, progress=lambda d, t: progress((d, t), desc="asking"))
        return show()

    first = web_eval.eval_view(runs_dir)
    with gr.Row():
        refresh = gr.Button("Refresh", size="sm", scale=0, min_width=120)
        start = gr.Button(
            f"Run evaluation ({gold.name})",
            size="sm",
            scale=0,
            min_width=200,
            variant="primary",
            elem_id="ijdqa-run-eval",
        )
    text = gr.Markdown(first.markdown, elem_id="ijdqa-eval")
    with gr.Accordion("metrics.json", open=False):
        metrics = gr.JSON(first.metrics, visible=first.metrics is not None)
    refresh.click(show, None, [text, metrics], api_visibility="private")
    start.click(
        run,
        None,
        [text, metrics],
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="eval",
    )
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
    """Serve `demo` on host:port: never shared, no analytics, our stylesheet, no CDN assets.

    The JSON API (POST /api/ask, web_api.py) goes onto the same FastAPI app as the page.
    Requests pass web_guard first: body cap, no uploads, failed logins throttled."""
    chat: WebChat | None = getattr(demo, "ijdqa_chat", None)
    extra = web_api.app_kwargs(chat.answer_json, auth=auth, workers=CONCURRENCY) if chat else {}
    extra = {**web_guard.app_kwargs(), **extra}
    warning = web_guard.exposure_warning(host, auth)
    if warning:
        log.warning("warning: %s", warning)
    try:
        return demo.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            share=False,
            prevent_thread_lock=prevent_thread_lock,
            quiet=quiet,
            show_error=False,
            css=style.CSS,
            js=style.JS,
            footer_links=["api", "settings"],
            enable_monitoring=False,
            mcp_server=False,
            pwa=False,
            ssr_mode=False,
            max_file_size=1,  # no file input: Gradio refuses uploads over 1 byte too
            app_kwargs=extra,
            theme=style.theme(),
        )
    except OSError as exc:
        raise IjdqaError(f"cannot serve on {host}:{port} ({exc}); try another --port") from exc
