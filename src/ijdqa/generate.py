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
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ijdqa import claims, prompts
from ijdqa.answer.followup import resolve_followup
from ijdqa.answer.question import strip_instructions
from ijdqa.citations import keep_valid, make_citation
from ijdqa.errors import AnswerStreamError, LLMError
from ijdqa.search.corpus import CorpusView
from ijdqa.search.fusion import clean_query
from ijdqa.search.lexical import tokenize
from ijdqa.text import normalize, sentence_spans
from ijdqa.types import Answer, Chunk, Citation, Pending, Turn
from ijdqa.writer import KEYS, KEYS_RE, ChatWriter, Writer, fit, plain

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ijdqa.answer import ExtractiveAnswerer

SUPPORT = 0.5  # share of a sentence's content words its passage must contain

_KEY_AFTER_STOP_RE = re.compile(r"([.?!][\"”’')]*)((?:\s*" + KEYS + r")+)", re.I)
_WORD_RE = re.compile(r"\w")
_BOUNDARY_RE = re.compile(r"[.?!\n]")
_THINK_RE = re.compile(r"<think>.*?</think>", re.I | re.S)
_THINK_OPEN = "<think>"


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
    ) -> Generator[str | Pending, None, _Draft]:
        """Stream the model's reply through the checks; the draft records how it went."""
        try:
            fitted = fit(self.writer, question, passages, history)
        except LLMError as exc:
            draft = _Draft(Validator(self.view, passages))
            draft.failure = str(exc)
            return draft
        draft = _Draft(Validator(self.view, fitted.passages))
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
        draft: _Draft,
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


# --- checking the reply ------------------------------------------------------------------------


def is_refusal(sentence: str) -> bool:
    return normalize(sentence).startswith(normalize(prompts.refusal()).rstrip("."))


class Validator:
    """Checks reply sentences against the passages and turns kept keys into citations."""

    def __init__(self, view: CorpusView, passages: Mapping[str, Chunk]) -> None:
        self.view = view
        self.passages = dict(passages)
        self.citations: list[Citation] = []
        self.dropped = 0
        self.unsupported: list[str] = []
        self.cited = False  # has the reply cited any retrieved passage yet?
        # an instruction planted in a passage supports nothing, not even a reply that obeys it
        facts = {key: strip_instructions(c.text) for key, c in self.passages.items()}
        self._facts = facts
        self._words = {key: set(tokenize(text)) for key, text in facts.items()}
        self._norms = {key: normalize(text) for key, text in facts.items()}
        self._markers: dict[tuple[str, int, int], int] = {}

    def take(self, sentence: str) -> str | None:
        """The sentence with renumbered markers, or None when no cited passage supports it."""
        keys = self.keys(sentence)
        self.cited = self.cited or bool(keys)
        text = plain(sentence)
        found = self.supporting(text, keys)
        reason = self.claim_problem(text, found) if found else _no_support(keys)
        markers = [] if reason else [self._marker(key, text) for key in found]
        kept = list(dict.fromkeys(m for m in markers if m is not None))
        if not kept:
            self.unsupported.append(f"{text} (dropped: {reason or 'its passage cannot be quoted'})")
            return None
        return f"{text} {''.join(f'[{m}]' for m in kept)}"

    def claim_problem(self, text: str, keys: Sequence[str]) -> str | None:
        """Why the facts of `text` are not those of the passages `keys` (None: they are)."""
        evidence: list[str] = []
        stated: list[str] = []
        for key in keys:
            evidence += self.evidence(key)
            s, e = best_sentence(self._facts[key], text)
            stated.append(self._facts[key][s:e])
        return claims.check(text, evidence, stated)

    def evidence(self, key: str) -> list[str]:
        """What may back a fact of a sentence citing `key`: the passage (instructions left out),
        its footnotes' bodies and dates (for an Ibid, those of the footnote it ends at too,
        however long the chain), and where it sits."""
        chunk = self.passages[key]
        texts = [self._facts[key], f"page {chunk.page}", chunk.section]
        for number in chunk.footnotes:
            texts.append(f"footnote {number}")
            note = self.view.footnote(number)
            target = self.view.report.resolve(number)  # the one Ibid walk (types.Report)
            for shown in dict.fromkeys(n for n in (note, target) if n is not None):
                texts += [strip_instructions(shown.text), shown.date or ""]
        return texts

    def keys(self, sentence: str) -> list[str]:
        """The known passage keys a sentence cites, in order; unknown keys are counted."""
        keys: list[str] = []
        for match in KEYS_RE.finditer(sentence):
            for item in re.split(r"[,;]", match.group(0).strip("[] \t")):
                key = re.sub(r"\s+", "", item).upper()
                if key not in self.passages:
                    self.dropped += 1
                elif key not in keys:
                    keys.append(key)
        return keys

    def supporting(self, text: str, keys: Sequence[str]) -> list[str]:
        """The cited passages that support the text (or the one passage that does, if uncited)."""
        words = set(tokenize(text))
        if not keys:
            best = max(self.passages, key=lambda key: len(words & self._words[key]))
            return [best] if self._supports(text, words, [best]) else []
        alone = [key for key in keys if self._supports(text, words, [key])]
        if alone or len(keys) == 1:
            return alone
        if self._supports(text, words, keys):  # a sentence joining facts of several passages
            return [key for key in keys if words & self._words[key]]
        return []

    def _supports(self, text: str, words: set[str], keys: Sequence[str]) -> bool:
        if words:
            have = set().union(*(self._words[key] for key in keys))
            if len(words & have) >= SUPPORT * len(words):
                return True
        core = normalize(text).strip(" .,;:!?-–—*•\"'")
        return len(core) >= 8 and any(core in self._norms[key] for key in keys)

    def _marker(self, key: str, text: str) -> int | None:
        chunk = self.passages[key]
        start, end = best_sentence(chunk.text, text)
        spot = (chunk.chunk_id, start, end)
        if spot not in self._markers:
            marker = len(self.citations) + 1
            citation = make_citation(
                self.view, chunk, chunk.start + start, chunk.start + end, marker=marker
            )
            if citation is None:
                return None
            self.citations.append(citation)
            self._markers[spot] = marker
        return self._markers[spot]


def _no_support(keys: Sequence[str]) -> str:
    if not keys:
        return "it cites no passage, and no single passage supports it"
    cited = " ".join(f"[{key}]" for key in keys)
    return f"the cited passage {cited} does not support it"


def best_sentence(passage: str, text: str) -> tuple[int, int]:
    """The span of the passage sentence sharing most content words with `text` (first on ties)."""
    spans = sentence_spans(passage) or ((0, len(passage)),)
    words = set(tokenize(text))
    core = normalize(text).strip(" .,;:!?-–—*•\"'")

    def fit(item: tuple[int, tuple[int, int]]) -> tuple[bool, int, int]:
        i, (s, e) = item
        piece = passage[s:e]
        contained = bool(core) and core in normalize(piece)
        return contained, len(words & set(tokenize(piece))), -i

    return max(enumerate(spans), key=fit)[1]


# --- the reply as it streams ----------------------------------------------------------------


class _Draft:
    """The reply, streamed: visible text -> complete sentences -> checked, laid-out text."""

    def __init__(self, check: Validator) -> None:
        self.check = check
        self.visible = _Visible()
        self.sentences = _Sentences()
        self.parts: list[str] = []
        self.kept = 0
        self.refused = False
        self.failure: str | None = None  # why the reply cannot be used, once known
        self.note: str | None = None  # what the answer should say of how it was made
        # kept sentences wait here until one cites a retrieved passage (a reply that never does
        # is rejected whole, unseen); refusal sentences wait for a kept one
        self._held: list[tuple[int, str]] = []
        self._breaks = 0
        self._pending = ""

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def feed(self, delta: str) -> Iterator[str | Pending]:
        for breaks, sentence in self.sentences.feed(self.visible.feed(delta)):
            yield from self._take(breaks, sentence)
        tail = plain(self.sentences.buffer)
        if tail != self._pending:
            self._pending = tail
            yield Pending(tail)

    def close(self) -> Iterator[str | Pending]:
        tail = self.sentences.feed(self.visible.close()) + self.sentences.close()
        for breaks, sentence in tail:
            yield from self._take(breaks, sentence)
        if self._pending:  # the last sentence is checked now: nothing is pending any more
            self._pending = ""
            yield Pending("")
        self.refused = bool(self._held) and not self.kept
        if not self.visible.seen_text:
            self.failure = "the model returned an empty answer"
        elif not self.refused and not self.check.cited:
            self.failure = "its reply cited none of the retrieved passages"
        elif not self.kept and not self.refused:
            self.failure = "no sentence of its answer was supported by the report's passages"

    def answer(self, base: Answer) -> Answer:
        check = self.check
        return keep_valid(
            replace(
                base,
                text=self.text,
                citations=tuple(check.citations),
                dropped_markers=check.dropped,
                unsupported=tuple(check.unsupported),
            )
        )

    def _take(self, breaks: int, sentence: str) -> Iterator[str]:
        self._breaks = max(self._breaks, breaks)
        text = plain(sentence)
        refusal = is_refusal(text)
        if refusal or not _WORD_RE.search(text):
            self.check.keys(sentence)  # a refusal cites nothing: count its unknown keys
            if not refusal:
                return
        checked = text if refusal else self.check.take(sentence)
        if checked is None:
            return  # unsupported: its line break carries over to the next kept sentence
        gap, self._breaks = self._breaks, 0
        self.kept += 0 if refusal else 1
        self._held.append((gap, checked))
        if self.kept and self.check.cited:
            for held_gap, held in self._held:
                yield self._place(held_gap, held)
            self._held.clear()

    def _place(self, breaks: int, text: str) -> str:
        gap = "" if not self.parts else "\n\n" if breaks > 1 else "\n" if breaks else " "
        self.parts.append(gap + text)
        return gap + text


class _Visible:
    """The reply without <think>...</think> blocks; a block still open is held back."""

    def __init__(self) -> None:
        self.raw = ""
        self.sent = 0

    @property
    def seen_text(self) -> bool:
        return bool(_WORD_RE.search(_THINK_RE.sub("", self.raw)))

    def feed(self, delta: str) -> str:
        self.raw += delta
        return self._emit(_hold_think(_THINK_RE.sub("", self.raw)))

    def close(self) -> str:
        text = _THINK_RE.sub("", self.raw)
        opened = text.lower().find(_THINK_OPEN)
        return self._emit(text if opened < 0 else text[:opened])

    def _emit(self, text: str) -> str:
        new = text[self.sent :]
        self.sent = max(self.sent, len(text))
        return new


def _hold_think(text: str) -> str:
    opened = text.lower().find(_THINK_OPEN)
    if opened >= 0:
        return text[:opened]
    tail = text.rfind("<")
    if tail >= 0 and _THINK_OPEN.startswith(text[tail:].lower()):
        return text[:tail]
    return text


class _Sentences:
    """Cuts growing text into complete sentences, each with the line breaks before it.

    A key written after the full stop ("... 2020. [P1]") belongs to the sentence before it, so
    a sentence is complete only once the next one has begun.
    """

    def __init__(self) -> None:
        self.buffer = ""
        self.breaks = 0

    def feed(self, delta: str) -> list[tuple[int, str]]:
        self.buffer += delta
        return self._cut(final=False) if _BOUNDARY_RE.search(delta) else []

    def close(self) -> list[tuple[int, str]]:
        return self._cut(final=True)

    def _cut(self, *, final: bool) -> list[tuple[int, str]]:
        *lines, last = self.buffer.split("\n")
        out: list[tuple[int, str]] = []
        for line in lines:
            out += self._emit([line[s:e] for s, e in _spans(line)[0]])
            self.breaks += 1
        spans, last = _spans(last)
        pieces = [last[s:e] for s, e in spans]
        keep = len(pieces) if final else _complete(pieces)
        out += self._emit(pieces[:keep])
        if final:
            self.buffer = ""
        elif keep < len(pieces):
            self.buffer = last[spans[keep][0] :]  # from the first sentence still growing
        else:
            self.buffer = last  # nothing but spaces yet
        return out

    def _emit(self, pieces: list[str]) -> list[tuple[int, str]]:
        out = []
        for piece in pieces:
            out.append((self.breaks, piece))
            self.breaks = 0
        return out


def _spans(line: str) -> tuple[tuple[tuple[int, int], ...], str]:
    """Sentence spans of a line, after moving keys written after a full stop before it."""
    line = _KEY_AFTER_STOP_RE.sub(r"\2\1", line)  # "2020. [P1]" -> "2020 [P1]."
    return sentence_spans(line), line


def _complete(pieces: list[str]) -> int:
    """How many leading sentences are certainly complete (the last one may still grow)."""
    keep = len(pieces) - 1
    if keep > 0 and not _WORD_RE.search(plain(pieces[-1])):
        keep -= 1  # the next sentence is only a key so far: it may belong to this one
    return max(keep, 0)
