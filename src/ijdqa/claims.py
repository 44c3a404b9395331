"""Claim checks: does a sentence say only what the text it cites says? Pure, no I/O.

Shared words are not enough ("The IHRC was not founded in London" shares every word with
"IHRC was founded in London"). A sentence passes only when:

- every number in it (years, days, counts, amounts; "1,000" = "1000", "22nd" = 22) occurs in
  the evidence, and a percentage as a percentage ("45%", "45 percent");
- every number word ("twelve", "hundred") occurs in the evidence as a word or as digits;
- every name occurs in the evidence (case-folded, possessive 's ignored, "Iranian" matches
  "Iran"): capitalized words inside the sentence, acronyms, month and day names, and a
  sentence's first word when it starts a name of several capitalized words ("Ali Khamenei");
- a negation in it ("not", "never", "no", "did not", "n't", "none", "nor", "neither") is
  also in the passage sentences it rests on (`stated`): otherwise it contradicts them;
- it is not degenerate: one word repeated over and over is no claim.

`evidence` is what may back a fact: the cited passage and its footnotes (bodies, dates), and
the passage's page and footnote numbers. `check` returns None for a sentence that passes, or
the reason it fails, in words for the `unsupported` list.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ijdqa.text import MONTHS, WEEKDAYS, normalize

_NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)*)\s*(?:%|per\s?cent\b)", re.I)
_WORD_RE = re.compile(r"[^\W\d_][\w'’.-]*[^\W_]|[^\W\d_]", re.U)
_NEGATION_RE = re.compile(
    r"\b(?:not|never|no|none|nor|neither|nobody|nothing|nowhere|cannot)\b|n['’]t\b", re.I
)
_CALENDAR = frozenset(MONTHS + WEEKDAYS)
FACTS_CACHE = 4096  # texts whose facts are kept (passages, contexts, footnotes, claims)
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
    if word not in ("zero", "one")  # "one of them", "no one": too often not a count
} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "dozen": 12,
}
# capitalized at the start of a sentence or after a colon, but no name
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "in",
        "on",
        "at",
        "of",
        "and",
        "or",
        "but",
        "for",
        "to",
        "by",
        "with",
        "from",
        "as",
        "into",
        "about",
        "after",
        "before",
        "during",
        "since",
        "until",
        "while",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "why",
        "how",
        "if",
        "then",
        "than",
        "that",
        "this",
        "these",
        "those",
        "there",
        "here",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "him",
        "them",
        "us",
        "according",
        "also",
        "however",
        "yes",
        "no",
        "not",
        "both",
        "each",
        "every",
        "some",
        "many",
        "most",
        "several",
        "such",
        "one",
        "all",
        "any",
        "another",
        "other",
        "report",
        "passage",
        "passages",
        "source",
    ]
)
_MIN_REPEATS = 5  # a sentence of at least this many words ...
_REPEAT_SHARE = 0.5  # ... half of which are one word, is degenerate


@dataclass(frozen=True)
class Facts:
    """The checkable facts of a text: numbers, percentages, number words, names, negation."""

    numbers: frozenset[str]
    percents: frozenset[str]
    number_words: frozenset[str]
    names: frozenset[str]
    words: frozenset[str]
    negated: bool


@lru_cache(maxsize=FACTS_CACHE)
def facts(text: str) -> Facts:
    """What a text states, as the checks read it. Kept for the texts seen last: one passage's
    context and footnotes back every claim that cites it (a Facts is frozen)."""
    folded = normalize(text)
    tokens = [_fold(w) for w in _WORD_RE.findall(text)]
    return Facts(
        numbers=frozenset(_number(n) for n in _NUMBER_RE.findall(folded)),
        percents=frozenset(_number(n) for n in _PERCENT_RE.findall(folded)),
        number_words=frozenset(t for t in tokens if t in _NUMBER_WORDS),
        names=frozenset(names(text)),
        words=frozenset(tokens),
        negated=bool(_NEGATION_RE.search(folded)),
    )


def check(sentence: str, evidence: Iterable[str], stated: Iterable[str] = ()) -> str | None:
    """None when `sentence` says nothing the evidence does not; else why it fails.

    `evidence`: every text that may back a fact (passage, footnotes, "page 4"); `stated`: the
    passage sentences the claim rests on (for negation; the whole evidence when empty).
    """
    evidence = list(evidence)
    claim = facts(sentence)
    degenerate = repeated_word(sentence)
    if degenerate:
        return f"it repeats “{degenerate}” instead of saying something"
    have = facts("\n".join(evidence))
    missing = [n for n in sorted(claim.numbers - have.numbers, key=_sort_key)]
    if missing:
        return f"{_join(missing)} {_is(missing)} not in the cited passage or its footnotes"
    percents = sorted(claim.percents - have.percents, key=_sort_key)
    if percents:
        shown = [f"{p}%" for p in percents]
        return f"{_join(shown)} {_is(shown)} not a percentage the cited passage gives"
    words = [w for w in sorted(claim.number_words) if not _number_word_in(w, have)]
    if words:
        return f"“{_join(words)}” {_is(words)} not in the cited passage or its footnotes"
    absent = [n for n in sorted(claim.names) if not _name_in(_fold(n), have.words)]
    if absent:
        return f"{_join(absent)} {_is(absent)} not named in the cited passage or its footnotes"
    if claim.negated:
        basis = list(stated) or evidence
        if not any(facts(text).negated for text in basis):
            return "it negates what the cited passage states (the passage has no negation)"
    return None


def unbacked(text: str, other: str) -> dict[str, list[str]]:
    """The checkable facts of `text` that `other` lacks, by kind ("years", "percents",
    "numbers", "names"), in order; `name_slots` says where a name sits."""
    mine, theirs = facts(text), facts(other)
    percents = [p for p in sorted(mine.percents - theirs.percents, key=_sort_key)]
    numbers = [n for n in sorted(mine.numbers - theirs.numbers, key=_sort_key)]
    years = [n for n in numbers if _is_year(n)]
    return {
        "years": years,
        "percents": [f"{p}%" for p in percents],
        "numbers": [n for n in numbers if n not in years and n not in mine.percents],
        "names": [n for n in names(text) if not _name_in(_fold(n), theirs.words)],
    }


def name_slots(text: str, wanted: Iterable[str]) -> set[str]:
    """The words right before each of the `wanted` names in `text` (lowercase): where a name
    sits ("founded by X" -> "by"), so two texts can be seen to put different names there."""
    wanted = {_fold(w) for w in wanted}
    tokens = _WORD_RE.findall(text)
    return {
        _fold(tokens[i - 1])
        for i in range(1, len(tokens))
        if _fold(tokens[i]) in wanted and _fold(tokens[i - 1]) not in wanted
    }


# a four-digit number in this span reads as a year (the report's are 1979 to 2020)
YEARS = range(1800, 2101)
# number words below a hundred are exact ("five" is 5); larger ones ("thousands") are
# magnitudes that any number as large supports
EXACT_BELOW = 100
# two name forms one of which is the other plus an ending ("Iran"/"Iranian"): both at least
# this long, differing by at most this many letters
NAME_STEM_MIN = 4
NAME_ENDING_MAX = 3
# an error message lists at most this many items
LISTED_MAX = 4


def _is_year(number: str) -> bool:
    return number.isdigit() and int(number) in YEARS


def names(text: str) -> list[str]:
    """The words of `text` (as written, without a possessive 's) that are names: capitalized inside a sentence, acronyms, months and
    days, and a sentence's capitalized first word when the next word is capitalized too."""
    found: list[str] = []
    for sentence in re.split(r"(?<=[.?!:;])\s+|\n+", text):
        tokens = _WORD_RE.findall(sentence.lstrip("-•*–—\"“'‘( \t"))
        for i, token in enumerate(tokens):
            word = _fold(token)
            if not token[0].isupper() or word in _FUNCTION_WORDS:
                if word in _CALENDAR and token[0].isupper():
                    found.append(_display(token))
                continue
            acronym = len(token) > 1 and token.replace(".", "").isupper()
            follows = i + 1 < len(tokens) and tokens[i + 1][0].isupper()
            if i > 0 or acronym or follows or word in _CALENDAR:
                found.append(_display(token))
    return list(dict.fromkeys(found))


def repeated_word(text: str) -> str | None:
    """The word that makes up half or more of a sentence of five words or more, if any."""
    tokens = [_fold(w) for w in _WORD_RE.findall(text)]
    if len(tokens) < _MIN_REPEATS:
        return None
    word, count = Counter(tokens).most_common(1)[0]
    if count < _REPEAT_SHARE * len(tokens):
        return None
    return next(w for w in _WORD_RE.findall(text) if _fold(w) == word)


def _display(token: str) -> str:
    token = token.rstrip(".")
    return token[:-2] if token.endswith(("'s", "’s")) else token


def _fold(word: str) -> str:
    word = normalize(word).strip(".'-")
    return word[:-2] if word.endswith("'s") else word


def _number(raw: str) -> str:
    """'1,000' -> '1000', '05' -> '5', '3.50' -> '3.5'; a trailing full stop is no decimal."""
    raw = raw.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
        raw = raw.replace(",", "")
    raw = raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw
    if "." in raw:
        whole, _, part = raw.partition(".")
        part = part.rstrip("0")
        return f"{int(whole or 0)}.{part}" if part else str(int(whole or 0))
    return str(int(raw)) if raw.isdigit() else raw


def _sort_key(number: str) -> tuple[float, str]:
    try:
        return float(number), number
    except ValueError:
        return float("inf"), number


def _number_word_in(word: str, have: Facts) -> bool:
    if word in have.words:
        return True
    value = _NUMBER_WORDS[word]
    if value < EXACT_BELOW or word == "dozen":
        return str(value) in have.numbers
    return any(_magnitude(n) >= value for n in have.numbers)


def _magnitude(number: str) -> float:
    try:
        return float(number)
    except ValueError:
        return 0.0


def _name_in(name: str, words: frozenset[str]) -> bool:
    if name in words:
        return True
    # "Iranian" and "Iran", "Malaysia" and "Malaysian": one is the other plus an ending
    return len(name) >= NAME_STEM_MIN and any(
        len(w) >= NAME_STEM_MIN
        and (w.startswith(name) or name.startswith(w))
        and abs(len(w) - len(name)) <= NAME_ENDING_MAX
        for w in words
    )


def _join(items: list[str]) -> str:
    return ", ".join(items[:LISTED_MAX]) + (" ..." if len(items) > LISTED_MAX else "")


def _is(items: list[str]) -> str:
    return "is" if len(items) == 1 else "are"
