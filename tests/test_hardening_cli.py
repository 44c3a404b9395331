"""Bad input at every entry point: CLI arguments and files, `ijdqa eval --gold`, `ijdqa sources
add`, the web chat handlers and the Gradio /ask API. Each ends in a clear message (a non-zero exit
with one stderr line, or an error shown in the chat), never a traceback.

Every case writes a row (what was tried, how much, what happened) to
test-output/reliability/<table>.json; `python bench/reliability.py table` prints those rows as the
tables of docs/reliability.md. The CLI cases run as real subprocesses, a few at a time, against a
copy of the repository's index in a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import IJDQA, ROOT, clean_env, clip, record, served_app

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported

from ijdqa.app import Assistant

FOUNDED = "When was the IHRC founded?"
REFUSED = "The report does not say"

# --- hostile questions, shared by the CLI, the chat handler and the API ---------------------


@dataclass(frozen=True)
class Question:
    name: str
    amount: str
    text: str  # what the chat and the API receive
    argv: bytes | str  # what the command line receives (argv cannot hold NUL bytes)
    answers: bool  # expected to be answered (1997), not refused or rejected
    empty: bool = False

    @property
    def capped(self) -> bool:
        """Too long for the web app, which refuses it with a message (web_guard)."""
        from ijdqa.web_guard import MAX_QUESTION_CHARS

        return len(self.text) > MAX_QUESTION_CHARS


BINARY = bytes(range(1, 256)) * 4
QUESTIONS = [
    Question("empty", "0 characters", "", "", False, empty=True),
    Question("whitespace only", "6 characters", " \t\n \r ", " \t\n \r ", False, empty=True),
    Question(
        "a 100 KB question",
        "100,000 characters",
        (FOUNDED + " ") * 3703,
        (FOUNDED + " ") * 3703,
        True,
    ),
    Question(
        "control characters",
        "6 (BEL, ESC, DEL, ...)",
        "When\x01 was\x07 the IHRC\x1b[31m founded?\x7f\x08",
        "When\x01 was\x07 the IHRC\x1b[31m founded?\x7f\x08",
        True,
    ),
    Question(
        "invalid UTF-8 bytes",
        "3 bytes (0xff 0xfe 0xc3)",
        os.fsdecode(FOUNDED.encode() + b" \xff\xfe\xc3"),
        FOUNDED.encode() + b" \xff\xfe\xc3",
        True,
    ),
    Question(
        "binary data",
        "1,020 bytes (0x01-0xff)",
        BINARY.decode("latin-1") + "\x00",
        BINARY,
        False,
    ),
    Question("Arabic", "15 characters", "آية الله خامنئي", "آية الله خامنئي", False),
    Question(
        "Farsi (with zero-width non-joiners)",
        "24 characters",
        "آیت‌الله خامنه‌ای کیست؟",
        "آیت‌الله خامنه‌ای کیست؟",
        False,
    ),
    Question(
        "mixed scripts and bidi overrides",
        "62 characters",
        "When did \u202eآية الله\u202c Khamenei call on IHRC? שלום 1997",
        "When did \u202eآية الله\u202c Khamenei call on IHRC? שלום 1997",
        False,
    ),
    Question(
        "HTML and JavaScript",
        "58 characters",
        "<script>alert(1)</script><img src=x onerror=alert(2)> " + FOUNDED,
        "<script>alert(1)</script><img src=x onerror=alert(2)> " + FOUNDED,
        True,
    ),
]


# --- the command line ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One command line: `argv` gets the fixture's files and index folder."""

    table: str
    tried: str
    amount: str
    argv: Callable[[dict[str, Path], Path], list[Any]]
    expect: str  # "error" (one line, exit 1), "usage" (argparse, exit 2), or "ok"
    needle: str = ""  # in the error line, or (for "ok") in stdout


def _question_cases() -> list[Case]:
    cases = []
    for q in QUESTIONS:
        for command in ("ask", "search"):
            cases.append(
                Case(
                    "cli_arguments",
                    f"`ijdqa {command}` with {q.name}",
                    q.amount,
                    lambda f, idx, q=q, command=command: [
                        command,
                        "--no-build",
                        "--index-dir",
                        idx,
                        q.argv,
                    ],
                    "error" if q.empty else "ok",
                    "question is empty" if q.empty else ("1997" if q.answers else ""),
                )
            )
    cases.append(
        Case(
            "cli_arguments",
            "`ijdqa ask --json` with invalid UTF-8 bytes",
            "3 bytes",
            lambda f, idx: ["ask", "--json", "--no-build", "--index-dir", idx, QUESTIONS[4].argv],
            "ok",
            '"question": "When was the IHRC founded?"',
        )
    )
    return cases


def _option_cases() -> list[Case]:
    ask = ["ask", "--no-build", "--index-dir"]
    # fmt: off
    return [
        Case("cli_arguments", "`--k 0`", "1 value", lambda f, i: [*ask, i, "--k", "0", FOUNDED], "error", "between 1 and 50"),
        Case("cli_arguments", "`--k 51`", "1 value", lambda f, i: [*ask, i, "--k", "51", FOUNDED], "error", "between 1 and 50"),
        Case("cli_arguments", "`--k many`", "1 value", lambda f, i: [*ask, i, "--k", "many", FOUNDED], "usage", "invalid int value"),
        Case("cli_arguments", "`search --kind nonsense`", "1 value", lambda f, i: ["search", "--no-build", "--index-dir", i, "--kind", "nonsense", FOUNDED], "error", "kind must be one of"),
        Case("cli_arguments", "`--index-dir` naming a file", "1 path", lambda f, i: ["ask", "--index-dir", f["empty"], FOUNDED], "error", "cannot write the index"),
        Case("cli_arguments", "`--llm-timeout inf`", "1 value", lambda f, i: ["ask", "--no-build", "--index-dir", i, "--llm", "openai", "--llm-base-url", "http://127.0.0.1:9/v1", "--llm-timeout", "inf", FOUNDED], "error", "llm_timeout"),
        Case("cli_arguments", "`--llm-timeout 1e9`", "1 value", lambda f, i: ["ask", "--no-build", "--index-dir", i, "--llm", "openai", "--llm-base-url", "http://127.0.0.1:9/v1", "--llm-timeout", "1e9", FOUNDED], "error", "llm_timeout"),
        Case("cli_arguments", "`--chroma-url` that is not a URL", "1 value", lambda f, i: ["search", "--index-dir", i, "--chroma-url", "http://:0", FOUNDED], "error", "Chroma server URL"),
    ]
    # fmt: on


def _history_cases() -> list[Case]:
    def ask(name: str) -> Callable[[dict[str, Path], Path], list[Any]]:
        return lambda f, idx: [
            "ask",
            "--no-build",
            "--index-dir",
            idx,
            "--history",
            f[name],
            "Who leads it?",
        ]

    # fmt: off
    return [
        Case("cli_files", "`--history` not JSON", "9 bytes", ask("not_json"), "error", "cannot read history"),
        Case("cli_files", "`--history` a JSON object, not an array", "1 object", ask("json_object"), "error", "JSON array of {role, content}"),
        Case("cli_files", "`--history` an array of numbers", "3 items", ask("json_numbers"), "error", "JSON array of {role, content}"),
        Case("cli_files", "`--history` objects without content", "1 item", ask("no_content"), "error", "JSON array of {role, content}"),
        Case("cli_files", "`--history` binary", "4,096 random bytes", ask("binary"), "error", "cannot read history"),
        Case("cli_files", "`--history` empty file", "0 bytes", ask("empty"), "error", "cannot read history"),
        Case("cli_files", "`--history` a folder", "1 folder", ask("folder"), "error", "cannot read history"),
        Case("cli_files", "`--history /dev/zero`", "endless", lambda f, idx: ["ask", "--no-build", "--index-dir", idx, "--history", "/dev/zero", "Who leads it?"], "error", "over 5 MB"),
        Case("cli_files", "`--history` huge", "20 MB", ask("huge"), "error", "over 5 MB"),
        Case("cli_files", "`--history` 10,000 turns", "10,000 turns, 0.6 MB", ask("long_history"), "ok", ""),
    ]
    # fmt: on


def _report_cases() -> list[Case]:
    def ask(name: str) -> Callable[[dict[str, Path], Path], list[Any]]:
        return lambda f, idx: [
            "--report",
            f[name],
            "ask",
            "--no-build",
            "--index-dir",
            idx,
            FOUNDED,
        ]

    # fmt: off
    return [
        Case("cli_files", "`--report` binary", "4,096 random bytes", ask("binary"), "error", "not UTF-8 text"),
        Case("cli_files", "`--report` empty file", "0 bytes", ask("empty"), "error", "empty"),
        Case("cli_files", "`--report` whitespace only", "4 bytes", ask("whitespace"), "error", "empty"),
        Case("cli_files", "`--report` text with NUL bytes", "1 KB", ask("nul_text"), "error", "NUL bytes"),
        Case("cli_files", "`--report` huge", "20 MB", ask("huge"), "error", "over 5 MB"),
        Case("cli_files", "`--report /dev/zero`", "endless", lambda f, idx: ["--report", "/dev/zero", "footnotes"], "error", "over 5 MB"),
        Case("cli_files", "`--report` a folder", "1 folder", ask("folder"), "error", "is a folder"),
        Case("cli_files", "`--report` missing", "1 path", lambda f, idx: ["--report", f["folder"] / "nope.txt", "footnotes"], "error", "not found"),
        Case("cli_files", "`--report` prose without report structure", "1 KB", lambda f, idx: ["--report", f["prose"], "footnotes", "--json"], "ok", "[]"),
    ]
    # fmt: on


def _sources_cases() -> list[Case]:
    def add(name: str, footnote: str = "2") -> Callable[[dict[str, Path], Path], list[Any]]:
        return lambda f, idx: [
            "sources",
            "--index-dir",
            f["sources_index"],
            "add",
            f[name],
            "--footnote",
            footnote,
        ]

    # fmt: off
    return [
        Case("cli_files", "`sources add` binary .html", "4,096 random bytes", add("binary_html"), "error", "cannot import"),
        Case("cli_files", "`sources add` binary .pdf", "4,096 random bytes", add("binary_pdf"), "error", "not a readable PDF"),
        Case("cli_files", "`sources add` truncated PDF", "16 bytes", add("fake_pdf"), "error", "not a readable PDF"),
        Case("cli_files", "`sources add` binary .txt", "4,096 random bytes", add("binary"), "error", "cannot import"),
        Case("cli_files", "`sources add` empty file", "0 bytes", add("empty"), "error", "is empty"),
        Case("cli_files", "`sources add` whitespace only", "4 bytes", add("whitespace"), "error", "is empty"),
        Case("cli_files", "`sources add` a folder", "1 folder", add("folder"), "error", "not a file"),
        Case("cli_files", "`sources add --footnote 999`", "1 value", add("prose", "999"), "error", "no footnote 999"),
    ]
    # fmt: on


def _gold_cases() -> list[Case]:
    def run(name: str, *extra: str) -> Callable[[dict[str, Path], Path], list[Any]]:
        return lambda f, idx: [
            "eval",
            "--no-build",
            "--index-dir",
            idx,
            "--out",
            f["runs"],
            "--gold",
            f[name],
            *extra,
        ]

    # fmt: off
    return [
        Case("eval_gold", "a line that is not JSON", "line 2 of 2", run("gold_bad_json"), "error", ":2: not a gold question"),
        Case("eval_gold", "a line that is a JSON array", "1 line", run("gold_array"), "error", ":1: not a gold question"),
        Case("eval_gold", "a field of the wrong type", "1 line", run("gold_bad_type"), "error", "not a gold question"),
        Case("eval_gold", "history that is a string", "1 line", run("gold_bad_history"), "error", "not a gold question"),
        Case("eval_gold", "an unknown category", "1 line", run("gold_category"), "error", "unknown category"),
        Case("eval_gold", "a binary file", "4,096 random bytes", run("binary"), "error", "cannot read gold file"),
        Case("eval_gold", "an empty file", "0 bytes", run("empty"), "error", "holds no questions"),
        Case("eval_gold", "a folder", "1 folder", run("folder"), "error", "cannot read gold file"),
        Case("eval_gold", "10,000 lines, the last one broken", "10,000 lines", run("gold_10k_broken"), "error", ":10000: not a gold question"),
        Case("eval_gold", "10,000 valid lines with `--limit 2`", "10,000 lines", run("gold_10k", "--limit", "2"), "ok", "metric"),
        Case("eval_gold", "`--limit 0`", "10,000 lines", run("gold_10k", "--limit", "0"), "error", "--limit must be at least 1"),
    ]
    # fmt: on


CASES = (
    _question_cases()
    + _option_cases()
    + _history_cases()
    + _report_cases()
    + _sources_cases()
    + _gold_cases()
)


def make_files(tmp: Path) -> dict[str, Path]:
    """Every bad file the cases pass (deterministic bytes, so rows are reproducible)."""
    rng = __import__("random").Random(8)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    gold_line = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[0]
    row = json.loads(gold_line)
    files: dict[str, bytes | str] = {
        "not_json": "not json{",
        "json_object": '{"role": "user", "content": "hi"}',
        "json_numbers": "[1, 2, 3]",
        "no_content": '[{"role": "user"}]',
        "binary": noise,
        "binary_html": noise,
        "binary_pdf": noise,
        "fake_pdf": b"%PDF-1.4 garbage",
        "empty": b"",
        "whitespace": " \n\t\n",
        "nul_text": ("Some text.\x00" * 100),
        "huge": b"word " * 4_000_000,
        "prose": "Just some prose. It has no pages, no footnotes and no appendix at all.\n" * 14,
        "long_history": json.dumps(
            [{"role": "user" if i % 2 else "assistant", "content": FOUNDED} for i in range(10_000)]
        ),
        "gold_bad_json": gold_line + "\n{broken\n",
        "gold_array": "[1, 2]\n",
        "gold_bad_type": json.dumps({**row, "footnotes": ["x"]}) + "\n",
        "gold_bad_history": json.dumps({**row, "history": "abc"}) + "\n",
        "gold_category": json.dumps({**row, "category": "nope"}) + "\n",
        "gold_10k": (gold_line + "\n") * 10_000,
        "gold_10k_broken": (gold_line + "\n") * 9_999 + "{broken\n",
    }
    suffixes = {"binary_html": ".html", "binary_pdf": ".pdf", "fake_pdf": ".pdf"}
    paths: dict[str, Path] = {}
    for name, content in files.items():
        path = tmp / f"{name}{suffixes.get(name, '.txt')}"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        paths[name] = path
    for folder in ("folder", "runs", "sources_index"):
        paths[folder] = tmp / folder
        paths[folder].mkdir()
    return paths


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_cli(argv: list[Any], cwd: Path) -> Ran:
    args = [a if isinstance(a, bytes) else os.fsencode(str(a)) for a in argv]
    began = time.perf_counter()
    done = subprocess.run(
        [os.fsencode(IJDQA), *args], capture_output=True, timeout=300, env=clean_env(), cwd=cwd
    )
    return Ran(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        time.perf_counter() - began,
    )


@pytest.fixture(scope="module")
def cli_results(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    """Every case's subprocess, three at a time (each pays ~1-2 s of imports)."""
    tmp = tmp_path_factory.mktemp("bad-files")
    files = make_files(tmp)
    with ThreadPoolExecutor(3) as pool:
        futures = {c.tried: pool.submit(run_cli, c.argv(files, index_dir), tmp) for c in CASES}
        return {tried: future.result() for tried, future in futures.items()}


def describe(ran: Ran) -> str:
    if ran.returncode:
        lines = [line for line in ran.stderr.splitlines() if line.strip()]
        return f"exit {ran.returncode}: “{clip(lines[-1] if lines else '(no message)')}”"
    out = ran.stdout.strip()
    if out.startswith(REFUSED):
        return "exit 0: refusal (“The report does not say.”)"
    if out.startswith("["):
        return f"exit 0: JSON array of {len(json.loads(out))} item(s)"
    if out.startswith("metric"):
        done = re.findall(r"evaluating (?:\S+ )?(\d+)/", ran.stderr)
        return f"exit 0: {done[-1] if done else '?'} question(s) evaluated, metrics printed"
    return f"exit 0: “{clip(out, 70)}”"


@pytest.mark.parametrize("case", CASES, ids=[c.tried for c in CASES])
def test_cli_bad_input_gives_a_clear_message(case: Case, cli_results: dict[str, Ran]) -> None:
    ran = cli_results[case.tried]
    assert "Traceback" not in ran.stderr, ran.stderr
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    if case.expect == "error":
        assert ran.returncode == 1, (ran.returncode, ran.stdout[:300], ran.stderr)
        assert len(lines) == 1 and lines[0].startswith("ijdqa: error: "), ran.stderr
        assert case.needle in lines[0]
    elif case.expect == "usage":  # argparse: the usage line, then one error line
        assert ran.returncode == 2 and lines[-1].startswith("ijdqa ") and "error:" in lines[-1]
        assert case.needle in lines[-1]
    else:
        assert ran.returncode == 0, ran.stderr
        assert not [line for line in lines if "error" in line.lower()], ran.stderr
        assert ran.stdout.strip() and case.needle in ran.stdout
    slow_input = any(big in case.amount for big in ("MB", "endless", "10,000", "100,000"))
    timed = f" ({ran.seconds:.1f} s)" if case.table == "eval_gold" or slow_input else ""
    record(case.table, case.tried, case.amount, describe(ran) + timed)


def test_gold_files_are_checked_before_anything_is_answered(cli_results: dict[str, Ran]) -> None:
    """A broken 10,000-line gold file is rejected as fast as a broken one-line file: no question
    is answered (and no index opened) before every line has been read."""
    broken = cli_results["10,000 lines, the last one broken"]
    assert "evaluating" not in broken.stderr
    ran = cli_results["10,000 valid lines with `--limit 2`"]
    # "evaluating [SET ]2/2": the progress line may name the gold set
    assert re.search(r"evaluating (?:\S+ )?2/2", ran.stderr), ran.stderr
    assert not re.search(r"evaluating (?:\S+ )?3/", ran.stderr)


# --- the web chat handlers, called directly ----------------------------------------------------


@pytest.fixture(scope="module")
def chat(assistant: Assistant) -> Any:
    from ijdqa import web

    return web.WebChat(assistant)


def bubble_kind(content: str) -> str:
    for kind in ("ijdqa-error", "ijdqa-refusal", "ijdqa-answer"):
        if kind in content:
            return kind.removeprefix("ijdqa-")
    return "?"


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_chat_handler_bad_questions(chat: Any, q: Question) -> None:
    updates = list(chat.respond(q.text, [], None, 6))
    messages, panel, _, conversation, cleared = updates[-1]
    page = json.dumps(messages, ensure_ascii=False) + panel
    assert "Traceback" not in page and 'File "' not in page and cleared == ""
    assert "<script>" not in page and "<img" not in page
    if q.empty:
        assert messages == [] and len(updates) == 1
        happened = "nothing sent; the chat is unchanged"
    elif q.capped:
        content = messages[-1]["content"]
        assert bubble_kind(content) == "error" and "characters long; ask in at most" in content
        happened = "error shown: “the question is … characters long; ask in at most 4,000 …”"
    else:
        kind = bubble_kind(messages[-1]["content"])
        assert kind in ("answer", "refusal")
        if q.answers:
            assert kind == "answer" and "1997" in messages[-1]["content"]
        assert len(conversation.turns) == 2
        happened = f"{kind} shown" + (" (1997, cited)" if q.answers else "")
    record("web_inputs", f"chat: {q.name}", q.amount, happened)


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_ask_api_handler_bad_questions(chat: Any, q: Question) -> None:
    import gradio as gr

    if q.empty:
        with pytest.raises(gr.Error, match="question is empty"):
            chat.ask_json(q.text, 6)
        happened = "gr.Error: “the question is empty; type a question about the report”"
    elif q.capped:
        with pytest.raises(gr.Error, match="characters long; ask in at most"):
            chat.ask_json(q.text, 6)
        happened = "gr.Error: “the question is … characters long; ask in at most 4,000 …”"
    else:
        got = chat.ask_json(q.text, 6)
        json.dumps(got, ensure_ascii=False).encode("utf-8")  # what the API sends must encode
        if q.answers:
            assert not got["refused"] and "1997" in str(got["answer"])
        happened = "refusal JSON" if got["refused"] else "answer JSON (1997, cited)"
    record("web_inputs", f"/ask handler: {q.name}", q.amount, happened)


@pytest.mark.parametrize("k", [0, 51, -1, "many", float("nan"), float("inf"), None])
def test_chat_bad_k_is_a_message(chat: Any, k: Any) -> None:
    messages = list(chat.respond(FOUNDED, [], None, k))[-1][0]
    assert bubble_kind(messages[-1]["content"]) == "error"
    assert "between 1 and 50" in messages[-1]["content"]
    record(
        "web_inputs", f"chat: k = {k!r}", "1 value", "error shown: “k must be … between 1 and 50”"
    )


# --- the Gradio /ask API over HTTP ---------------------------------------------------------


@pytest.fixture(scope="module")
def served(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_app(assistant, tmp_path_factory.mktemp("runs")) as url:
        yield url.rstrip("/")


def call_api(url: str, body: bytes) -> tuple[int, str, str]:
    """POST /gradio_api/call/ask, then read the event stream: (status, event, data)."""
    import httpx

    headers = {"content-type": "application/json"}
    posted = httpx.post(f"{url}/gradio_api/call/ask", content=body, headers=headers, timeout=60)
    if posted.status_code != 200:
        return posted.status_code, "", posted.text
    event_id = posted.json()["event_id"]
    stream = httpx.get(f"{url}/gradio_api/call/ask/{event_id}", timeout=120).text
    event = next((ln[7:] for ln in stream.splitlines() if ln.startswith("event: ")), "")
    data = next((ln[6:] for ln in stream.splitlines() if ln.startswith("data: ")), "")
    return 200, event, data


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_ask_api_over_http_bad_questions(served: str, q: Question) -> None:
    body = json.dumps({"data": [q.text, 6]}).encode()  # \\u escapes carry surrogates and NUL
    status, event, data = call_api(served, body)
    assert status == 200 and "Traceback" not in data
    if q.empty:
        assert event == "error" and "question is empty" in json.loads(data)["error"]
        happened = "event `error`: “the question is empty; …”"
    elif q.capped:
        assert event == "error" and "ask in at most" in json.loads(data)["error"]
        happened = "event `error`: “the question is … characters long; ask in at most 4,000 …”"
    else:
        assert event == "complete", data
        got = json.loads(data)[0]
        if q.answers:
            assert not got["refused"] and "1997" in got["answer"]
        happened = "event `complete`: " + ("refusal" if got["refused"] else "answer (1997, cited)")
    record("web_inputs", f"HTTP /ask: {q.name}", q.amount, happened)


@pytest.mark.parametrize(
    ("tried", "body", "expected"),
    [
        ("k not a number", json.dumps({"data": [FOUNDED, "many"]}).encode(), "between 1 and 50"),
        ("k out of range", json.dumps({"data": [FOUNDED, 1e300]}).encode(), "between 1 and 50"),
        ("question not a string", json.dumps({"data": [{"a": 1}, 6]}).encode(), "must be text"),
        ("body not JSON", b"\xff\xfe not json", "error parsing the body"),
    ],
)
def test_ask_api_over_http_bad_requests(
    served: str, tried: str, body: bytes, expected: str
) -> None:
    status, event, data = call_api(served, body)
    assert "Traceback" not in data and expected in data
    assert status == 400 or event == "error"
    if status == 200:
        shown = f"event `error`: “{clip(json.loads(data)['error'], 90)}”"
    else:
        shown = f"HTTP {status}: “{clip(json.loads(data)['detail'], 90)}”"
    record("web_inputs", f"HTTP /ask: {tried}", "1 request", shown)
    status, event, _ = call_api(served, json.dumps({"data": [FOUNDED, 6]}).encode())
    assert (status, event) == (200, "complete")  # still serving
