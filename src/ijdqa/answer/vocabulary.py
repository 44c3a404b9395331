"""How a question's words meet a sentence's: the terms a question is matched by (its words
less the noise of asking, its phrases as the word each stands for), and the credit a sentence
gets for holding a term as such, in a related form or as a word of its family."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from itertools import pairwise

from ijdqa.answer.params import PARAMS
from ijdqa.answer.spelling import lexicon
from ijdqa.search.lexical import PREFIX_MIN, STOPWORDS, related_forms, stem, tokenize
from ijdqa.text import normalize, words

NOISE_TERMS = frozenset(t for line in lexicon("noise.txt") for t in tokenize(line))


def query_terms(question: str) -> list[str]:
    """The stems a question is matched by: its words less the noise of asking
    (lexicon/noise.txt), each phrase of lexicon/phrases.txt as the word it stands for."""
    return [t for t in dict.fromkeys(tokenize(as_words(question))) if t not in NOISE_TERMS]


@cache
def _phrases() -> tuple[tuple[re.Pattern[str], str], ...]:
    pairs = (line.split("=", 1) for line in lexicon("phrases.txt"))
    gap = r"\s+"
    return tuple(
        (re.compile(rf"\b{gap.join(map(re.escape, phrase.split()))}\b", re.I), word.strip())
        for phrase, word in pairs
    )


@lru_cache(maxsize=16384)  # the same sentences come up question after question
def as_words(text: str) -> str:
    """The text with each phrase of lexicon/phrases.txt as the word it stands for: "set up"
    is matched as "establish", which "founded" answers; "signed off" as "closed"."""
    for pattern, word in _phrases():
        text = pattern.sub(word, text)
    return text


def credit(term: str, have: set[str]) -> float:
    """1 when a sentence holds the term, `related_credit` for a related form,
    `synonym_credit` for a word of its family in lexicon/synonyms.txt or a thing of the kind
    it names (lexicon/members.txt), else 0."""
    if term in have:
        return 1.0
    if (synonyms_of(term) | members_of(term)) & have:
        return PARAMS.synonym_credit
    if len(term) < PREFIX_MIN:
        return 0.0
    return PARAMS.related_credit if any(related_forms(term, word) for word in have) else 0.0


@cache
def _families() -> dict[str, frozenset[str]]:
    families: dict[str, set[str]] = {}
    for line in lexicon("synonyms.txt"):
        stems = {stem(w) for w in line.split()}
        for s in stems:
            families.setdefault(s, set()).update(stems - {s})
    return {s: frozenset(others) for s, others in families.items()}


@cache
def _members() -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for line in lexicon("members.txt"):
        kind, _, members = line.partition(":")
        found[stem(kind.strip())] = frozenset(stem(w) for w in members.split())
    return found


def members_of(term: str) -> frozenset[str]:
    """The stems of words for things of the kind a term names (lexicon/members.txt):
    "animal" is held by "wolf"."""
    return _members().get(term, frozenset())


def synonyms_of(term: str) -> frozenset[str]:
    """The stems of the words used for `term` (a stem) in lexicon/synonyms.txt."""
    return _families().get(term, frozenset())


def joined_pairs(question: str) -> list[tuple[str, str, str]]:
    """Each two neighbouring question words with the term they make written as one word:
    people split names the report writes as one ("ahlul bayt", "you tube")."""
    found = [w for w in words(normalize(question)) if w not in STOPWORDS]
    return [
        (stem(a), stem(b), stem(a + b)) for a, b in pairwise(found) if a.isalpha() and b.isalpha()
    ]


def split_pairs(text: str) -> set[str]:
    """Each two neighbouring words of a sentence as the term they make written as one: a
    question may join what the report writes apart ("website" for "web site")."""
    found = [w for w in words(normalize(text)) if w.isalpha()]
    return {stem(a + b) for a, b in pairwise(found)}
