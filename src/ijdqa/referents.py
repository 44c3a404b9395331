"""Who a sentence's leading "He", "She" or "They" means: the nearest name used as a grammatical
subject before it. Leading: the sentence's first word, or a "he"/"his"/"she"/"her" among its
first few words, which name no one ("At the outset of his speech he said ..."). A heuristic of the chunker (search text, sentence scoring) and the
answerer (an answer sentence reads on its own). Pure."""

from __future__ import annotations

import re

PRONOUN_START = re.compile(r"^(He|She|His|Her|They|Their)\b")
_PRONOUN = re.compile(r"\b(he|she|his|her)\b")
# a pronoun this early in a sentence with no name before it is what the sentence is about;
# later, the sentence has likely named someone in other words ("the cleric ... he")
LEAD_WORDS = 8
_CAPITALIZED_AFTER_START = re.compile(r"(?<=\s)(?:al-)?[A-Z]")
_NAME = r"((?:al-)?[A-Z][a-z]+(?:\s(?:al-)?[A-Z][a-z]+){0,2})"
_SUBJECT_PATTERNS = (
    re.compile(
        r"(?:^|[.;:]\s+)" + _NAME + r"\s+(?:also\s+)?[a-z]+(?:ed|ok|aid)\b"
    ),  # "Ali Khamenei also partook"
    re.compile(_NAME + r"\s+[a-z]+ed\b"),  # "... Khamenei accused"
    re.compile(
        _NAME + r",\s[^,.]{1,60},\s+[a-z]+ed\b"
    ),  # "Massoud Shadjareh, its leader, condemned"
    re.compile(
        r"\b(?:was|were)\s+" + _NAME + r","
    ),  # "among the attendees was Sayed Hashem al-Haidari, a senior cleric"
)
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
        "Additionally",
        "For",
    ]
)


def referent(base: str, before: int) -> str | None:
    """Who a sentence-initial "He"/"She" at `before` most likely means: the nearest name used as
    a grammatical subject in the 1,500 characters before it."""
    window = base[max(0, before - 1500) : before]
    found: list[tuple[int, str]] = []
    for pattern in _SUBJECT_PATTERNS:
        for match in pattern.finditer(window):
            name = match.group(1)
            if name.split()[0] not in _NOT_NAMES:
                found.append((match.start(1), name))
    return max(found)[1] if found else None


def leading_pronoun(text: str) -> re.Match[str] | None:
    """The pronoun a sentence leads with, if any (see the module's note)."""
    if match := PRONOUN_START.match(text):
        return match
    match = _PRONOUN.search(text)
    if match is None or len(text[: match.start()].split()) >= LEAD_WORDS:
        return None
    lead = " ".join(text.split()[:LEAD_WORDS])
    if _CAPITALIZED_AFTER_START.search(lead):
        return None  # "In his speech al-Haidari ..." names him; "Khamenei said his ..." too
    return match


def with_referent(text: str, name: str | None) -> str:
    """'He stressed ...' -> 'He (Khamenei) stressed ...' so the sentence reads on its own."""
    match = leading_pronoun(text)
    if not match or not name:
        return text
    return f"{text[: match.end()]} ({name}){text[match.end() :]}"
