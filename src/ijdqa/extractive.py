"""Sentence selection for the extractive answerer. Pure given its inputs (texts and vectors).

Every candidate is a sentence of a retrieved chunk, kept with its offsets into the chunk's base
text, so a chosen sentence becomes a verbatim citation. A sentence scores by how much of the
question's weight (idf) it covers and by its embedding similarity to the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ijdqa.lexical import tokenize
from ijdqa.text import sentence_spans
from ijdqa.types import Chunk, Hit

NOISE_TERMS = frozenset(
    [
        "report",
        "according",
        "say",
        "mention",
        "mentioned",
        "describe",
        "described",
        "state",
        "stated",
        "tell",
        "explain",
        "give",
        "name",
        "list",
        "many",
        "much",
        "kind",
        "type",
        "doe",
        "did",
    ]
)
_PRONOUN_START = re.compile(r"^(He|She|His|Her|They|Their)\b")
_CLAUSE_NAME = re.compile(
    r"(?:^|[.;:]\s+|,\s+)((?:al-)?[A-Z][a-z]+(?:\s(?:al-)?[A-Z][a-z]+){0,2})\s+(?:also\s+)?[a-z]"
)
_SUBJECT_NAME = re.compile(r"((?:al-)?[A-Z][a-z]+(?:\s(?:al-)?[A-Z][a-z]+){0,2})\s+[a-z]+ed\b")
_NOT_NAMES = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "In",
        "On",
        "At",
        "Per",
        "Further",
        "Moreover",
        "However",
        "Also",
        "Among",
        "Yet",
        "Hence",
        "Upon",
        "As",
        "Since",
        "A",
        "An",
        "He",
        "She",
        "They",
        "His",
        "Her",
        "Their",
        "Its",
        "Said",
        "Based",
        "Designating",
        "Switching",
        "Commemorating",
        "Right",
        "Left",
        "Many",
        "Otherwise",
    ]
)


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    start: int  # offsets into the chunk's base text
    end: int
    text: str
    rank: int
    coverage: float = 0.0
    similarity: float = 0.0
    referent: str | None = None  # who a leading "He"/"She" refers to

    @property
    def score(self) -> float:
        penalty = 0.01 * self.rank + (0.04 if self.chunk.kind == "caption" else 0.0)
        return 0.5 * self.similarity + 0.5 * self.coverage - penalty

    @property
    def scoring_text(self) -> str:
        return f"{self.referent}: {self.text}" if self.referent else self.text


def candidates(
    hits: Sequence[Hit],
    *,
    usable: Callable[[Chunk], bool],
    base: Callable[[Chunk], str | None] = lambda c: None,
) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        if not usable(chunk):
            continue
        for s, e in sentence_spans(chunk.text) or ((0, len(chunk.text)),):
            text = chunk.text[s:e]
            key = " ".join(text.split()).lower()
            if key in seen or len(text) < 3:
                continue
            seen.add(key)
            who = None
            if _PRONOUN_START.match(text) and (full := base(chunk)) is not None:
                who = referent(full, chunk.start + s)
            out.append(Candidate(chunk, chunk.start + s, chunk.start + e, text, rank, referent=who))
    return out


def query_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(tokenize(question)) if t not in NOISE_TERMS]


def score(
    question: str,
    cands: Sequence[Candidate],
    *,
    idf: Callable[[str], float | None],
    max_idf: float,
    embed: Callable[[list[str]], np.ndarray],
    query_vector: np.ndarray,
) -> list[Candidate]:
    """Candidates with coverage and similarity filled in, best first."""
    terms = query_terms(question)
    weights = {t: (idf(t) if idf(t) is not None else max_idf) for t in terms}
    total = sum(max(w, 0.05) for w in weights.values()) or 1.0
    vectors = embed([c.scoring_text for c in cands]) if cands else np.zeros((0, 1))
    scored = []
    for cand, vec in zip(cands, vectors, strict=True):
        have = set(tokenize(cand.scoring_text))
        coverage = sum(max(w, 0.05) for t, w in weights.items() if t in have) / total
        similarity = float(np.dot(vec, query_vector))
        scored.append(
            Candidate(**{**cand.__dict__, "coverage": coverage, "similarity": similarity})
        )
    return sorted(scored, key=lambda c: -c.score)


def select(
    scored: Sequence[Candidate], *, floor: float, most: int = 3, ratio: float = 0.8
) -> list[Candidate]:
    """The best sentence and up to `most - 1` others close to it, in reading order."""
    if not scored or scored[0].score < floor:
        return []
    best = scored[0]
    chosen = [best]
    covered = set(tokenize(best.text))
    for cand in scored[1:]:
        if len(chosen) >= most or cand.score < max(floor, ratio * best.score):
            break
        words = set(tokenize(cand.text))
        if not words - covered or _overlap(words, covered) > 0.7:
            continue
        chosen.append(cand)
        covered |= words
    return sorted(chosen, key=lambda c: (c.chunk.source, c.chunk.kind != "body", c.start))


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def referent(base: str, before: int) -> str | None:
    """The person a leading pronoun most likely refers to: the nearest name used as a subject."""
    window = base[max(0, before - 1500) : before]
    found: list[tuple[int, str]] = []
    for pattern in (_CLAUSE_NAME, _SUBJECT_NAME):
        for match in pattern.finditer(window):
            name = match.group(1)
            if name.split()[0] not in _NOT_NAMES:
                found.append((match.start(1), name))
    return max(found)[1] if found else None


def with_referent(text: str, name: str | None) -> str:
    """'He stressed ...' -> 'He (Khamenei) stressed ...' so the answer reads on its own."""
    match = _PRONOUN_START.match(text)
    if not match or not name:
        return text
    return f"{text[: match.end()]} ({name}){text[match.end() :]}"
