"""Answering a question from the index: the question's analysis, the appendix table, the
footnoted sources, sentence selection and the answer-or-refuse decision.

`Answerer` is what the composition layer (app.py) and the edges rely on; the extractive
answerer is the default one, and the LLM answerer wraps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ijdqa.answer.answerer import ExtractiveAnswerer
from ijdqa.types import Answer, Turn


class Answerer(Protocol):
    """Answers one question (with the conversation before it) from an index and its corpus."""

    name: str
    view: Any
    index: Any

    def answer(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int = 6,
        filters: dict[str, Any] | None = None,
    ) -> Answer: ...


__all__ = ["Answerer", "ExtractiveAnswerer"]
