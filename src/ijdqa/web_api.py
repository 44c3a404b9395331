"""POST /api/ask: the answer JSON over plain HTTP, on the same FastAPI app that serves Gradio.

    curl -s 127.0.0.1:7860/api/ask -H 'content-type: application/json' \\
         -d '{"question": "When was the IHRC founded?"}'

The routes are handed to Gradio's FastAPI app when it is created (`app_kwargs={"routes": ...}`),
so they exist before the server accepts a request and come before Gradio's own routes. The
OpenAPI schema of this API alone is at /api/openapi.json (Gradio's own is under /gradio_api/).
With a login (--auth) the API asks for the same user and password by HTTP Basic auth.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Literal

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from ijdqa import __version__
from ijdqa.errors import IjdqaError, QueryError
from ijdqa.schema import AnswerJSON

Ask = Callable[..., AnswerJSON]


class Turn(BaseModel):
    role: Literal["user", "assistant"] = Field("user", description="who said it")
    content: str = Field(..., description="what was said")


class AskRequest(BaseModel):
    """A question, with the conversation before it for follow-ups."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="the question about the report")
    history: list[Turn] = Field(
        default_factory=list, description="earlier turns, oldest first, for follow-up questions"
    )
    k: int | None = Field(None, ge=1, le=50, description="passages read (default 6)")
    scope: Literal["report", "sources", "all"] | None = Field(
        None, description="answer from the report (default), the fetched sources, or all"
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "a login is set (--auth) and the request did not give it"},
    422: {"description": "an unusable request; `detail` says why, in one line"},
    503: {"description": "the index or the model is not ready; `detail` says what to do"},
}


def routes(ask: Ask, *, auth: tuple[str, str] | None = None, workers: int = 2) -> list[APIRoute]:
    """The API routes over `ask(question, history=..., k=..., scope=...)`.

    Answers are computed by `workers` threads of a pool of our own, first come first served:
    waiting requests wait in its queue, not as threads racing for a lock (which let late
    arrivals overtake and stretched the tail under load)."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ijdqa-api")

    async def ask_route(body: AskRequest, request: Request) -> AnswerJSON:
        """Answer one question with footnote-level citations (the `ijdqa ask --json` object)."""
        check_login(request, auth)
        history = [(t.role, t.content) for t in body.history]
        job = partial(ask, body.question, history=history, k=body.k, scope=body.scope)
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except QueryError as exc:
            raise HTTPException(422, str(exc)) from exc
        except IjdqaError as exc:
            raise HTTPException(503, str(exc)) from exc

    api = [
        APIRoute(
            "/api/ask",
            ask_route,
            methods=["POST"],
            response_model=AnswerJSON,
            responses=ERRORS,
            summary="Ask the report",
            tags=["ijdqa"],
        )
    ]

    def openapi() -> JSONResponse:
        schema = get_openapi(
            title="ijdqa",
            version=__version__,
            description="Questions about one report, answered with footnote-level citations.",
            routes=api,
        )
        return JSONResponse(schema)

    return [*api, APIRoute("/api/openapi.json", openapi, methods=["GET"], include_in_schema=False)]


def check_login(request: Request, auth: tuple[str, str] | None) -> None:
    if auth is None:
        return
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    good = secrets.compare_digest(user.encode(), auth[0].encode()) & secrets.compare_digest(
        password.encode(), auth[1].encode()
    )
    if scheme.lower() != "basic" or not good:
        raise HTTPException(
            401,
            "this app needs a login: pass USER:PASS by HTTP Basic auth",
            {"WWW-Authenticate": "Basic"},
        )


async def one_line_errors(request: Request, exc: Exception) -> JSONResponse:
    """A bad /api/ request says what is wrong in one line; Gradio's routes keep FastAPI's form."""
    from fastapi.exception_handlers import request_validation_exception_handler

    if not request.url.path.startswith("/api/") or not isinstance(exc, RequestValidationError):
        return await request_validation_exception_handler(request, exc)  # type: ignore[arg-type]
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return JSONResponse({"detail": "; ".join(problems)}, status_code=422)


def app_kwargs(
    ask: Ask, *, auth: tuple[str, str] | None = None, workers: int = 2
) -> dict[str, Any]:
    """What Gradio's FastAPI app is created with: our routes and our validation errors."""
    return {
        "routes": routes(ask, auth=auth, workers=workers),
        "exception_handlers": {RequestValidationError: one_line_errors},
        "openapi_url": None,  # FastAPI's own would list every Gradio route
    }
