"""Settings: read from the environment (prefix IJDQA_) once, at the edge. Data only."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob ijdqa reads. The CLI and web entry points build one and pass plain values on."""

    model_config = SettingsConfigDict(env_prefix="IJDQA_", extra="ignore")

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
    k: int = Field(6, ge=1, le=50, description="How many passages retrieval hands to the answerer.")
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
    port: int = Field(7860, ge=1, le=65535, description="Port of the web chat.")
    auth: str | None = Field(None, description="USER:PASS to require a login in the web chat.")
