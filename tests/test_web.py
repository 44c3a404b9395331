"""The web layer: chat handlers and HTML rendering against the real assistant, the /ask API
through gradio_client on loopback, and a bounded load test (slow)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from support import IJDQA, ROOT, free_port, served_app, stop_process

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported

from ijdqa import web, web_chat, web_eval, web_report
from ijdqa import web_render as render
from ijdqa.app import Assistant
from ijdqa.errors import AnswerStreamError, IndexNotBuiltError, QueryError
from ijdqa.render import answer_dict, render_markdown
from ijdqa.report.organizations import filter_organizations
from ijdqa.types import Citation, Footnote, Turn

FOUNDED = "When was the IHRC founded?"
TWEET = "Which tweet is cited for Khamenei's call to arm the west bank?"
TWEET_URL = "https://twitter.com/khamenei_ir/status/1262513122532896771"
OFF_TOPIC = "Who is the president of France?"


@pytest.fixture()
def chat(assistant: Assistant) -> web.WebChat:
    return web.WebChat(assistant)


def final(updates: list[web_chat.ChatUpdate]) -> tuple[str, str, str, web_chat.Conversation]:
    """The last bubble, the panel, the Markdown and the conversation of a finished respond."""
    messages, panel, markdown, conversation, cleared = updates[-1]
    assert cleared == ""
    return messages[-1]["content"], panel, markdown, conversation


# --- the chat handler --------------------------------------------------------------------


def test_answer_shows_at_once_then_links_markers_to_citation_cards(
    chat: web.WebChat, assistant: Assistant
) -> None:
    began = time.perf_counter()
    updates = list(chat.respond(FOUNDED, [], None, 6))
    seconds = time.perf_counter() - began
    bubble, panel, markdown, _ = final(updates)
    answer = assistant.ask(FOUNDED, k=6)

    bubbles = [u[0][-1]["content"] for u in updates]
    # a placeholder, then the whole answer: no simulated typing (it held a worker 0.7 s)
    assert "ijdqa-pending" in bubbles[0] and len(updates) == 2
    assert seconds < 0.5 + 20 * answer.timings["total"]
    assert "1997" in bubble and "ijdqa-answer" in bubble
    assert '<a class="ijdqa-marker" href="#ijdqa-cite-1-1"' in bubble
    assert 'id="ijdqa-cite-1-1"' in panel
    quote = answer.citations[0].quote
    assert f"<mark>{render.esc(quote)}</mark>" in panel
    assert "page 1" in panel
    assert markdown == render_markdown(answer, assistant.report.footnote_map)


def test_sourced_answer_shows_footnote_date_and_url_in_a_new_tab(chat: web.WebChat) -> None:
    _, panel, _, _ = final(list(chat.respond(TWEET, [], None, 6)))
    assert "footnote 12" in panel and "2020-05-19" in panel
    link = f'href="{TWEET_URL}" target="_blank" rel="noopener noreferrer"'
    assert link in panel


def test_script_in_question_is_shown_as_text(chat: web.WebChat) -> None:
    question = "<script>alert('x')</script> " + FOUNDED
    updates = list(chat.respond(question, [], None, 6))
    messages, panel, _, _, _ = updates[-1]
    page = json.dumps(messages) + panel
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in messages[0]["content"]


def test_refusal_has_its_own_style_and_lists_closest_passages(chat: web.WebChat) -> None:
    bubble, panel, _, _ = final(list(chat.respond(OFF_TOPIC, [], None, 6)))
    assert "ijdqa-refusal" in bubble and "ijdqa-answer" not in bubble
    assert "Not answered" in bubble and "See also" in bubble
    assert "ijdqa-marker" not in bubble
    assert "No citations" in panel


def test_follow_up_passes_earlier_turns_as_history(assistant: Assistant) -> None:
    recording = RecordingAssistant(assistant)
    chat = web.WebChat(recording)  # type: ignore[arg-type]
    first = list(chat.respond(FOUNDED, [], None, 6))
    messages, _, _, conversation, _ = first[-1]
    second = list(chat.respond("Who leads it?", messages, conversation, 6))
    assert recording.calls[0] == (FOUNDED, ())
    question, history = recording.calls[1]
    assert question == "Who leads it?"
    assert history == (Turn("user", FOUNDED), Turn("assistant", assistant.ask(FOUNDED).text))
    messages, panel, _, conversation, _ = second[-1]
    assert len(messages) == 4 and len(conversation.entries) == 2
    assert 'id="ijdqa-cite-1-1"' in panel  # the first answer's cards stay, folded


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (IndexNotBuiltError("the index in index/ is missing; run `ijdqa index`"), "ijdqa index"),
        (RuntimeError("boom"), "Something went wrong"),
    ],
)
def test_errors_become_chat_messages_and_the_chat_goes_on(
    assistant: Assistant, error: Exception, shown: str
) -> None:
    chat = web.WebChat(FailingOnce(assistant, error))  # type: ignore[arg-type]
    bubble, _, _, conversation = final(list(chat.respond(FOUNDED, [], None, 6)))
    assert "ijdqa-error" in bubble and shown in bubble
    assert "Traceback" not in bubble and 'File "' not in bubble
    assert conversation.turns == ()
    bubble, _, _, _ = final(list(chat.respond(FOUNDED, [], conversation, 6)))
    assert "1997" in bubble


def test_bad_k_is_a_message(chat: web.WebChat) -> None:
    bubble, _, _, _ = final(list(chat.respond(FOUNDED, [], None, 0)))
    assert "ijdqa-error" in bubble and "between 1 and 50" in bubble
    with pytest.raises(QueryError):
        web_chat.checked_k("many")


def test_empty_question_changes_nothing(chat: web.WebChat) -> None:
    updates = list(chat.respond("   ", [], None, 6))
    assert len(updates) == 1 and updates[0][0] == []


# --- rendering ---------------------------------------------------------------------------


def citation(**changes: Any) -> Citation:
    fields: dict[str, Any] = {
        "marker": 1,
        "chunk_id": "c1",
        "quote": "the <script>quote</script>",
        "start": 0,
        "end": 10,
        "page": 3,
        "section": "A & B",
        "kind": "body",
        "source": "report",
        "context": "Before <b>bold</b> the <script>quote</script> after ${x} {{y}}.",
    }
    return Citation(**{**fields, **changes})


def test_citation_card_escapes_corpus_text_and_marks_the_quote() -> None:
    card = render.citation_card(citation(), {}, turn=2)
    assert "<script>" not in card and "<b>" not in card and "${x}" not in card
    assert "<mark>the &lt;script&gt;quote&lt;/script&gt;</mark>" in card
    assert 'id="ijdqa-cite-2-1"' in card and "page 3" in card and "A &amp; B" in card


def test_ibid_footnote_shows_the_url_it_repeats(assistant: Assistant) -> None:
    lookup = assistant.report.footnote_map
    ibid = lookup[15]
    assert ibid.same_as == 14 and not ibid.urls
    line = render.footnote_html(ibid, lookup)
    assert "footnote 15" in line and "repeats footnote 14" in line
    assert f'href="{lookup[14].urls[0]}" target="_blank" rel="noopener noreferrer"' in line


def test_urls_are_escaped_inside_links() -> None:
    note = Footnote(
        1, 'x "><script>', ('https://e.org/?a=1&b="2"',), None, "note", None, 1, None, None
    )
    line = render.footnote_html(note, {1: note})
    assert 'href="https://e.org/?a=1&amp;b=&quot;2&quot;"' in line and "<script>" not in line


def test_report_page_renders_markers_as_superscript_links(chat: web.WebChat) -> None:
    page = chat.page(1)
    assert '<sup><a class="ijdqa-fnref" href="#ijdqa-fn-1">1</a></sup>' in page
    assert '<li id="ijdqa-fn-1">' in page and 'target="_blank"' in page
    assert "No page 99" in chat.page(99)


def test_footnotes_table_has_every_footnote(assistant: Assistant) -> None:
    rows = web_report.footnote_rows(assistant.report)
    assert len(rows) == len(assistant.report.footnotes) == 24
    ibid = rows[14]
    assert ibid[0] == 15 and ibid[6] == 14 and "twitter.com" in str(ibid[5])
    for row, note in zip(rows, assistant.report.footnotes, strict=True):
        assert not any(u in str(row[4]) for u in note.urls)  # the text does not repeat URLs


def test_footnotes_tab_shows_urls_as_links(assistant: Assistant) -> None:
    table = web_report.footnotes_html(assistant.report)
    urls = {u for f in assistant.report.footnotes for u in f.urls}
    assert table.count("<tr id=") == 24
    for url in urls:
        assert (
            f'href="{render.esc(url if not url.startswith("www.") else "https://" + url)}"' in table
        )
    assert table.count('target="_blank" rel="noopener noreferrer"') >= len(urls)


def test_organizations_filter_by_country_and_region(
    chat: web.WebChat, assistant: Assistant
) -> None:
    orgs = assistant.report.organizations
    rows, count = chat.organizations("United Kingdom", web.ALL)
    assert len(rows) == len(filter_organizations(orgs, country="UK")) == 36
    assert count == "36 organization(s)"
    rows, _ = chat.organizations(web.ALL, "Asia")
    assert rows and {r[4] for r in rows} == {"Asia"}
    everything = chat.organizations(web.ALL, web.ALL)[0]
    assert len(everything) == len(orgs) and all(r[4] for r in everything)  # every row a region
    malaysia = filter_organizations(orgs, country="Malaysia")
    rows, _ = chat.organizations("Malaysia", "Asia")  # was 0: the report labels few rows
    assert malaysia and len(rows) == len(malaysia)
    assert chat.organizations("Malaysia", "Europe")[0] == []
    for o in orgs:  # the report's own label is kept where it gives one
        assert o.region is None or web_report.region(o) == o.region


def test_eval_view_without_and_with_a_run(tmp_path: Path) -> None:
    assert "No evaluation run yet" in web_eval.eval_view(tmp_path).markdown
    run = tmp_path / "20260101T000000Z-extractive"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({"metrics": {"quote_validity": 1.0}}))
    (run / "report.md").write_text("# ijdqa evaluation\n\n![latency.png](latency.png)\n")
    (run / "latency.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "latest").write_text(json.dumps({"run": run.name}))
    view = web_eval.eval_view(tmp_path)
    assert run.name in view.markdown and "# ijdqa evaluation" in view.markdown
    assert "](data:image/png;base64," in view.markdown
    assert view.metrics == {"metrics": {"quote_validity": 1.0}}
    (tmp_path / "latest").write_text(json.dumps({"run": "gone"}))
    assert "does not name an existing run" in web_eval.eval_view(tmp_path).markdown


def test_parse_auth() -> None:
    assert render.parse_auth("ana:s3:cret") == ("ana", "s3:cret")
    assert render.parse_auth(None) is None
    with pytest.raises(Exception, match="USER:PASS"):
        render.parse_auth("ana")


# --- the served app ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free loopback port, in this process (launch returns at once)."""
    with served_app(assistant, tmp_path_factory.mktemp("runs")) as url:
        yield url


def roundtrip(data: object) -> object:
    """The JSON as a client sees it, less `timings_ms` (which differs from call to call)."""
    plain = json.loads(json.dumps(data))
    if isinstance(plain, dict):
        plain.pop("timings_ms", None)
    return plain


def test_ask_api_returns_the_cli_json(served: str, assistant: Assistant) -> None:
    from gradio_client import Client

    client = Client(served, verbose=False)
    lookup = assistant.report.footnote_map
    for question, k in ((FOUNDED, 6), (TWEET, 4), (OFF_TOPIC, 6)):
        got = client.predict(question, k, api_name="/ask")
        assert roundtrip(got) == roundtrip(answer_dict(assistant.ask(question, k=k), lookup))
    assert "1997" in client.predict(FOUNDED, api_name="/ask")["answer"]  # k has a default


def test_ask_api_errors_are_messages(served: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(served, verbose=False)
    with pytest.raises(AppError, match="question is empty"):
        client.predict("  ", 6, api_name="/ask")
    with pytest.raises(AppError, match="between 1 and 50"):
        client.predict(FOUNDED, 99, api_name="/ask")
    assert client.predict(FOUNDED, 6, api_name="/ask")["refused"] is False  # still serving


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IJDQA_")}
    bad = subprocess.run(
        [IJDQA, "chat", "--auth", "nopass"], capture_output=True, text=True, timeout=120, env=env
    )
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0
    assert "USER:PASS" in bad.stderr
    missing = subprocess.run(
        [IJDQA, "chat", "--no-build", "--index-dir", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert missing.returncode == 1 and "ijdqa index" in missing.stderr
    assert "Traceback" not in missing.stderr


# --- load --------------------------------------------------------------------------------

LOAD_QUESTIONS = [
    FOUNDED,
    TWEET,
    "How many partner organizations were in the UK?",
    "What does footnote 15 cite?",
    OFF_TOPIC,
]


def start_chat(port: int, log: Path, index_dir: Path) -> subprocess.Popen[bytes]:
    """`ijdqa chat` in its own process, with defaults (no IJDQA_HOST/AUTH, analytics unset)."""
    dropped = ("IJDQA_HOST", "IJDQA_PORT", "IJDQA_AUTH", "GRADIO_ANALYTICS_ENABLED")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    with log.open("wb") as out:
        return subprocess.Popen(
            [IJDQA, "chat", "--port", str(port), "--index-dir", str(index_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ijdqa chat exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"ijdqa chat did not serve {url} within {timeout} s: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    stop_process(proc, timeout=15)


@pytest.fixture(scope="module")
def chat_process(shared_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as users run it: `ijdqa chat` on a free loopback port, in another process."""
    port, log = free_port(), tmp_path_factory.mktemp("chat") / "chat.log"
    proc = start_chat(port, log, shared_index)
    try:
        wait_ready(f"http://127.0.0.1:{port}/", proc, log)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(proc)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_twenty_concurrent_clients_get_complete_answers(
    chat_process: str, assistant: Assistant
) -> None:
    from gradio_client import Client

    lookup = assistant.report.footnote_map
    expected = {q: roundtrip(answer_dict(assistant.ask(q, k=6), lookup)) for q in LOAD_QUESTIONS}
    assert "1997" in str(expected[FOUNDED]["answer"])  # type: ignore[index]
    clients, start = 20, threading.Barrier(20)

    def one_client(n: int) -> list[tuple[str, float, object]]:
        client = Client(chat_process, verbose=False)
        start.wait()
        out = []
        for i in range(len(LOAD_QUESTIONS)):
            question = LOAD_QUESTIONS[(n + i) % len(LOAD_QUESTIONS)]
            began = time.perf_counter()
            got = client.predict(question, 6, api_name="/ask")
            out.append((question, time.perf_counter() - began, got))
        return out

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for batch in pool.map(one_client, range(clients)) for r in batch]
    wall = time.perf_counter() - began

    assert len(results) == clients * len(LOAD_QUESTIONS)
    wrong = [q for q, _, got in results if roundtrip(got) != expected[q]]
    assert not wrong, f"{len(wrong)} answers differ under load, e.g. {wrong[:3]}"
    assert all("1997" in got["answer"] for q, _, got in results if q == FOUNDED)  # type: ignore[index]
    write_load_report([s for _, s, _ in results], clients=clients, wall=wall)


def write_load_report(seconds: list[float], *, clients: int, wall: float) -> None:
    ms = sorted(s * 1000 for s in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    report = {
        "what": "/ask via gradio_client threads -> `ijdqa chat` in another process, loopback",
        "clients": clients,
        "questions_per_client": len(LOAD_QUESTIONS),
        "requests": len(ms),
        "concurrency_limit": web.CONCURRENCY,
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "max_ms": round(ms[-1], 1),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(ms) / wall, 2),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "test-output"  # not bench/: a test run must not dirty the work tree
    out.mkdir(exist_ok=True)
    (out / "web_load.json").write_text(json.dumps(report, indent=2) + "\n")


# --- fakes -------------------------------------------------------------------------------


class RecordingAssistant:
    """The real assistant, recording what each ask received."""

    def __init__(self, inner: Assistant) -> None:
        self.inner, self.calls = inner, []  # type: list[tuple[str, tuple[Turn, ...]]]
        self.report, self.k, self.answerer = inner.report, inner.k, inner.answerer

    def ask(self, question: str, *, history: Any = (), k: int | None = None) -> Any:
        self.calls.append((question, tuple(history)))
        return self.inner.ask(question, history=history, k=k)


class FailingOnce(RecordingAssistant):
    """Raises `error` on the first question, then answers normally (the app keeps serving)."""

    def __init__(self, inner: Assistant, error: Exception) -> None:
        super().__init__(inner)
        self.error: Exception | None = error

    def ask(self, question: str, *, history: Any = (), k: int | None = None) -> Any:
        error, self.error = self.error, None
        if error is not None:
            raise error
        return super().ask(question, history=history, k=k)


# --- POST /api/ask and the /chat endpoint ------------------------------------------------


def test_api_ask_returns_the_cli_json_and_follows_history(
    served: str, assistant: Assistant
) -> None:
    import httpx

    from test_json import valid

    lookup = assistant.report.footnote_map
    got = httpx.post(f"{served}api/ask", json={"question": TWEET, "k": 4}, timeout=30)
    assert got.status_code == 200, got.text
    valid(got.json())
    assert roundtrip(got.json()) == roundtrip(answer_dict(assistant.ask(TWEET, k=4), lookup))
    history = [{"role": "user", "content": FOUNDED}, {"role": "assistant", "content": "1997."}]
    body = {"question": "And where?", "history": history, "scope": "report"}
    follow = httpx.post(f"{served}api/ask", json=body, timeout=30).json()
    turns = (Turn("user", FOUNDED), Turn("assistant", "1997."))
    expected = answer_dict(assistant.ask("And where?", history=turns), lookup)
    assert roundtrip(follow) == roundtrip(expected) and follow["resolved_question"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"question": "  "}, "question is empty"),
        ({"question": FOUNDED, "k": 99}, "k: "),
        ({"question": FOUNDED, "scope": "web"}, "scope: "),
        ({"question": FOUNDED, "history": [{"role": "system", "content": "x"}]}, "history."),
        ({"question": FOUNDED, "extra": 1}, "extra: "),
        ({}, "question: "),
    ],
)
def test_api_ask_bad_requests_are_one_line_422s(served: str, body: dict, detail: str) -> None:
    import httpx

    got = httpx.post(f"{served}api/ask", json=body, timeout=30)
    assert got.status_code == 422
    message = got.json()["detail"]
    assert isinstance(message, str) and "\n" not in message and detail in message


def test_api_has_its_own_openapi_schema_matching_docs(served: str) -> None:
    import httpx

    from test_json import SCHEMA

    spec = httpx.get(f"{served}api/openapi.json", timeout=30).json()
    assert list(spec["paths"]) == ["/api/ask"]
    post = spec["paths"]["/api/ask"]["post"]
    assert {"200", "422"} <= set(post["responses"])
    components = spec["components"]["schemas"]
    assert set(components["AskRequest"]["properties"]) == {"question", "history", "k", "scope"}
    for ours, theirs in (("AnswerJSON", "answer"), ("CitationJSON", "citation")):
        assert set(components[ours]["required"]) == set(SCHEMA["$defs"][theirs]["required"])


def test_chat_endpoint_takes_history_and_is_typed(served: str, assistant: Assistant) -> None:
    from gradio_client import Client

    client = Client(served, verbose=False)
    history = [{"role": "user", "content": FOUNDED}, {"role": "assistant", "content": "1997."}]
    got = client.predict("And where?", history, 6, api_name="/chat")
    turns = (Turn("user", FOUNDED), Turn("assistant", "1997."))
    lookup = assistant.report.footnote_map
    assert roundtrip(got) == roundtrip(
        answer_dict(assistant.ask("And where?", history=turns), lookup)
    )
    assert client.predict(FOUNDED, api_name="/chat")["refused"] is False  # history optional
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    returns = str(info["/chat"]["returns"]) + str(info["/ask"]["returns"])
    assert "Any" not in returns and "citations" in returns and "timings_ms" in returns


def test_api_ask_needs_the_login_when_one_is_set(assistant: Assistant, tmp_path: Path) -> None:
    import httpx

    demo = web.create_app(assistant, runs_dir=tmp_path)
    port = free_port()
    web.launch(demo, port=port, auth=("ana", "s3cret"), prevent_thread_lock=True, quiet=True)
    url, body = f"http://127.0.0.1:{port}/api/ask", {"question": FOUNDED}
    try:
        assert httpx.post(url, json=body, timeout=30).status_code == 401
        assert httpx.post(url, json=body, auth=("ana", "wrong"), timeout=30).status_code == 401
        ok = httpx.post(url, json=body, auth=("ana", "s3cret"), timeout=30)
        assert ok.status_code == 200 and not ok.json()["refused"]
    finally:
        demo.close()


def small_gold(folder: Path, n: int = 3) -> Path:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    gold = folder / "small.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gold


def test_run_evaluation_from_the_web_writes_a_run_the_tab_shows(
    chat: web.WebChat, tmp_path: Path
) -> None:
    import gradio as gr

    runs = tmp_path / "runs"
    assert "No evaluation run yet" in web_eval.eval_view(runs).markdown
    seen: list[tuple[int, int]] = []
    folder = chat.run_evaluation(
        small_gold(tmp_path), runs, progress=lambda d, t: seen.append((d, t))
    )
    assert len((folder / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert seen and seen[-1] == (3, 3)
    view = web_eval.eval_view(runs)
    assert folder.name in view.markdown and view.metrics
    with pytest.raises(gr.Error, match="not found"):
        chat.run_evaluation(tmp_path / "missing.jsonl", runs)


class StreamingAssistant(RecordingAssistant):
    """An assistant whose answerer writes text as it goes (an LLM), then the final Answer."""

    def stream(self, question: str, *, history: Any = (), k: int | None = None) -> Any:
        final = self.inner.ask(question, history=history, k=k)
        words = final.text.split(" ")
        for i, word in enumerate(words):
            yield word + (" " if i < len(words) - 1 else "")
        yield final


def test_llm_text_is_shown_as_it_is_written_then_the_final_answer(assistant: Assistant) -> None:
    chat = web.WebChat(StreamingAssistant(assistant))  # type: ignore[arg-type]
    updates = list(chat.respond(FOUNDED, [], None, 6))
    bubbles = [u[0][-1]["content"] for u in updates]
    drafts = bubbles[1:-1]
    assert len(drafts) == len(assistant.ask(FOUNDED).text.split(" "))
    assert all("Writing" in d for d in drafts) and "1997" in drafts[-1]
    assert "ijdqa-marker" in bubbles[-1] and "Writing" not in bubbles[-1]


class StreamStopsShort(RecordingAssistant):
    """An assistant whose stream writes a sentence and ends without its final Answer."""

    def stream(self, question: str, *, history: Any = (), k: int | None = None) -> Any:
        yield "IHRC was founded in London in 1997."


def test_a_stream_without_its_answer_is_an_ijdqa_error_shown_in_the_chat(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[BaseException] = []
    shown = web_chat.error_message

    def recording(exc: BaseException) -> str:
        seen.append(exc)
        return shown(exc)

    monkeypatch.setattr(web_chat, "error_message", recording)
    chat = web.WebChat(StreamStopsShort(assistant))  # type: ignore[arg-type]
    bubble, _, _, conversation = final(list(chat.respond(FOUNDED, [], None, 6)))
    assert [type(e) for e in seen] == [AnswerStreamError]
    assert "ijdqa-error" in bubble and "the answer stream ended without an answer" in bubble
    assert "Something went wrong" not in bubble  # an IjdqaError's own message, no traceback
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert conversation.turns == ()
