"""A small OpenAI-compatible chat server on loopback, for end-to-end tests of the LLM path.

    with OpenAIStub(reply="The IHRC held it [P1].") as stub:
        ChatOpenAI(base_url=stub.base_url, api_key="test", model="stub").invoke("hi")

Speaks what ChatOpenAI uses: POST /v1/chat/completions, plain JSON or, with "stream": true,
server-sent events (`data: {chunk}` lines, then `data: [DONE]`), and GET /v1/models. The reply
is a string or a function of the request body; `status` makes every completion fail with that
HTTP status; `delay` sleeps before answering (to outlast a client's timeout). Every request
body is recorded in `requests`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]


class OpenAIStub:
    def __init__(
        self, reply: Reply = "", *, status: int = 200, delay: float = 0.0, model: str = "stub"
    ) -> None:
        self.reply = reply
        self.status = status
        self.delay = delay
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a handler still sleeping must not hold up stop()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes a handler sleeping through `delay`
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what the handler calls ------------------------------------------------------------

    def text_for(self, body: dict[str, Any]) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    def wait(self) -> None:
        if self.delay:
            self._stopping.wait(self.delay)


def _handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            if self.path.rstrip("/") != "/v1/models":
                return self._json(404, _error("no such path", "not_found"))
            card = {"id": stub.model, "object": "model", "created": 0, "owned_by": "ijdqa-tests"}
            self._json(200, {"object": "list", "data": [card]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._json(404, _error("no such path", "not_found"))
            stub.requests.append(body)
            stub.wait()
            if stub.status != 200:
                return self._json(stub.status, _error("scripted failure", "server_error"))
            try:
                text = stub.text_for(body)
            except Exception as exc:  # a broken script shows up as a server error, not a hang
                return self._json(500, _error(f"reply script failed: {exc!r}", "server_error"))
            try:
                if body.get("stream"):
                    self._stream(text, body)
                else:
                    self._json(200, _completion(text, stub.model))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to do

        def _json(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, text: str, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            for chunk in _chunks(text, stub.model, usage=usage):
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _usage(text: str) -> dict[str, int]:
    tokens = len(text.split())
    return {"prompt_tokens": 10, "completion_tokens": tokens, "total_tokens": 10 + tokens}


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(text),
    }


def _chunks(text: str, model: str, *, usage: bool) -> list[dict[str, Any]]:
    """The reply as chat.completion.chunk objects: role, one chunk per word, then the stop."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-stub",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in re.findall(r"\S+\s*|\s+", text)]
    chunks.append(chunk({}, "stop"))
    if usage:
        chunks.append({**chunk({}), "choices": [], "usage": _usage(text)})
    return chunks
