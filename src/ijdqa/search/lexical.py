"""BM25 over chunk texts (bm25s). Pure: texts in, scores out."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
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
    if _DOTTED.match(word):  # "U.S." is the "US" people type
        return word.replace(".", "")
    return str(_stemmer().stemWord(word))


_DOTTED = re.compile(r"^(?:[a-z]\.){2,}$")


def tokenize(text: str) -> list[str]:
    """Stems of the words that are not stopwords; "what's", "who's" are their stopword."""
    return [stem(w) for w in words(normalize(text)) if w.removesuffix("'s") not in STOPWORDS]


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
    """BM25 over a fixed list of texts (bm25s: sparse scoring, about 0.1 ms a query at 100k
    texts); `scores` gives one score per text.

    `idf` is the Okapi idf of each term, floored at EPSILON times the average for terms in
    more than half of the texts: the weight the extractive answerer gives a question word.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        tokens = [tokenize(t) or ["\x00empty"] for t in texts]
        self._size = len(tokens)
        self._bm25: Any = None
        self._idf: dict[str, float] = {}
        self._vocabulary: list[str] | None = None
        if not tokens:
            return
        self._bm25 = _bm25s().BM25(k1=1.5, b=0.75, csc_backend="numpy")
        self._bm25.index(tokens, show_progress=False)
        self._idf = _okapi_idf(tokens)

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str) -> np.ndarray:
        terms = [t for t in tokenize(query) if t in self._idf]
        if self._bm25 is None or not terms:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def top(self, query: str, n: int, *, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Indices and scores of the n best texts with a positive score (within `mask`)."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        if n < len(scores):  # the n best, without sorting all of a large corpus
            best = np.argpartition(-scores, n)[:n]
            order = best[np.lexsort((best, -scores[best]))]
        else:
            order = np.argsort(-scores, kind="stable")
        return [(int(i), float(scores[i])) for i in order[:n] if scores[i] > 0]

    def idf(self, term: str) -> float | None:
        """The idf of a (tokenized) term, or None when no text contains it."""
        return self._idf.get(term)

    def related(self, term: str) -> bool:
        """Whether the texts use a word that shares `term` as its start ("attend" and
        "attende", from "attended" and "attendees"), though maybe not `term` itself."""
        if not self._idf or len(term) < PREFIX_MIN:
            return False
        if self._vocabulary is None:
            self._vocabulary = sorted(self._idf)
        at = bisect.bisect_left(self._vocabulary, term)
        longer = self._vocabulary[at : at + 8]  # the words starting with term sort right here
        shorter = (term[:n] for n in range(max(PREFIX_MIN, len(term) - SUFFIX_MAX), len(term)))
        return any(related_forms(term, w) for w in longer) or any(w in self._idf for w in shorter)

    @property
    def max_idf(self) -> float:
        return max(self._idf.values()) if self._idf else 1.0


EPSILON = 0.25


@lru_cache(maxsize=1)
def _bm25s() -> Any:
    """bm25s, imported without scipy when nothing has loaded scipy yet.

    bm25s imports scipy.sparse if it can, only to offer a scipy backend; its numpy backend,
    which this index uses, gives the same scores. Importing scipy costs a quarter of a cold
    `ijdqa ask`, so it is hidden for that one import (a None entry in sys.modules makes the
    import fail at once), and restored right after: a later `import scipy.sparse` works.
    """
    import sys

    if "scipy.sparse" in sys.modules:
        import bm25s

        return bm25s
    sys.modules["scipy.sparse"] = None  # type: ignore[assignment]
    try:
        import bm25s
    finally:
        del sys.modules["scipy.sparse"]
    return bm25s


def _okapi_idf(tokens: Sequence[Sequence[str]]) -> dict[str, float]:
    """log((N - n + 0.5) / (n + 0.5)) per term, n the texts holding it; a negative value (a
    term in more than half of the texts) becomes EPSILON times the average."""
    counts = Counter(t for doc in tokens for t in set(doc))
    size = len(tokens)
    idf = {t: math.log(size - n + 0.5) - math.log(n + 0.5) for t, n in counts.items()}
    floor = EPSILON * sum(idf.values()) / len(idf)
    return {t: (v if v >= 0 else floor) for t, v in idf.items()}
