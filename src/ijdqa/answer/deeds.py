"""What a sentence must tell of a deed a question asks about, beyond the kind of answer: the
reaction and who reacted ("How did X respond?"), that the deed happened and not only that it
was asked for ("Did X ease its sanctions?"), who did it ("Who read out the speech?"), and what
lies beyond the items a question sets aside ("Apart from A and B, which ...?").

Pure string work over the question and a candidate sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ijdqa.answer.spelling import lexicon_words
from ijdqa.search.lexical import stem, tokenize
from ijdqa.text import normalize, words

_REACTION = lexicon_words("reaction_words.txt")
_REACTION_VERB = r"(?:respond|react|reply|retaliate)"
_ASKS_REACTION = (
    re.compile(
        rf"\bhow\s+(?:did|does|do|has|have)\s+(?P<agent>[^?,;]{{1,60}}?)\s+{_REACTION_VERB}\b", re.I
    ),
    re.compile(
        r"\bwhat\s+(?:was|were|is|has been)\s+(?P<agent>[^?,;]{1,60}?)['’]s?\s+"
        r"(?:\w+\s+)?(?:response|reaction|reply)\b",
        re.I,
    ),
    re.compile(
        rf"\b(?:did|has|have)\s+(?P<agent>[^?,;]{{1,60}}?)\s+(?:ever\s+)?{_REACTION_VERB}\b", re.I
    ),
    re.compile(r"\b(?:response|reaction|reply)\s+(?:of|from|by)\s+(?P<agent>[^?,;.]{1,60})", re.I),
)
# a name after these is where something was sent or whom it was like, not who reacted
_NOT_ACTOR = frozenset(
    [
        "to",
        "at",
        "toward",
        "towards",
        "against",
        "like",
        "with",
        "on",
        "of",
        "for",
        "about",
        "its",
        "his",
        "her",
        "their",
    ]
)


def asks_reaction(question: str) -> list[str] | None:
    """The words naming who a question asks the reaction of ("How did the U.N. respond to
    ...?" -> ["un"]), [] for a reaction of anyone ("who responded ...?"), None if none is
    asked."""
    for pattern in _ASKS_REACTION:
        if match := pattern.search(question):
            return [_undotted(t) for t in tokenize(match.group("agent"))]
    if re.search(
        rf"\b(?:who|which\s+[\w\s]{{1,40}}?)\s+(?:\w+\s+)?{_REACTION_VERB}\w*\b", question, re.I
    ):
        return []
    return None


def reports_reaction(sentence: str, agent: Sequence[str]) -> bool:
    """Whether a sentence tells a reaction, by the agent when one is asked about: a reaction
    word, and the agent's last word there, not after "to", "at", "like" ..."""
    if not _REACTION.search(sentence):
        return False
    if not agent:
        return True
    found = words(normalize(sentence))
    head = agent[-1]
    for i, word in enumerate(found):
        if head in (_undotted(t) for t in tokenize(word)):
            before = [w for w in found[max(0, i - 3) : i] if w not in ("the", "a", "an")]
            if not before or before[-1] not in _NOT_ACTOR:
                return True
    return False


def _undotted(term: str) -> str:
    return term.replace(".", "")


# "Did the U.S. ease its sanctions ...?": the deed asked about, after a named subject
_DID = re.compile(
    r"^\W*(?i:did|has|have|had)\s+(?i:the\s+|a\s+|an\s+)?(?:[A-Z][\w.’'-]*\s+)+"
    r"(?:[a-z]+ly\s+)?([a-z]{3,})\b"
)
# ... and as a quick lookup types it, all lower case: "did the us actually ease sanctions",
# "did the us end up easing them": a one-word subject, then the deed
_DID_TYPED = re.compile(
    r"^\W*(?:did|has|have|had)\s+(?:the\s+)?[a-z][\w.’'-]*\s+"
    r"(?:(?:actually|actualy|really|ever|eventually|finally|then|later)\s+|end(?:ed)?\s+up\s+)*"
    r"([a-z]{3,})\b"
)
# "Who read out X's speech?": the deed whose doer is asked for
_WHO_DID = re.compile(
    r"^\W*who\s+(?:[a-z]+ly\s+)?(?!(?:was|were|are|has|had|have|did|does)\b)([a-z]{3,})\b",
    re.I,
)
_PASSIVE = frozenset({"was", "were", "been", "being", "is", "are", "be"})
AGENT_REACH = 4  # words after a passive verb its "by ..." may come in


def _occurrences(sentence: str, verb: str) -> list[tuple[list[str], int]]:
    found = words(normalize(sentence))
    target = stem(verb)
    return [(found, i) for i, w in enumerate(found) if stem(w) == target]


def only_intended(sentence: str, question: str) -> bool:
    """Whether a "did X do Y?" question's deed is in the sentence only as an aim ("pressured
    the U.S. to ease its sanctions"): what was asked for, not that it happened."""
    match = _DID.match(question) or _DID_TYPED.match(question)
    if not match:
        return False
    seen = _occurrences(sentence, match.group(1))
    return bool(seen) and all(i > 0 and found[i - 1] == "to" for found, i in seen)


def agent_untold(sentence: str, question: str) -> bool:
    """Whether a "who did Y?" question's deed is in the sentence only in the passive, with no
    "by ..." after it ("A speech by Z was read to attendees"): it never says who did it."""
    match = _WHO_DID.match(question)
    if not match:
        return False
    seen = _occurrences(sentence, match.group(1))
    return bool(seen) and all(
        i > 0 and found[i - 1] in _PASSIVE and "by" not in found[i + 1 : i + 1 + AGENT_REACH]
        for found, i in seen
    )


# "Apart from English and Arabic, which languages ...?": what the answer must go beyond
_BEYOND = re.compile(
    r"\b(?:apart from|aside from|besides|other than|except(?: for)?|in addition to|beyond)\s+"
    r"(?:the\s+)?(?P<items>[^,?;]+?)(?=\s*(?:[,?;]|$|\s(?:which|what|who|did|does|do|is|are|was|were)\b))",
    re.I,
)
_LIST_ITEM = re.compile(r"\s*(?:,|\band\b|\bor\b)\s*", re.I)


def only_beyond_unnamed(sentence: str, question: str) -> bool:
    """Whether the sentence lists the items a question sets aside and then only "other ..."
    ("in English, Arabic and other languages"): what lies beyond them, it does not name."""
    match = _BEYOND.search(question)
    if not match:
        return False
    items = [i.lower() for i in _LIST_ITEM.split(match.group("items")) if i.strip()]
    lower = sentence.lower()
    at = [lower.find(i) for i in items]
    if not items or min(at) < 0:
        return False
    clause = re.split(r"[.;:()]", lower[min(at) :], maxsplit=1)[0]
    rest = [
        part.strip()
        for part in _LIST_ITEM.split(clause)
        if part.strip() and not any(part.strip().startswith(i) for i in items)
    ]
    return bool(rest) and all(re.match(r"(?:many |several |some )?others?\b", r) for r in rest)


@dataclass(frozen=True)
class Deeds:
    """What a question asks of a deed, read once: then `unmet` checks each candidate."""

    question: str
    agent: list[str] | None  # who the reaction asked about is by (`asks_reaction`)

    def unmet(self, sentence: str) -> bool:
        """Whether the sentence fails what the question asks of the deed: the deed only as
        an aim or done by no one named, nothing named beyond the items set aside, or no
        reaction by the one asked about."""
        return (
            only_intended(sentence, self.question)
            or agent_untold(sentence, self.question)
            or only_beyond_unnamed(sentence, self.question)
            or (self.agent is not None and not reports_reaction(sentence, self.agent))
        )


def read(question: str) -> Deeds:
    return Deeds(question, asks_reaction(question))
