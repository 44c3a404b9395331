"""Small text helpers shared by the parser, the chunker and the answerer. Pure."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WORD_RE = re.compile(r"(?:[^\W\d_]\.){2,}|[\w’']+", re.UNICODE)


NORMALIZE_CACHE = 65536  # folded texts kept, most of them single words


@lru_cache(maxsize=4096)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence (start, end) offsets in `text`, whitespace trimmed, in order."""
    import pysbd  # local: only the parser and chunker need it

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    spans: list[tuple[int, int]] = []
    for span in segmenter.segment(text):
        start, end = span.start, span.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return tuple(_merge_fragments(text, spans))


def _merge_fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """pysbd splits after initials and '(see photo).'-style asides; glue lower-case starts back."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        first = text[start : start + 1]
        if merged and (first.islower() or first in ",;)"):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """The span of the sentence of `text` that holds character `offset`."""
    spans = sentence_spans(text)
    for start, end in spans:
        if offset <= end:
            return start, end
    return spans[-1] if spans else (0, len(text))


@lru_cache(maxsize=NORMALIZE_CACHE)
def normalize(text: str) -> str:
    """Case-, accent- and quote-folded text for matching (never for display). Kept for the
    texts seen last: the claim checks fold the same words and passages over and over."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD_RE.findall(text)]


_URL_RE = re.compile(r"\w+://\S+|www\.\S+")
_LETTER_WORD_RE = re.compile(r"[^\W\d_]{2,}")
PROSE_WORDS = 5


def is_prose(text: str) -> bool:
    """Whether a text says something beyond URLs, dates and numbers (a footnote that is only a
    citation does not; one that adds "In another tweet he advised ..." does)."""
    return len(_LETTER_WORD_RE.findall(_URL_RE.sub(" ", text))) >= PROSE_WORDS
