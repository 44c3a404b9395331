"""Chat-model adapters: the only module that imports a provider SDK (langchain_openai, _ollama).

- make_chat_model: provider name + endpoint settings -> a LangChain chat model (no network);
- stream_reply: system + user prompt -> the reply's text deltas, every failure an LLMError
  whose message says what went wrong in words a user can act on.

Provider SDKs are imported inside the functions, so importing ijdqa stays cheap.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ijdqa.errors import LLMError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROVIDERS = ("openai", "ollama")
# a key-less local OpenAI-compatible server (llama.cpp, vLLM, LM Studio) ignores the key,
# but the SDK insists on one
UNUSED_KEY = "unused"


def make_chat_model(
    provider: str,
    model: str,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float = 30.0,
    *,
    max_retries: int = 0,
) -> BaseChatModel:
    """A chat model for `provider` ("openai" or "ollama"). Makes no request.

    Retries default to none: a failed call falls back to the extractive answer at once
    instead of waiting through the SDK's backoff.
    """
    if provider == "openai":
        return _openai(model, base_url, api_key, timeout, max_retries)
    if provider == "ollama":
        return _ollama(model, base_url, timeout)
    raise LLMError(
        f"unknown LLM provider {provider!r}; choose one of: none, {', '.join(PROVIDERS)}"
    )


def _openai(
    model: str, base_url: str | None, api_key: str | None, timeout: float, max_retries: int
) -> BaseChatModel:
    if not api_key and not base_url:
        raise LLMError(
            "the OpenAI API needs a key: set IJDQA_LLM_API_KEY, "
            "or IJDQA_LLM_BASE_URL for a local OpenAI-compatible server"
        )
    from pydantic import SecretStr

    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise LLMError("langchain-openai is not installed; pip install langchain-openai") from exc
    try:
        return ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=SecretStr(api_key or UNUSED_KEY),
            timeout=timeout,
            max_retries=max_retries,
        )
    except Exception as exc:  # pydantic validation or SDK client set-up
        raise LLMError(f"cannot set up the OpenAI chat model {model!r}: {exc}") from exc


def _ollama(model: str, base_url: str | None, timeout: float) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise LLMError("langchain-ollama is not installed; pip install langchain-ollama") from exc
    try:
        return ChatOllama(model=model, base_url=base_url, client_kwargs={"timeout": timeout})
    except Exception as exc:
        raise LLMError(f"cannot set up the Ollama chat model {model!r}: {exc}") from exc


def stream_reply(
    model: BaseChatModel, system: str, user: str, *, timeout: float | None = None
) -> Iterator[str]:
    """The text deltas of the model's reply to a system and a user message.

    `timeout` bounds the whole reply (the SDK's own timeout bounds each read). Every failure,
    including a model that stops mid-reply, is raised as LLMError with a short reason.
    """
    from langchain_core.messages import HumanMessage, SystemMessage

    deadline = time.monotonic() + timeout if timeout else None
    messages = [SystemMessage(content=system), HumanMessage(content=user)]
    try:
        for chunk in model.stream(messages):
            text = _text(chunk.content)
            if text:
                yield text
            if deadline is not None and time.monotonic() > deadline:
                raise LLMError(f"the model timed out after {timeout:g} s")
    except LLMError:
        raise
    except Exception as exc:  # any provider or transport failure becomes one error type
        raise LLMError(describe_failure(exc, timeout=timeout)) from exc


def _text(content: Any) -> str:
    """The visible text of a message chunk: a string, or the text blocks of a block list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            b if isinstance(b, str) else str(b.get("text", ""))
            for b in content
            if isinstance(b, str) or (isinstance(b, dict) and b.get("type") == "text")
        ]
        return "".join(parts)
    return ""


def describe_failure(exc: BaseException, *, timeout: float | None = None) -> str:
    """A one-line reason for a failed chat call, without a traceback."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if isinstance(exc, TimeoutError) or "Timeout" in name:
        return f"the model timed out after {timeout:g} s" if timeout else "the model timed out"
    if isinstance(status, int):
        return f"the model server answered HTTP {status}"
    if "Connect" in name or isinstance(exc, ConnectionError):
        return "the model server cannot be reached"
    detail = " ".join(str(exc).split())[:160]
    if "no generation chunks" in detail.lower():  # LangChain's word for an empty stream
        return "the model returned an empty answer"
    return f"the model failed with {name}: {detail}" if detail else f"the model failed with {name}"
