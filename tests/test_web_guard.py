"""web_guard.py: caps and throttles at the web app's door, as a unit and on a served app.

The probes of issue 12: a 200 MB question to /gradio_api/call/ask (accepted; the server grew
from 325 MB to 2.5 GB), 100 MB uploads to /gradio_api/upload from anyone, 200 wrong logins in
0.2 s with no slowdown, and --host 0.0.0.0 without auth and without a word.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ijdqa import web_guard
from ijdqa.errors import QueryError
from ijdqa.web_guard import MAX_QUESTION_CHARS, Guard, check_question, exposure_warning
from support import copy_index, free_port, record

FOUNDED = "When was the IHRC founded?"

# --- the middleware as a unit -----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def call(guard: Guard, path: str, *, method: str = "POST", headers=(), client="10.0.0.7"):
    """One request through the guard: (status, headers, decoded JSON body or None)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": list(headers),
        "client": (client, 5555),
    }
    asyncio.run(guard(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    return start["status"], dict(start["headers"]), data


def login_app(password_ok: list[bool]) -> Any:
    """Stands in for Gradio's /login: 200 when the next item of password_ok is True, else 400."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        status = 200 if password_ok.pop(0) else 400
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


def test_file_routes_are_refused_and_others_pass() -> None:
    guard = Guard(login_app([True, True]))
    for path in ("/gradio_api/upload", "/gradio_api/upload/", "/gradio_api/process_recording"):
        status, _, data = call(guard, path)
        assert status == 403 and data == {"error": "uploads are disabled: this app takes no files"}
    assert call(guard, "/gradio_api/call/ask")[0] == 200


def test_an_oversized_body_is_refused_before_it_is_read() -> None:
    guard = Guard(login_app([True]), max_body=1000)
    status, _, data = call(guard, "/gradio_api/call/ask", headers=[(b"content-length", b"1001")])
    assert status == 413 and "1,001 bytes; the limit is 1,000" in data["error"]
    assert call(guard, "/x", headers=[(b"content-length", b"1000")])[0] == 200


def test_a_body_without_content_length_is_counted_as_it_arrives() -> None:
    async def reader(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    guard = Guard(reader, max_body=1000)
    chunks = [b"x" * 400] * 3
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": chunks.pop(), "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/gradio_api/call/ask", "headers": []}
    asyncio.run(guard(scope, receive, send))
    assert sent[0]["status"] == 413
    assert "over 1,000 bytes" in json.loads(sent[1]["body"])["error"]


def test_failed_logins_lock_the_address_out_for_longer_each_time() -> None:
    clock = Clock()
    outcomes = [False] * 8 + [True]
    guard = Guard(login_app(outcomes), free_failures=5, clock=clock)
    statuses = [call(guard, "/login")[0] for _ in range(5)]
    assert statuses == [400] * 5  # five free tries
    assert call(guard, "/login")[0] == 400  # the sixth: wrong, and now locked for 1 s
    status, headers, data = call(guard, "/login")
    assert status == 429 and headers[b"retry-after"] == b"1"
    assert data == {"error": "too many failed logins; try again in 1 s"}
    assert call(guard, "/login", client="10.0.0.8")[0] == 400  # another address is not locked
    clock.now += 1.01
    assert call(guard, "/login")[0] == 400  # the seventh wrong one: locked for 2 s
    clock.now += 1.5
    assert call(guard, "/login")[0] == 429
    clock.now += 0.6
    assert call(guard, "/login")[0] == 200  # the right password, once let in, clears the count
    assert "10.0.0.7" not in guard.failures
    assert outcomes == []  # no locked-out attempt reached the password check


def test_the_lockout_is_capped() -> None:
    guard = Guard(login_app([False] * 40), free_failures=0, max_lockout=300, clock=Clock())
    for count in range(1, 40):
        guard._failed("c", count, 0.0)
    assert guard.failures["c"] == (39, 300.0)


def test_the_question_cap_is_a_message() -> None:
    check_question("x" * MAX_QUESTION_CHARS)
    with pytest.raises(QueryError, match="is 4,001 characters long; ask in at most 4,000"):
        check_question("x" * (MAX_QUESTION_CHARS + 1))
    check_question({"not": "text"})  # the answerer says "must be text"


@pytest.mark.parametrize(
    ("host", "auth", "warned"),
    [
        ("127.0.0.1", None, False),
        ("127.0.0.2", None, False),
        ("::1", None, False),
        ("localhost", None, False),
        ("0.0.0.0", None, True),
        ("::", None, True),
        ("192.168.1.20", None, True),
        ("example.org", None, True),
        ("0.0.0.0", ("ana", "s3cret"), False),
    ],
)
def test_binding_beyond_loopback_without_a_login_is_warned(host, auth, warned) -> None:
    warning = exposure_warning(host, auth)
    assert (warning is not None) == warned
    if warning:
        assert host in warning and "--auth" in warning


def test_the_private_gradio_cache_is_removed_at_exit(tmp_path: Path) -> None:
    code = "from ijdqa.web_guard import private_cache; import os; f = private_cache(); "
    code += "(f / 'left.txt').write_text('x'); print(f, os.environ['GRADIO_TEMP_DIR'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    folder, env = out.stdout.split()
    assert folder == env and "ijdqa-gradio-" in folder
    assert not Path(folder).exists()


def test_the_private_gradio_cache_goes_on_sigterm_and_after_a_kill() -> None:
    code = "from ijdqa.web_guard import private_cache; import time; f = private_cache(); "
    code += "(f / 'left.txt').write_text('x'); print(f, flush=True); time.sleep(60)"
    folders = []
    for sig in ("TERM", "KILL"):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        folders.append(Path(proc.stdout.readline().strip()))
        assert folders[-1].exists()
        proc.terminate() if sig == "TERM" else proc.kill()
        proc.wait(timeout=30)
    assert not folders[0].exists()  # SIGTERM ran the clean-up
    assert folders[1].exists()  # SIGKILL cannot; the next server's start removes it
    subprocess.run([sys.executable, "-c", "from ijdqa.web_guard import private_cache as p; p()"])
    assert not folders[1].exists()


# --- on a served app ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(shared_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from ijdqa import web
    from ijdqa.app import build_assistant
    from ijdqa.config import Settings

    index_dir = copy_index(shared_index, tmp_path_factory.mktemp("index"))
    assistant = build_assistant(Settings(_env_file=None, index_dir=index_dir), build=False)
    demo = web.create_app(assistant, runs_dir=tmp_path_factory.mktemp("runs"))
    port = free_port()
    web.launch(
        demo,
        host="127.0.0.1",
        port=port,
        auth=("ana", "s3cret"),
        prevent_thread_lock=True,
        quiet=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()


def raw_post(url: str, path: str, length: int, sent: bytes) -> tuple[int, str]:
    """POST with a Content-Length of `length` but only `sent` bytes of body: status, body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n"
        )
        sock.sendall(head.encode() + sent)
        reply = b""
        while b"\r\n\r\n" not in reply or len(reply.split(b"\r\n\r\n", 1)[1]) < 2:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    return status, reply.split(b"\r\n\r\n", 1)[1].decode(errors="replace")


@pytest.mark.slow
def test_a_200_mb_question_is_refused_unread(served: str) -> None:
    started = time.monotonic()
    status, body = raw_post(served, "/gradio_api/call/ask", 200_000_000, b'{"data": ["')
    seconds = time.monotonic() - started
    assert status == 413 and "the limit is 4,000,000" in json.loads(body)["error"]
    assert seconds < 5  # refused from the header, not after reading 200 MB
    record(
        "web_inputs",
        "HTTP: a 200 MB request body (Content-Length 200,000,000)",
        "1 request",
        f"HTTP 413 in {seconds:.2f} s, body unread: “the request is 200,000,000 bytes; the "
        "limit is 4,000,000 (ask a question, not a document)”",
    )


@pytest.mark.slow
def test_uploads_are_refused_even_when_logged_in(served: str) -> None:
    import httpx

    with httpx.Client(base_url=served, timeout=30) as client:
        anonymous = client.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 1000)})
        assert client.post("/login", data={"username": "ana", "password": "s3cret"}).is_success
        logged_in = client.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 1000)})
    assert anonymous.status_code == logged_in.status_code == 403
    assert logged_in.json() == {"error": "uploads are disabled: this app takes no files"}
    record(
        "web_inputs",
        "HTTP: POST /gradio_api/upload (anonymous, then logged in)",
        "2 requests of 1 KB",
        "HTTP 403 both: “uploads are disabled: this app takes no files”; Gradio's cache is a "
        "private temporary folder removed at exit",
    )


@pytest.mark.slow
def test_200_wrong_logins_are_throttled(served: str) -> None:
    import httpx

    statuses = []
    started = time.monotonic()
    with httpx.Client(base_url=served, timeout=30) as client:
        for _ in range(200):
            wrong = {"username": "ana", "password": "guess"}
            statuses.append(client.post("/login", data=wrong).status_code)
        right = client.post("/login", data={"username": "ana", "password": "s3cret"})
    seconds = time.monotonic() - started
    checked = statuses.count(400)
    assert statuses[: web_guard.FREE_FAILURES] == [400] * web_guard.FREE_FAILURES
    assert statuses.count(429) >= 190 and checked <= 10
    assert right.status_code == 429  # still locked out: the lock does not test the password
    record(
        "web_inputs",
        "HTTP: 200 wrong logins from one address, then the right one",
        "201 requests",
        f"{checked} checked (HTTP 400), {statuses.count(429)} refused with HTTP 429 and "
        f"Retry-After, in {seconds:.1f} s; the right password during the lockout is refused too",
    )


def test_launch_wires_the_guard_and_warns_beyond_loopback() -> None:
    import logging

    from ijdqa import web

    class FakeDemo:
        def __init__(self) -> None:
            self.calls: list[dict[str, Any]] = []

        def launch(self, **kwargs: Any) -> None:
            self.calls.append(kwargs)

    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    demo, kept = FakeDemo(), Keep()
    logger = logging.getLogger("ijdqa.web")  # the CLI's "ijdqa" handler may stop propagation
    logger.addHandler(kept)
    try:
        web.launch(demo, host="0.0.0.0", port=7999)  # type: ignore[arg-type]
        web.launch(demo, host="0.0.0.0", port=7999, auth=("ana", "s3cret"))  # type: ignore[arg-type]
        web.launch(demo, host="127.0.0.1", port=7999)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(kept)
    assert kept.messages == [f"warning: {exposure_warning('0.0.0.0', None)}"]
    for call in demo.calls:
        assert call["max_file_size"] == 1 and call["share"] is False
        assert [m.cls for m in call["app_kwargs"]["middleware"]] == [Guard]
