"""Settings: read from the environment (prefix IJDQA_) once, at the edge. Data only.

A keyword that names no setting (`Settings(k_typo=3)`) is a SettingsError naming it and the
settings it may have meant, and so is a value out of range; an `IJDQA_*` variable that names no
setting is reported as a warning and ignored: the environment is shared with other programs
and shells, so a stale variable there should not stop every command.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ijdqa.errors import SettingsError

log = logging.getLogger(__name__)

PREFIX = "IJDQA_"
# passages a question may read: from one to well past what an answer uses (up to four
# sentences), so a reader can widen the net; more only slows answers down
K_MAX = 50
PORT_MAX = 65535  # the highest TCP port


class Settings(BaseSettings):
    """Every knob ijdqa reads. The CLI and web entry points build one and pass plain values on."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid")

    def __init__(self, **values: Any) -> None:
        """`values` override the environment; pydantic-settings' own options (`_env_file`,
        ...) start with an underscore and pass through."""
        names = list(type(self).model_fields)
        for key in values:
            if not key.startswith("_") and key not in names:
                raise SettingsError(unknown_setting(key, names))
        for variable in unknown_variables(os.environ, names):
            log.warning("warning: %s", unknown_variable(variable, names))
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise SettingsError(
                f"invalid setting ({problems}); check the IJDQA_* variables"
            ) from exc

    # corpus
    report: Path | None = Field(
        None, description="A report-style text file to use instead of the bundled report."
    )
    # index
    index_dir: Path = Field(
        Path("index"), description="Where the built index (Chroma store, manifest, sources) lives."
    )
    embedding_model: Path | None = Field(
        None,
        description="A local sentence-transformers folder; default: the packaged all-MiniLM-L6-v2.",
    )
    chroma_url: str | None = Field(
        None, description="http://HOST:PORT of a Chroma server to use instead of the local store."
    )
    # retrieval and answers
    k: int = Field(
        6, ge=1, le=K_MAX, description="How many passages retrieval hands to the answerer."
    )
    scope: Literal["report", "sources", "all"] = Field(
        "report", description="Which texts retrieval searches."
    )
    # LLM answerer (optional)
    llm: Literal["none", "local", "openai", "ollama"] = Field(
        "none",
        description="Which model answers: 'none' = extractive; 'local' = the bundled Gemma 3 "
        "270M (make llm); 'openai' / 'ollama' = a chat model behind an endpoint.",
    )
    llm_model: str = Field(
        "local-model",
        description="Model name sent to the chat endpoint; with --llm local, a GGUF file to run "
        "instead of the bundled model.",
    )
    llm_context: int | None = Field(
        None,
        ge=256,
        le=131072,
        description="Tokens the model's context window holds; the prompt is cut to fit "
        "(default: 2048 for the local model, not cut for an endpoint).",
    )
    llm_base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible or Ollama server."
    )
    llm_api_key: str | None = Field(
        None, description="API key for the endpoint (read from the environment only)."
    )
    llm_timeout: float = Field(
        30.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds before an LLM call is abandoned (at most an hour).",
    )
    # web chat
    host: str = Field("127.0.0.1", description="Address the web chat binds to.")
    port: int = Field(7860, ge=1, le=PORT_MAX, description="Port of the web chat.")
    auth: str | None = Field(None, description="USER:PASS to require a login in the web chat.")


def unknown_variables(environ: Mapping[str, str], names: Iterable[str]) -> list[str]:
    """The `IJDQA_*` variables of `environ` that name no setting (matched, as pydantic-settings
    reads them, without regard to case)."""
    known = {PREFIX + name.upper() for name in names}
    return sorted(k for k in environ if k.upper().startswith(PREFIX) and k.upper() not in known)


CLOSE = 0.75  # difflib similarity from which a known setting is offered for an unknown name


def close_names(key: str, names: Sequence[str]) -> list[str]:
    """The settings `key` may have meant ("llm_modle" -> llm_model), closest first."""
    return difflib.get_close_matches(key.lower(), names, n=3, cutoff=CLOSE)


def _hint(key: str, names: Sequence[str], spell: Callable[[str], str] = str) -> str:
    """What an unknown name may have meant, else every name there is, as `spell` writes them."""
    close = close_names(key, names)
    if close:
        return f"did you mean {' or '.join(map(spell, close))}?"
    return f"the settings are {', '.join(map(spell, names))}"


def unknown_setting(key: str, names: Sequence[str]) -> str:
    return f"unknown setting {key!r}; {_hint(key, names)}"


def unknown_variable(variable: str, names: Sequence[str]) -> str:
    hint = _hint(variable[len(PREFIX) :], names, lambda n: PREFIX + n.upper())
    return f"{variable} names no setting and is ignored; {hint}"
