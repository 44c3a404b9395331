"""The LLM answerer's reply as it streams: <think> blocks hidden, the visible text cut into
complete sentences, each checked by a `Validator` (validate.py) and laid out with the line
breaks the model wrote, the words of the sentence still being written shown as `Pending`.

A reply that never cites a retrieved passage is held back whole (generate.py falls back).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from ijdqa.citations import keep_valid
from ijdqa.text import sentence_spans
from ijdqa.types import Answer, Pending
from ijdqa.validate import Validator, is_refusal
from ijdqa.writer import KEYS, plain

_KEY_AFTER_STOP_RE = re.compile(r"([.?!][\"”’')]*)((?:\s*" + KEYS + r")+)", re.I)
_WORD_RE = re.compile(r"\w")
_BOUNDARY_RE = re.compile(r"[.?!\n]")
_THINK_RE = re.compile(r"<think>.*?</think>", re.I | re.S)
_THINK_OPEN = "<think>"


class Draft:
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
