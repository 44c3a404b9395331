"""Who a sentence-initial "He", "She" or "They" means: the nearest name used as a grammatical
subject before it. A heuristic of the chunker (search text, sentence scoring) and the
answerer (an answer sentence reads on its own). Pure."""

from __future__ import annotations

import re

PRONOUN_START = re.compile(r"^(He|She|His|Her|They|Their)\b")
_NAME = r"((?:al-)?[A-Z][a-z]+(?:\s(?:al-)?[A-Z][a-z]+){0,2})"
_SUBJECT_PATTERNS = (
    re.compile(
        r"(?:^|[.;:]\s+)" + _NAME + r"\s+(?:also\s+)?[a-z]+(?:ed|ok|aid)\b"
    ),  # "Ali Khamenei also partook"
    re.compile(_NAME + r"\s+[a-z]+ed\b"),  # "... Khamenei accused"
    re.compile(
        _NAME + r",\s[^,.]{1,60},\s+[a-z]+ed\b"
    ),  # "Massoud Shadjareh, its leader, condemned"
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


def with_referent(text: str, name: str | None) -> str:
    """'He stressed ...' -> 'He (Khamenei) stressed ...' so the sentence reads on its own."""
    match = PRONOUN_START.match(text)
    if not match or not name:
        return text
    return f"{text[: match.end()]} ({name}){text[match.end() :]}"
