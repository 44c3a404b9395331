"""BM25 over chunk texts (rank-bm25). Pure: texts in, scores out."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ijdqa.text import normalize, words

PREFIX_MIN = 4  # shortest shared start for two words to count as related forms
SUFFIX_MAX = 3  # most letters the longer form may add

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "per",
        "via",
        "said",
        "says",
    ]
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: the Snowball English stemmer, in C

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem, so "promised" meets "promise" and "designation" meets "designated"."""
    word = word.removesuffix("'s")
    if any(ch.isdigit() for ch in word):
        return word
    return str(_stemmer().stemWord(word))


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in words(normalize(text)) if w not in STOPWORDS]


def related_forms(a: str, b: str) -> bool:
    """Two stems of one word family: one starts the other, which adds at most SUFFIX_MAX
    letters ("lead"/"leader", "attend"/"attende"; not "part"/"particip")."""
    short, long = sorted((a, b), key=len)
    return (
        short != long
        and len(short) >= PREFIX_MIN
        and long.startswith(short)
        and len(long) - len(short) <= SUFFIX_MAX
    )


class LexicalIndex:
    """BM25Okapi over a fixed list of texts; `scores` gives one score per text."""

    def __init__(self, texts: Sequence[str]) -> None:
        from rank_bm25 import BM25Okapi

        tokens = [tokenize(t) or ["\x00empty"] for t in texts]
        self._size = len(tokens)
        self._bm25 = BM25Okapi(tokens) if tokens else None
        self._vocabulary: list[str] | None = None

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str) -> np.ndarray:
        terms = tokenize(query)
        if self._bm25 is None or not terms:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def top(self, query: str, n: int, *, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Indices and scores of the n best texts with a positive score (within `mask`)."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:n]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    def idf(self, term: str) -> float | None:
        """The BM25 idf of a (tokenized) term, or None when no text contains it."""
        if self._bm25 is None:
            return None
        value = self._bm25.idf.get(term)
        return float(value) if value is not None else None

    def related(self, term: str) -> bool:
        """Whether the texts use a word that shares `term` as its start ("attend" and
        "attende", from "attended" and "attendees"), though maybe not `term` itself."""
        if self._bm25 is None or len(term) < PREFIX_MIN:
            return False
        if self._vocabulary is None:
            self._vocabulary = sorted(self._bm25.idf)
        at = bisect.bisect_left(self._vocabulary, term)
        longer = self._vocabulary[at : at + 8]  # the words starting with term sort right here
        shorter = (term[:n] for n in range(max(PREFIX_MIN, len(term) - SUFFIX_MAX), len(term)))
        return any(related_forms(term, w) for w in longer) or any(
            w in self._bm25.idf for w in shorter
        )

    @property
    def max_idf(self) -> float:
        if self._bm25 is None or not self._bm25.idf:
            return 1.0
        return float(max(self._bm25.idf.values()))
