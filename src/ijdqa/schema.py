"""The answer JSON of docs/json.md as types: what `render.answer_dict` returns, what the
gradio_client endpoints and POST /api/ask declare (so their schemas are typed, not `Any`).

docs/answer.schema.json is the same contract as a JSON Schema; tests check the two agree.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12


class Message(TypedDict):
    """One earlier turn of a conversation, in the usual chat-messages form."""

    role: Literal["user", "assistant"]
    content: str


class Generator(TypedDict):
    name: str
    version: str
    answerer: str
    model: str | None


class Source(TypedDict):
    footnote: int
    url: str | None
    date: str | None
    note: str


class FootnoteDetail(TypedDict):
    number: int
    text: str
    urls: list[str]
    date: str | None
    kind: str
    same_as: int | None
    page: int
    cited_in: str | None


class CitationJSON(TypedDict):
    marker: int
    chunk_id: str
    quote: str
    start: int
    end: int
    page: int
    section: str
    kind: str
    source: str
    footnotes: list[int]
    sources: list[Source]
    footnote_details: list[FootnoteDetail]
    source_excerpt: str | None
    source_status: str | None


class Passage(TypedDict):
    chunk_id: str
    page: int
    section: str
    kind: str
    text: str
    footnotes: list[int]


class AnswerJSON(TypedDict):
    question: str
    answer: str
    refused: bool
    answerer: str
    generator: Generator
    citations: list[CitationJSON]
    see_also: list[Passage]
    notes: list[str]
    dropped_markers: int
    unsupported: list[str]
    resolved_question: str | None
    timings_ms: dict[str, float]
