"""Lists inside a sentence, and questions that ask for the members of one.

A report names the members of a group in one sentence: "Among the academics were Prof. A, a
sociologist; Prof. B, a former teacher; Prof. C, ...", or "in Asia, Africa, South America and
Europe". `enumeration` reads such a sentence into its lead (the words before the list, which
say what is listed: "Among the academics were") and its items (the names, without what is said
about each). `counted_noun` and `listed_noun` read a question that asks how many members of
a group the report names, or which they are ("How many academics are named?", "name the
professors who spoke").

Pure string work: no corpus, no index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ijdqa.answer.expected import kind_of
from ijdqa.search.lexical import STOPWORDS

MIN_ITEMS = 2  # one name is no list

# a name: capitalized words (a title before them), with the lowercase joints names have
_TITLE = r"(?:(?:Prof|Dr|Mr|Mrs|Ms|Sheikh|Sayed|Sayyid|Imam|Rabbi|Rev|Sir|Lord)\.?\s+)"
_NAME_WORD = r"[A-Z][\w’'.&-]*"
_NAME = (
    rf"{_TITLE}?{_NAME_WORD}(?:\s+(?:(?:al|el|bin|ibn|de|da|van|von|of|the)[\s-]+)?{_NAME_WORD})*"
)
_NAME_RE = re.compile(_NAME)
# "A, B, C and D" / "A, B and C" / "A and B": names joined by commas and a last "and"
_SERIES_RE = re.compile(rf"({_NAME})((?:,\s*{_NAME})*),?\s+(?:and|as well as)\s+({_NAME})")
_SPLIT_RE = re.compile(rf",\s*(?={_NAME})")
# a sentence's first word: no name of its list when it is a common word or a lowercase word
# follows it ("Among the academics were ...", "In Asia, ...")
_OPENING = re.compile(r"^\W*[A-Za-z]+\b")


@dataclass(frozen=True)
class Enumeration:
    lead: str  # the words before the list
    items: tuple[str, ...]  # the names listed, in order
    start: int  # where the list starts in the sentence
    tail: str = ""  # the words after a list of bare names ("A, B and C, cities with which")


def enumeration(sentence: str) -> Enumeration | None:
    """The list of names a sentence gives, if it gives one of MIN_ITEMS or more."""
    return _semicolon_list(sentence) or _series(sentence)


def _semicolon_list(sentence: str) -> Enumeration | None:
    """ "... were A, who ...; B, who ...; C, who ...": each part after the first opens with a
    name, and the first part holds one after its lead."""
    parts = sentence.split(";")
    if len(parts) < MIN_ITEMS:
        return None
    first = _first_name(parts[0])
    if first is None:
        return None
    items = [first.group(0)]
    for part in parts[1:]:
        match = _NAME_RE.match(part.strip())
        if match is None:
            return None
        items.append(match.group(0))
    return Enumeration(sentence[: first.start()].strip(), _clean(items), first.start())


def _first_name(text: str) -> re.Match[str] | None:
    """The first name of `text` after its opening word, where that is a common word
    ("Among", "In", "The")."""
    return _NAME_RE.search(text, _skip_opening(text))


def _skip_opening(text: str) -> int:
    opening = _OPENING.match(text)
    if not opening:
        return 0
    common = opening.group(0).strip().lower() in STOPWORDS or text[opening.end() :].startswith(
        tuple(f" {c}" for c in "abcdefghijklmnopqrstuvwxyz")
    )
    return opening.end() if common else 0


def _series(sentence: str) -> Enumeration | None:
    """ "in A, B, C and D": the longest run of names joined by commas and a final "and"."""
    found = list(_SERIES_RE.finditer(sentence, _skip_opening(sentence)))
    if not found:
        return None
    best = max(found, key=lambda m: len(m.group(0)))
    middle = [m.strip(" ,") for m in _SPLIT_RE.split(best.group(2)) if m.strip(" ,")]
    items = (best.group(1), *middle, best.group(3))
    tail = sentence[best.end() :].lstrip(" ,")
    return Enumeration(sentence[: best.start()].strip(), _clean(items), best.start(), tail)


def _clean(items: Sequence[str]) -> tuple[str, ...]:
    """Items without the sentence's full stop ("Europe." -> "Europe"; "U.S." keeps its)."""
    return tuple(i[:-1] if i.endswith(".") and i.count(".") == 1 else i for i in items)


# --- questions -------------------------------------------------------------------------------

_NAMING = r"(?:nam|list|mention|identif|cit|giv|enumerat|single)\w*"
_COUNTED = re.compile(
    rf"\b(?:how many|number of|count of|count the)\s+((?:[a-z-]+\s+){{0,2}}?[a-z-]+s)\b"
    rf"(?=.*\b{_NAMING}\b)",
    re.I,
)
_COUNTED_ANY = re.compile(r"\b(?:how many|number of)\s+([a-z-]+s)\b", re.I)
_LISTED = re.compile(
    r"\b(?:name|list|enumerate)\s+(?:(?:all|the|each|every|of)\s+)*((?:[a-z-]+\s+)?[a-z-]+s)\b"
    r"|\bwho\s+(?:were|are)\s+the\s+((?:[a-z-]+\s+)?[a-z-]+s)\b",
    re.I,
)


def counted_noun(question: str) -> str | None:
    """What a question counts among the names the report gives: "How many academics are
    named as participants?" -> "academics"; None when it counts something else ("How many
    organizations supported ...?" names no naming)."""
    match = _COUNTED.search(question)
    if match:
        return match.group(1).lower()
    # places counted need no naming verb: "in how many continents was it well received?"
    # is answered by the places a sentence lists ("in Asia, Africa and Europe")
    plain = _COUNTED_ANY.search(question)
    if plain and kind_of(plain.group(1).split()[-1]) == "place":
        return plain.group(1).lower()
    return None


def asks_members(question: str) -> bool:
    """Whether a question counts or lists the members a report names."""
    return counted_noun(question) is not None or listed_noun(question) is not None


def listed_noun(question: str) -> str | None:
    """The group whose members a question asks for: "name the professors who spoke" ->
    "professors", "Who were the western academics?" -> "western academics"."""
    match = _LISTED.search(question)
    if not match:
        return None
    return (match.group(1) or match.group(2)).lower()
