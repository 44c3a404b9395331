"""The LLM answerer: retrieved passages in, a chat model's answer out, checked by code.

The model sees passages P1..Pk, the conversation and the question, each delimited as data, and
proposes an answer that cites keys like [P2]. Code then keeps only what it can check:

- a key that names no passage (or a bare [3]) is dropped and counted in `dropped_markers`;
- a sentence is kept only when a passage it cites supports it: at least half of its content
  words occur in the passage, or the passage contains it (an instruction planted in a passage
  supports nothing); and every number, date, percentage and name in it occurs in that passage
  or its footnotes, and any negation in it is in the passage sentence it rests on (claims.py).
  An uncited sentence is kept only when one passage supports it, and is cited to that passage.
  Every other sentence leaves the text and is listed in `unsupported` as
  "SENTENCE (dropped: REASON)";
- a degenerate reply is rejected whole: one that cites no retrieved passage at all (no keys,
  or only keys that name nothing retrieved); a sentence of one word repeated is dropped;
- each kept citation quotes the best-matching sentence of the cited passage verbatim; markers
  are numbered [1], [2], ... in order of first use.

A reply that is the refusal sentinel becomes the extractive answerer's refusal. A model that
fails, times out, or replies with nothing usable yields the extractive answer with a note.

The checks of one sentence are validate.py's; the reply cut into sentences as it streams and
laid out is draft.py's; this module retrieves, prompts, and falls back.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ijdqa import prompts
from ijdqa.answer.followup import resolve_followup
from ijdqa.answer.question import strip_instructions
from ijdqa.draft import Draft
from ijdqa.errors import AnswerStreamError, LLMError
from ijdqa.search.fusion import clean_query
from ijdqa.types import Answer, Chunk, Pending, Turn
from ijdqa.validate import Validator
from ijdqa.writer import ChatWriter, Writer, fit

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ijdqa.answer import ExtractiveAnswerer


class LLMAnswerer:
    """Answers with a chat model over the extractive answerer's index; falls back to it."""

    def __init__(
        self,
        extractive: ExtractiveAnswerer,
        model: Writer | BaseChatModel,
        *,
        name: str | None = None,
        timeout: float | None = None,
    ) -> None:
        """`model` is a Writer (writer.py), or a LangChain chat model to wrap in a ChatWriter."""
        if not all(callable(getattr(model, m, None)) for m in ("prompt", "tokens", "reply")):
            model = ChatWriter(model, name=name or "chat")  # type: ignore[arg-type]
        self.writer: Writer = model  # type: ignore[assignment]
        self.extractive = extractive
        self.view = extractive.view
        self.index = extractive.index
        self.name = f"llm:{name or self.writer.name}"
        self.timeout = timeout

    def answer(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int = 6,
        filters: dict[str, Any] | None = None,
    ) -> Answer:
        final: Answer | None = None
        for item in self.stream(question, history=history, k=k, filters=filters):
            if isinstance(item, Answer):
                final = item
        if final is None:  # stream() ends with an Answer; a subclass's may not
            raise AnswerStreamError("the LLM answer stream ended without an answer")
        return final

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int = 6,
        filters: dict[str, Any] | None = None,
    ) -> Iterator[str | Pending | Answer]:
        """Text deltas of the checked answer as it forms, then the final Answer.

        The str deltas join to the final Answer's text, except when the model fails part-way:
        the final Answer (the extractive fallback, with its note) then replaces what was shown.
        Between them, Pending items carry the words of the sentence still being written, token
        by token, unchecked: each replaces the one before, and a str delta supersedes them.
        """
        started = time.perf_counter()
        asked = clean_query(question)
        core = strip_instructions(asked)
        resolved = resolve_followup(core, history)
        base = Answer(
            question=asked,
            text="",
            answerer=self.name,
            resolved_question=resolved if resolved != core else None,
        )
        hits = self.index.search(resolved, k=k, filters=filters)
        timings = {"retrieve": time.perf_counter() - started}
        if not hits:
            final, shown = self.extractive.refuse(base, resolved, k=k), ""
        else:
            passages = {f"P{i}": hit.chunk for i, hit in enumerate(hits, start=1)}
            draft = yield from self._reply(asked, passages, history)
            if draft.note:
                base = replace(base, notes=(*base.notes, draft.note))
            timings["llm"] = time.perf_counter() - started - timings["retrieve"]
            shown = draft.text
            if draft.failure is not None:
                final = self._fallback(question, draft, history=history, k=k, filters=filters)
            elif draft.refused:
                final = self.extractive.refuse(base, resolved, k=k)
            else:
                final = draft.answer(base)
        if not shown:
            yield final.text
        yield replace(final, timings={**final.timings, **timings})

    def _reply(
        self, question: str, passages: Mapping[str, Chunk], history: Sequence[Turn]
    ) -> Generator[str | Pending, None, Draft]:
        """Stream the model's reply through the checks; the draft records how it went."""
        try:
            fitted = fit(self.writer, question, passages, history)
        except LLMError as exc:
            draft = Draft(Validator(self.view, passages))
            draft.failure = str(exc)
            return draft
        draft = Draft(Validator(self.view, fitted.passages))
        draft.note = fitted.note
        try:
            for delta in self.writer.reply(fitted.prompt, timeout=self.timeout):
                yield from draft.feed(delta)
            yield from draft.close()
        except LLMError as exc:
            draft.failure = str(exc)
        return draft

    def _fallback(
        self,
        question: str,
        draft: Draft,
        *,
        history: Sequence[Turn],
        k: int,
        filters: dict[str, Any] | None,
    ) -> Answer:
        """The extractive answer, noting why; the model's discarded sentences stay listed."""
        answer = self.extractive.answer(question, history=history, k=k, filters=filters)
        note = prompts.render("llm_fallback", reason=draft.failure)
        return replace(
            answer,
            notes=(*answer.notes, note),
            dropped_markers=answer.dropped_markers + draft.check.dropped,
            unsupported=(*answer.unsupported, *draft.check.unsupported),
        )
