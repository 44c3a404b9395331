"""Limits at the web app's door: nothing a client sends can exhaust the machine.

- a question longer than MAX_QUESTION_CHARS is refused with a message (`check_question`, in
  every handler) and the page's textbox stops at that length;
- a request body over MAX_BODY_BYTES is refused with HTTP 413 before it is read (a 200 MB
  question once took the server from 325 MB to 2.5 GB); a body without Content-Length is
  counted as it arrives and refused the same way once it passes the cap;
- uploads are refused (HTTP 403): the app has no file input, so POST /gradio_api/upload (and
  Gradio's other file routes) serve nobody; Gradio's cache lives in a private temporary folder
  that is removed when the server exits (`private_cache`);
- failed logins are throttled per client address: after FREE_FAILURES wrong passwords each
  further one locks that address out for twice as long as the last (1 s, 2 s, 4 s ... up to
  MAX_LOCKOUT_S), with HTTP 429 and Retry-After; a right password clears the count;
- `exposure_warning` says so when the app binds beyond loopback without a login.

`app_kwargs()` is what web.launch passes to Gradio's FastAPI app. Middleware here is plain ASGI:
importing this module imports nothing else.
"""

from __future__ import annotations

import atexit
import ipaddress
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from ijdqa.errors import QueryError
from ijdqa.fileio import pid_alive

MAX_QUESTION_CHARS = 4_000  # a long paragraph; the report's longest is about 1,700
MAX_BODY_BYTES = 4_000_000  # a question, its k and a long conversation, not a document
FREE_FAILURES = 5
MAX_LOCKOUT_S = 300.0
_TRACKED_CLIENTS = 10_000
SUCCESS = range(200, 300)  # an HTTP status that clears a client's failures
# Gradio routes that take files; the app has no file input, so none of them has a use
_FILE_ROUTES = ("/gradio_api/upload", "/gradio_api/process_recording")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def check_question(question: object) -> None:
    """QueryError for a question over MAX_QUESTION_CHARS (others are checked by the answerer)."""
    if isinstance(question, str) and len(question) > MAX_QUESTION_CHARS:
        raise QueryError(
            f"the question is {len(question):,} characters long; ask in at most "
            f"{MAX_QUESTION_CHARS:,} (a question, not a document)"
        )


def app_kwargs() -> dict[str, Any]:
    """Keyword arguments for Gradio's FastAPI app: the guard middleware."""
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(Guard)]}


def exposure_warning(host: str, auth: object) -> str | None:
    """A warning when the app is reachable beyond this machine and anyone may use it."""
    if auth or _is_loopback(host):
        return None
    return (
        f"serving on {host} without a login: anyone who can reach this machine can use the "
        "chat and read the report; add --auth USER:PASS (or IJDQA_AUTH), or bind 127.0.0.1"
    )


def private_cache() -> Path:
    """A private folder for Gradio's cache (GRADIO_TEMP_DIR), removed when the process exits.

    Call before gradio is imported: it reads the variable then. SIGTERM exits through the
    clean-up too, and the folders of earlier servers that were killed outright are removed."""
    prefix = "ijdqa-gradio-"
    for stale in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = stale.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    main = threading.current_thread() is threading.main_thread()
    if main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    return folder


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    """ASGI middleware: refuse file routes and oversized bodies, throttle failed logins."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int = MAX_BODY_BYTES,
        free_failures: int = FREE_FAILURES,
        max_lockout: float = MAX_LOCKOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.free_failures = free_failures
        self.max_lockout = max_lockout
        self.clock = clock
        self.failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = str(scope.get("path", "")).rstrip("/")
        if path in _FILE_ROUTES:
            return await _reply(send, 403, "uploads are disabled: this app takes no files")
        length = _content_length(scope)
        if length is not None and length > self.max_body:
            return await _reply(send, 413, self._too_large(f"{length:,} bytes"))
        counted, started = _Counted(receive, self.max_body), [False]

        async def watch(message: Message) -> None:
            started[0] = started[0] or message["type"] == "http.response.start"
            await send(message)

        try:
            if scope.get("method") == "POST" and path == "/login":
                return await self._login(scope, counted, watch)
            return await self.app(scope, counted, watch)
        except _TooLarge:
            if started[0]:
                raise
            return await _reply(send, 413, self._too_large(f"over {self.max_body:,} bytes"))

    def _too_large(self, size: str) -> str:
        return f"the request is {size}; the limit is {self.max_body:,} (ask a question, not a document)"

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = str((scope.get("client") or ("?",))[0])
        now = self.clock()
        count, until = self.failures.get(client, (0, 0.0))
        if until > now:
            wait = math.ceil(until - now)
            return await _reply(
                send,
                429,
                f"too many failed logins; try again in {wait} s",
                headers=[(b"retry-after", str(wait).encode())],
            )
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] in (400, 401, 403):
            self._failed(client, count + 1, now)
        elif status and status[0] in SUCCESS:
            self.failures.pop(client, None)

    def _failed(self, client: str, count: int, now: float) -> None:
        over = count - self.free_failures
        lock = min(self.max_lockout, 2.0 ** (over - 1)) if over > 0 else 0.0
        self.failures[client] = (count, now + lock)
        self.failures.move_to_end(client)
        while len(self.failures) > _TRACKED_CLIENTS:
            self.failures.popitem(last=False)


class _TooLarge(Exception):
    pass


class _Counted:
    """`receive`, raising _TooLarge once the body read so far passes `limit` bytes."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.seen = 0

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                raise _TooLarge
        return message


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reply(
    send: Send, status: int, message: str, *, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
