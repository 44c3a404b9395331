"""The rows of the appendix table a question names: by name (a slip of a letter allowed), by
the acronym a row gives in brackets or spells with its initials, or by words of their names
("which partners have 'Quds' in their names").

Pure: the question and the table in, names of rows out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ijdqa.answer.appendix_words import COUNT, GENERIC, OPERATION_WORDS, TableWords, describing
from ijdqa.answer.places import ROW_NOUN, Place, matches, place_spans
from ijdqa.search.lexical import tokenize
from ijdqa.text import normalize
from ijdqa.types import Organization

QUOTED = re.compile(r"[‘'“\"]([^‘’'“”\"]{1,40})[’'”\"]")


POSITION_WORDS = frozenset(
    tokenize("first last final top opening closing heads tops opens ends closes entry number")
)


def _continues(
    previous: str, word: str, orgs: Sequence[Organization], question: str, at: int
) -> bool:
    """Whether `word` goes on the name `previous` began, as some row's name goes on
    ("Ahlulbayt societies": a row is named "... Ahlulbayt Society")."""
    if not re.search(rf"{re.escape(previous)}\s+$", question[:at]):
        return False
    pair = tokenize(previous)[-1:] + tokenize(word)[:1]
    for org in orgs:
        names = tokenize(org.name)
        if any(names[i : i + 2] == pair for i in range(len(names) - 1)):
            return True
    return False


def name_terms(
    question: str,
    orgs: Sequence[Organization],
    words: TableWords,
    places: Sequence[tuple[Place, int]] = (),
) -> tuple[str, ...]:
    """Words of the question that name rows rather than ask about the table: words the
    names of rows use and the table's intro and the usual words for rows do not ("Which
    partners have 'Quds' in their names?", "mumbai group"). In a question written with
    capitals, names are its capitalized or quoted words; a lowercase word there describes
    ("university Ahlulbayt Societies" names Ahlulbayt Societies)."""
    vocabulary = _rows_of(tuple(orgs)).vocabulary
    skip = set(words.about) | set(words.rows) | OPERATION_WORDS | GENERIC | POSITION_WORDS
    skip |= set(tokenize(" ".join(m.group(0) for m in ROW_NOUN.finditer(question))))
    for _, start, end in place_spans(question, orgs):
        skip |= set(tokenize(question[start:end]))
    skip |= describing(question, words, vocabulary)
    skip |= {  # whose list it is ("the CHN partner list") names no row
        t
        for m in re.finditer(r"\b[A-Z][\w&-]*\b", question)
        if re.match(_OWNER.format(re.escape(m.group(0))), question[m.start() :])
        for t in tokenize(m.group(0))
    }
    cased = question != question.lower()
    quoted = {t for q in QUOTED.findall(question) for t in tokenize(q)}
    first = re.match(r"\W*\w+", question)
    found: list[str] = []
    absent: list[str] = []
    for m in re.finditer(r"[\w’'&-]+", question):
        stems = tokenize(m.group(0))
        if not stems or any(t in skip for t in stems):
            continue
        # a capitalized first word is a name when the report does not write it in lower
        # case ("Ahlulbayt Society entries count"; not "Count ...", "Name ...")
        opening = first is not None and m.start() < first.end()
        written_as_name = m.group(0)[0].isupper() and (not opening or not set(stems) & words.common)
        continues = bool(found) and _continues(found[-1], m.group(0), orgs, question, m.start())
        if cased and not written_as_name and not set(stems) & quoted and not continues:
            continue
        if not cased and set(stems) & words.common:
            continue  # "supported" in a lowercase question is no name
        if any(t not in vocabulary for t in stems):
            # a name no row uses ("the Oxford Ahlulbayt Society"); a capital letter that only
            # opens the question or a clause ("Quick one: which ...") makes no name
            if written_as_name and m.group(0).upper() != m.group(0) and not _opens(question, m):
                absent.append(m.group(0))
            continue
        found.append(m.group(0).strip("’'"))
    # every name asked must be in the row's name; a name of no row leaves none
    return tuple(dict.fromkeys(found + absent)) if found else ()


def _opens(question: str, match: re.Match[str]) -> bool:
    """Whether a word opens the question or a clause of it (after . : ; ! ? or a dash)."""
    return re.search(r"(?:^|[.:;!?—–]\s*|\s-\s)\W*$", question[: match.start()]) is not None


NAME_MATCH = 90  # rapidfuzz partial ratio from which a table row's name is taken as named
SHORTEST_NAME = 8  # shorter names ("RISE") match only as whole words


def named_rows(question: str, orgs: Sequence[Organization]) -> list[str]:
    """Names of table rows the question mentions (a slip of a letter allowed), longest first:
    by name, from a word's start ("university ahlulbayt societies" does not name "City
    Ahlulbayt Society"), or by the acronym a row gives in brackets ("CD4HR") or spells with
    its initials ("AIM" for "Ahlulbayt Islamic Mission"; not in a count, where "how many
    partners has IHRC" asks about the whole table, and only with a word for the rows)."""
    from rapidfuzz import fuzz

    asked = normalize(question)
    acronyms = set(re.findall(r"\b[A-Z][A-Z0-9&-]*[A-Z0-9]\b", question))
    # whose list it is ("the IHRC partner list", "IHRC's web site") names no row
    acronyms = {a for a in acronyms if not re.search(_OWNER.format(re.escape(a)), question)}
    # initials only where the question calls the rows by name ("is AIM on the partner
    # list?", not "AIM's goals as listed on its home page")
    initials = not COUNT.search(question) and bool(_TABLE_NOUN.search(question))
    found = []
    rows = _rows_of(tuple(orgs))
    for name, key in rows.keys.items():
        if acronyms & (rows.initials[name] if initials else rows.bracketed[name]):
            found.append(name)
            continue
        if len(key) < SHORTEST_NAME:  # "RISE", "Al-Ajal": as the table writes it, whole
            if re.search(rf"\b{re.escape(key)}\b", asked) and (
                name.isupper() or re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", question)
            ):
                found.append(name)
            continue
        if len(asked) < len(key):
            continue
        aligned = fuzz.partial_ratio_alignment(key, asked, score_cutoff=NAME_MATCH)
        if aligned is None:
            continue
        start = aligned.dest_start
        if start == 0 or not asked[start - 1].isalnum() or asked[start].isalnum() is False:
            found.append(name)
    return sorted(found, key=len, reverse=True)


_OWNER = (
    r"\b{}(?:['’]s)?\s+(?:(?:partners?|partnership|co-?sponsors?|coalition)\s+)?"
    r"(?:list|roster|table|page|web\s?site|appendix)\b"
)
_TABLE_NOUN = re.compile(
    r"\b(partners?|organi[sz]ations?|orgs?|groups?|entry|entries|list|appendix|table)\b", re.I
)


def bracket_acronym(question: str, orgs: Sequence[Organization]) -> bool:
    """Whether the question uses an acronym only a row gives, in brackets ("MSA-PSG")."""
    asked = set(re.findall(r"\b[A-Z][A-Z0-9&-]*[A-Z0-9]\b", question))
    return any(asked & found for found in _rows_of(tuple(orgs)).bracketed.values())


@dataclass(frozen=True)
class _Rows:
    """What the parser reads off a table once, not per question."""

    keys: dict[str, str]  # row name -> its normalized form
    bracketed: dict[str, frozenset[str]]  # row name -> acronyms it gives in brackets
    initials: dict[str, frozenset[str]]  # ... and those with its initials
    vocabulary: frozenset[str]  # stems of the rows' names


@cache
def _rows_of(orgs: tuple[Organization, ...]) -> _Rows:
    names = list(dict.fromkeys(o.name for o in orgs))
    return _Rows(
        keys={n: normalize(n) for n in names},
        bracketed={n: frozenset(row_acronyms(n, initials=False)) for n in names},
        initials={n: frozenset(row_acronyms(n)) for n in names},
        vocabulary=frozenset(t for o in orgs for t in tokenize(o.name)),
    )


INITIALS = 3  # the fewest letters of an acronym read from a name's initials


def row_acronyms(name: str, *, initials: bool = True) -> list[str]:
    """The acronyms a row name goes by: those it gives in brackets, and its initials."""
    found = re.findall(r"\(([A-Z][A-Z0-9&-]+)\)", name)
    capitals = [w[0] for w in re.findall(r"[A-Za-z][\w’'-]*", re.sub(r"\(.*?\)", " ", name))]
    letters = "".join(c for c in capitals if c.isupper())
    if initials and len(letters) >= INITIALS:
        found.append(letters)
    return found


def named_elsewhere(
    named: Sequence[str], include: Sequence[Place], orgs: Sequence[Organization]
) -> bool:
    """Whether the question asks for a place none of the rows it names is in: "Which
    Saudi-based group partnered with the IHRC?" asks for Saudi rows, the IHRC is who they
    partnered with."""
    rows = [o for o in orgs if o.name in named]
    return bool(include) and not any(matches(o, p) for o in rows for p in include)
