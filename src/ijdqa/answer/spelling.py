"""Question words matched to the corpus vocabulary with typo tolerance.

A word of the question that neither the corpus nor an English dictionary knows is most
likely a typo: it is replaced by the corpus word (or common question word) closest to it by
optimal string alignment distance, one edit for short words, two for long ones ("fouded" ->
"founded", "khamenie" -> "khamenei", "whn" -> "when"). A real English word the corpus lacks
("precedent") is kept: that the report never uses it is itself evidence for the answerer.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from ijdqa.errors import PackageDataError
from ijdqa.text import words

# letters of any script: "Frontières" is one word, not "Fronti" and "res" to be corrected apart
_WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|[’'-])*[^\W\d_]|[^\W\d_]")
SHORTEST = 3  # words shorter than this are never corrected ("uk", "of")
LONG_WORD = 7  # from this length on, two edits are allowed
# an English dictionary word counted 10,000 times or more (five digits) in the dictionary's
# corpus is a real word; rarer entries include common typos
COUNT_DIGITS = 4
COMMON_DIGITS = 7  # more digits of uses (10 million or more): a word too common to be a typo


# word lists whose words steer a question (sources, the rows of a table), so a word of
# theirs is known to the speller even when the report and the dictionary lack it
LISTENED = ("source_words.txt", "row_nouns.txt")


def lexicon(name: str) -> list[str]:
    """Entries of a word list in lexicon/, comments and blank lines dropped."""
    text = resources.files("ijdqa.answer").joinpath("lexicon", name).read_text(encoding="utf-8")
    return [
        line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()
    ]


def lexicon_alternation(name: str, *, joiner: str = r"\s+") -> str:
    """A word list as one regex alternation, longest entry first, the words of a phrase joined
    by `joiner` ("back up" -> back\\s+up)."""
    entries = sorted(lexicon(name), key=len, reverse=True)
    return "|".join(joiner.join(map(re.escape, e.split())) for e in entries)


def lexicon_words(name: str) -> re.Pattern[str]:
    """A pattern finding any entry of a word list as whole words, in any case."""
    return re.compile(rf"\b(?:{lexicon_alternation(name)})\b", re.IGNORECASE)


@cache
def abbreviations() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in lexicon("abbreviations.txt"))
    return {short.strip().lower(): full.strip() for short, full in pairs}


@cache
def _frequencies() -> tuple[list[str], list[str]]:
    """(words, uses as written) of SymSpell's English frequency dictionary, as symspellpy ships
    it. The uses stay text: a count's digits tell how common a word is, and converting 82,000
    of them would cost a cold `ijdqa ask` more than reading the file does."""
    spec = importlib.util.find_spec("symspellpy")  # its data file, without importing it
    if spec is None or not spec.submodule_search_locations:
        raise PackageDataError("symspellpy is not installed: pip install symspellpy")
    path = Path(next(iter(spec.submodule_search_locations))) / "frequency_dictionary_en_82_765.txt"
    fields = path.read_text(encoding="utf-8").split()  # "word count" pairs, one a line
    return fields[0::2], fields[1::2]


@cache
def english() -> frozenset[str]:
    """Common English words: those SymSpell's list counts more than 10**COUNT_DIGITS uses."""
    return frozenset(w for w, n in zip(*_frequencies(), strict=False) if len(n) > COUNT_DIGITS)


@cache
def _common() -> frozenset[str]:
    """The commonest English words (10**COMMON_DIGITS uses or more in SymSpell's list): typed
    on purpose, never a typo of a question word ("now", "here", "whole")."""
    return frozenset(w for w, n in zip(*_frequencies(), strict=False) if len(n) > COMMON_DIGITS)


# the words that open a question; a clause opening with a rare word one edit from one of
# them ("wat city ...", "... and wen was it founded") means it
_WH = ("what", "when", "where", "which", "who", "whom", "whose", "why", "how")
# ... or with the preposition the question word governs ("on wat date", "in wich year")
_CLAUSE_START = re.compile(
    r"(?:^|[,;:.?!(]\s*|\band\s+|\bor\s+)\W*"
    r"(?:(?:on|in|at|for|from|by|to|with|since|until|of|about)\s+)?$",
    re.I,
)


@cache
def _variants() -> tuple[tuple[str, str], ...]:
    """Letter groups that British and American spelling write differently (lexicon)."""
    pairs = (line.split() for line in lexicon("spelling_variants.txt"))
    return tuple((a, b) for a, b in pairs)


class Speller:
    """Corrects question words against one corpus's vocabulary."""

    def __init__(
        self, texts: Iterable[str], *, more: Callable[[], Iterable[str]] | None = None
    ) -> None:
        """`more`: words a question may use that the corpus need not (place names), read
        only when a typo has no corpus word close to it."""
        self._more = more
        counts = Counter(w for text in texts for w in words(text) if w.isalpha())
        self.vocabulary = counts
        self._choices = sorted(set(counts) | {w for w in lexicon("question_words.txt")})
        # the words the answerer itself listens for ("url", "orgs") are never typos: the
        # question words, and every word of the lists that steer a question
        listened = [w for name in LISTENED for line in lexicon(name) for w in line.split()]
        self._question_words = frozenset(lexicon("question_words.txt")) | {
            w.lower() for w in listened if w.isalpha()
        }

    def variant(self, word: str) -> str | None:
        """The corpus's spelling of a word it writes the other way (British or American:
        "Labour" -> "Labor", "organisation" -> "organization"), or None."""
        lower = word.lower()
        if lower in self.vocabulary:
            return None
        for ours, theirs in _variants():
            for a, b in ((ours, theirs), (theirs, ours)):
                at = lower.rfind(a)
                if at > 0:
                    other = lower[:at] + b + lower[at + len(a) :]
                    if other in self.vocabulary:
                        return other
        return None

    def known(self, word: str) -> bool:
        lower = word.lower()
        return lower in self.vocabulary or lower in self._question_words or lower in english()

    def suggest(self, word: str) -> str | None:
        """The corpus word a typo most likely means, or None (known word, or nothing close)."""
        lower = word.lower().replace("’", "'")
        if len(lower) < SHORTEST or not lower.isalpha():
            return None
        if other := self.variant(lower):
            return other
        if lower in self.vocabulary or lower in self._question_words or lower in english():
            return None
        most = 2 if len(lower) >= LONG_WORD else 1
        found = process.extract(
            lower, self._choices, scorer=OSA.distance, score_cutoff=most, limit=8
        )
        if not found and self._more is not None:  # "swedan": a place the corpus never names
            found = process.extract(
                lower, sorted(self._more()), scorer=OSA.distance, score_cutoff=most, limit=8
            )
        if not found:
            return None
        # fewest edits; then two letters swapped (every letter typed, in the wrong order:
        # "mnay" is "many", not "may"), then a dropped or doubled letter over a wrong one (the
        # commonest typo), the same first letter (typos rarely hit it), the commoner word
        best = min(
            found,
            key=lambda m: (
                m[1],
                sorted(m[0]) != sorted(lower),
                Indel.distance(lower, m[0]),
                m[0][0] != lower[0],
                -self.vocabulary.get(m[0], 0),
                m[0],
            ),
        )
        return best[0]

    def question_word(self, word: str) -> str | None:
        """The question word a clause's first word is one edit from, when it is neither a
        corpus word nor a common English one ("wat" -> "what", "wen" -> "when"; not "now")."""
        lower = word.lower()
        if lower in _WH or lower in self.vocabulary or lower in _common() or not lower.isalpha():
            return None
        near = [w for w in _WH if OSA.distance(lower, w) <= 1]
        return near[0] if len(near) == 1 else None

    def correct(self, question: str) -> tuple[str, dict[str, str]]:
        """The question with abbreviations spelled out and typos corrected, and what changed."""
        changes: dict[str, str] = {}

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            full = abbreviations().get(word.lower())
            opening = _CLAUSE_START.search(question[: match.start()]) is not None
            new = full or (self.question_word(word) if opening else None) or self.suggest(word)
            if not new:
                return word
            if word[0].isupper():
                new = new[0].upper() + new[1:]
            changes[word] = new
            return new

        return _WORD_RE.sub(fix, question), changes
