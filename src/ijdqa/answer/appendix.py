"""Questions over the report's table of partner organizations (its appendix), in everyday words.

A small parser, not a phrase list: it links every place the question mentions (a country
however written, its demonym or adjective, "X-based", a city of the table, a continent or
sub-region derived from the country) and reads which operation is asked:

- count or list the rows of some places ("how many UK groups", "any orgs in Kenya?");
- exclusion ("not counting British groups", "outside the UK");
- the breakdown by country or by region, the number of distinct countries;
- the rows listed more than once; the table's total;
- rows by the words of their names ("which partners have 'Quds' in their names", "mumbai
  group"), by an acronym ("CD4HR", or initials: "AIM"), by how they are labelled ("tagged
  'Asia'", "spelled out 'United Kingdom'"), by a field they leave empty ("no country"), by
  number or position ("entry 13", "the last organization");
- a place no row is in, answered by the rows whose name refers to it ("Lebanese Community
  in Scotland" for Lebanon); a "which" question none answers is one the report does not.

Pure: the question and the table in, an `AppendixQuery` and its rows out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Literal

from ijdqa.answer.places import (
    BASED,
    ROW_NOUN,
    Place,
    describe,
    link_places,
    matches,
    place_named,
    place_spans,
    ranked,
    refers_to,
    region_of,
)
from ijdqa.search.lexical import related_forms, tokenize
from ijdqa.text import normalize
from ijdqa.types import Organization, Paragraph

Operation = Literal[
    "rows", "total", "by_country", "by_region", "countries", "duplicates"
]  # what is asked of the table


# the group of rows the table places nowhere (worded without a negation: a claim check reads
# "no ..." as contradicting the rows, which say nothing of the kind)
NO_COUNTRY = "without a country"
NO_REGION = "without a region"


@dataclass(frozen=True)
class AppendixQuery:
    operation: Operation
    count: bool  # asks how many (else which)
    include: tuple[Place, ...] = ()
    exclude: tuple[Place, ...] = ()
    names: tuple[str, ...] = ()  # rows the question names ("in which countries is X listed")
    member: str | None = None  # "is X among the partners?" where X names no row: no
    each: bool = False  # one count per place asked about
    share: bool = False  # asks what part of the table they are ("what percentage ...")
    words: tuple[str, ...] = ()  # "Manchester-based": rows whose entry names the word
    terms: tuple[str, ...] = ()  # "which partners have 'Quds' in their names": name words
    labels: tuple[str, ...] = ()  # "entries tagged 'Asia'": rows whose label reads so
    lacking: str | None = None  # "the entry with no country": rows without that field
    exclude_labels: tuple[str, ...] = ()  # "not counting rows labelled 'UK'"
    entries: tuple[int, ...] = ()  # "entry 13", "the last organization": rows by position

    @property
    def places(self) -> tuple[Place, ...]:
        return self.include + self.exclude


_COUNT = re.compile(
    r"\b(how many|number of|count(?:ing|ed|s)?|tally|total|how much|percent\w*|share|proportion|fraction)\b",
    re.I,
)
_SHARE = re.compile(r"\b(percent\w*|share|proportion|fraction|%)", re.I)
_LIST = re.compile(
    r"\b(which|list (?:the|all|of)|name|what are|who are|show|any|are there|is there|give|what(?:s|'s)? (?:the )?(?!(?:did|does|do|are|were|is|was|have|has)\b)\w+ (?:groups?|organi[sz]ations?|partners?|orgs?))\b",
    re.I,
)
_DUPLICATES = re.compile(
    r"\b(twice|duplicat\w*|repeated|repeats?|more than once|two times|double[ds]?)\b", re.I
)
_COUNTRIES = re.compile(
    r"\b(how many|number of|count)\s+(?:\w+\s+){0,2}?countr(?:y|ies)\b"
    r"|\bcountr(?:y|ies)\b.{0,40}\b(how many|number)\b",
    re.I,
)
_BY_COUNTRY = re.compile(
    r"\b(which|what)\s+(?:\w+\s+)?countr(?:y|ies)\b|\b(by|per|each|every)\s+country\b"
    r"|\bbreak\s?down\b|\bmost\b|\bfewest\b|\bleast\b|\b(?:second|third)\W+(?:largest|biggest|most)\b"
    r"|\b(?:only|just)\s+(?:one|a single|1)\b|\bsingle\b"
    r"|\bcountr(?:y|ies)\b.{0,30}\b(represented|come from|from)\b",
    re.I,
)
_BY_REGION = re.compile(
    r"\b(which|what)\s+(?:\w+\s+)?(continents?|regions?)\b|\b(by|per|each)\s+(continent|region)\b",
    re.I,
)
# "not counting the UK", "outside Malaysia", "non-British": the place that follows is left out
_LEAVING_OUT = (
    r"\b(not counting|excluding|exclude|except(?: for)?|outside(?: of)?|other than|besides|"
    r"apart from|aside from|beyond|leav(?:e|ing) out|leave aside|minus|not in|not from|without|"
    r"non)"
)
_EXCLUDE = re.compile(_LEAVING_OUT + r"\W+(?:both\s+|either\s+)?(?:the\s+)?$", re.I)
_EXCLUDE_CUE = re.compile(_LEAVING_OUT + r"\b", re.I)
# "Is X among the partners?", "Are any German groups listed?": yes or no, with the rows
_MEMBERSHIP = re.compile(
    r"^\W*(?:is|are|was|were|does|do)\s+(?:there\s+)?(.+?)\s+(?:among|on|in|listed|included|"
    r"part of|one of|a partner|an? \w+ partner)\b",
    re.I,
)
# what a question naming a row asks of the table: where it is listed, whether it is there
_NAMED_CUE = re.compile(
    r"\b(countr\w*|city|where|based|located|listed|(?:in|on) the list|partners?|partnered|appendix|among|"
    r"included|twice|entry|entries|stands? for|short for|abbreviat\w*|acronym\w*)\b",
    re.I,
)
# "how many from each", "respectively": one count per place asked about
_EACH = re.compile(r"\b(each|respectively|separately|apiece|per country|individually)\b", re.I)


INTRO_WORDS = 4  # "Organizations that partnered up", "Groups that co-signed the": what a row is


@dataclass(frozen=True)
class TableWords:
    """What the report says about its table: every stem of the appendix's headings and intro
    (`about`), and the stems of the intro's opening words, which say what a row is (`rows`)."""

    about: frozenset[str] = frozenset()
    rows: frozenset[str] = frozenset()
    common: frozenset[str] = frozenset()  # stems the report mostly writes in lower case

    def names_rows(self, question: str) -> bool:
        """Whether the question calls the rows by a word of the intro ("co-signers" for
        "Groups that co-signed") or by a common word for them ("partners", "orgs")."""
        if ROW_NOUN.search(question) or BASED.search(question):
            return True
        stems = [t for t in tokenize(question) if len(t) >= SHORTEST_STEM]
        return any(t == w or related_forms(t, w) for t in stems for w in self.rows)


SHORTEST_STEM = 3  # shorter stems ("co") say nothing about what a row is


def table_words(paragraphs: Sequence[Paragraph]) -> TableWords:
    texts = [
        p.text
        for p in paragraphs
        if p.section.lower().startswith("appendix") and not re.match(r"^\d+\.", p.text)
    ]
    intro = next((t for t in texts if len(t.split()) > INTRO_WORDS), "")
    rows = {t for t in tokenize(" ".join(intro.split()[:INTRO_WORDS])) if len(t) >= SHORTEST_STEM}
    return TableWords(
        frozenset(tokenize(" ".join(texts))), frozenset(rows), _common_stems(paragraphs)
    )


def _common_stems(paragraphs: Sequence[Paragraph]) -> frozenset[str]:
    """Stems the report writes in lower case mid-sentence at least as often as capitalized:
    common words, not names ("support", not "Mumbai")."""
    lower: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for p in paragraphs:
        for m in re.finditer(r"(?<=[a-z,;] )([A-Za-z][\w’'-]+)", p.text):
            for t in tokenize(m.group(1)):
                total[t] += 1
                lower[t] += m.group(1)[0].islower()
    return frozenset(t for t, n in total.items() if 2 * lower[t] >= n)


_GENERIC = frozenset(
    tokenize(
        "total altogether overall all together appendix list listed table contain contains "
        "numbered include includes included have has"
    )
)


def parse(
    question: str,
    orgs: Sequence[Organization],
    vocabulary: TableWords | None = None,
    *,
    context: str | None = None,
) -> AppendixQuery | None:
    """What the question asks of the table, or None when it is not about the table.

    `vocabulary`: stems of the words the report uses about its table (`table_words`); a
    question that names no place is about the table only when its words are mostly those.
    `context`: the question a follow-up continues ("And from Pakistan?" after "How many
    Malaysian partners?"): its operation, with the follow-up's own places.
    """
    words = vocabulary or TableWords()
    if context and (pronoun := _PRONOUN.search(question)):
        # "under which countries is it listed?" after "Is Neturei Karta among the
        # partners?": "it" is the row the conversation named
        named = named_rows(context, orgs)
        if named:
            own = question[: pronoun.start()] + named[0] + question[pronoun.end() :]
            if (query := _parse(own, orgs, words)) is not None:
                return query
    query = _parse(question, orgs, words)
    if query is not None or context is None:
        return query
    earlier = _parse(context, orgs, words)
    places = link_places(question, orgs)
    if earlier is not None and not places and _EACH.search(question) and len(earlier.include) > 1:
        return replace(earlier, count=True, each=True)  # "... and how many from each?"
    if earlier is None or not places:
        return None
    include, exclude = _split_places(question, places)
    operation = "rows" if include or earlier.operation not in _GROUPED else earlier.operation
    count = earlier.count or bool(_COUNT.search(question))
    return AppendixQuery(operation, count, include, exclude)


# between two places of one list: "the UK and Malaysia", "Iran, Iraq or Syria"
_COORDINATED = re.compile(r"^\W*(?:,|and|or|nor|&|as well as)?\s*(?:the\s+)?$", re.I)


_PRONOUN = re.compile(r"\b(it|they|them)\b", re.I)


def _split_places(
    question: str, places: Sequence[tuple[Place, int]]
) -> tuple[tuple[Place, ...], tuple[Place, ...]]:
    """The places asked for and those left out. An exclusion covers the list of places it
    opens: "leave out both the UK and Malaysia" leaves out both."""
    include: list[Place] = []
    exclude: list[Place] = []
    previous_end, previous_out = 0, False
    for place, at in places:
        listed = previous_out and _COORDINATED.match(_place_gap(question, previous_end, at))
        out = bool(_EXCLUDE.search(question[:at]) or listed)
        (exclude if out else include).append(place)
        previous_end, previous_out = at + _mention_length(question, at), out
    return tuple(include), tuple(exclude)


def _place_gap(question: str, end: int, start: int) -> str:
    return question[end:start] if end <= start else ""


_WORD = re.compile(r"[A-Za-z][A-Za-z.'’]*")  # a word, as `place_spans` reads one


def _mention_length(question: str, at: int) -> int:
    """Length of the place mention starting at `at` (up to the next word break after it)."""
    for _, start, end in place_spans(question, []):
        if start == at:
            return end - start
    match = _WORD.match(question, at)
    return match.end() - at if match else 0


def _parse(question: str, orgs: Sequence[Organization], words: TableWords) -> AppendixQuery | None:
    if not orgs or not (
        words.names_rows(question)
        or _bracket_acronym(question, orgs)
        or (_CITY_ASKED.search(question) and named_rows(question, orgs))
    ):
        return None
    named = named_rows(question, orgs)
    places = link_places(question, orgs)
    include, exclude = _split_places(question, places)
    count = bool(_COUNT.search(question))
    entries = _entries(question, orgs)
    if entries and _about_table(question, words, places_only=True, ignore=_POSITION_WORDS):
        return AppendixQuery("rows", count, entries=entries)
    if (
        named
        and _NAMED_CUE.search(question)
        and not _NOT_TABLE.match(question)
        and _about_table(question, words, places_only=True, ignore=named)
    ):
        return AppendixQuery("rows", count, names=tuple(named))
    asked_member = _MEMBERSHIP.match(question)
    if asked_member and not places:
        member = re.sub(r"^(?:the|a|an|any)\s+", "", asked_member.group(1).strip(" ,"), flags=re.I)
        named_like = member[:1].isupper() or member.startswith("al-") or question.islower()
        if member and named_like and not ROW_NOUN.fullmatch(member):
            return AppendixQuery("rows", False, member=member)
    label_cue = _LABEL.search(question)
    lacking = _LACKING.search(question)
    labels = _labels(question, label_cue) if label_cue else ()
    if labels or lacking:
        out = bool(label_cue and _EXCLUDE_CUE.search(question[: label_cue.start()]))
        return AppendixQuery(
            "rows",
            count,
            include=() if labels else include,  # labels are how places are written
            exclude=() if labels else exclude,
            labels=() if out or not label_cue else labels,
            exclude_labels=labels if out and label_cue else (),
            lacking=lacking.group(1).lower() if lacking else None,
        )
    about_table = _about_table(question, words)
    # a question naming a table operation may hold a few other words ("Which country
    # contributes the most partners?"); one naming none must be made of the table's words
    about_operation = about_table or _about_table(question, words, places_only=True)
    if _DUPLICATES.search(question) and about_operation:
        return AppendixQuery("duplicates", count)
    if not include and about_operation:
        if _COUNTRIES.search(question):
            return AppendixQuery("countries", True, exclude=exclude)
        if _BY_REGION.search(question):
            return AppendixQuery("by_region", count, exclude=exclude)
        if _BY_COUNTRY.search(question):
            return AppendixQuery("by_country", count, exclude=exclude)
    based = [m.group(1) for m in BASED.finditer(question) if not place_named(m.group(1), {})]
    if based and not places:
        return AppendixQuery("rows", count, words=tuple(based))
    terms = () if named else name_terms(question, orgs, words, places)
    asked = count or _LIST.search(question) or BASED.search(question)
    if places:
        if not (asked or _about_table(question, words, strict=True, ignore=terms)):
            return None
        if not _about_table(question, words, places_only=True, ignore=terms):
            return None  # "Name the institution in Britain that employs X" is about X
        each = bool(_EACH.search(question)) and len(include) > 1
        share = bool(_SHARE.search(question))
        return AppendixQuery(
            "rows", count, include, exclude, each=each, share=share, terms=tuple(terms)
        )
    if terms and (
        (asked and _about_table(question, words, places_only=True, ignore=terms))
        or _about_table(question, words, strict=True, ignore=terms)
    ):
        return AppendixQuery("rows", count, terms=tuple(terms))
    if count and about_table:
        return AppendixQuery("total", True)
    return None


# the table gives no dates, people or reasons: "When was X's partner page updated?"
_NOT_TABLE = re.compile(r"^\W*(?:when|why|who|whom|how(?! many| much))\b", re.I)
# "tagged 'Asia'", "labelled UK", "spell out 'United Kingdom'": how an entry is written
_LABEL = re.compile(
    r"\b(tag(?:s|ged)?|label(?:s|led|ed)?|marked|spell(?:s|ed)? out|written as|"
    r"explicitly(?: \w+)?)\b",
    re.I,
)
# "the entry with no country", "a continent rather than a country": a field left empty
_LACKING = re.compile(
    r"\b(?:no|without|rather than|lacks?|lacking|missing|not)\s+(?:an?\s+|any\s+)?(country|city)\b",
    re.I,
)
_QUOTED = re.compile(r"[‘'“\"]([^‘’'“”\"]{1,40})[’'”\"]")


_LABEL_GAP = re.compile(
    r"^(?:\W*\b(?:as|with|by|the|a|an|region|regional|country|continent|only|just)\b)*\W*$", re.I
)


def _labels(question: str, cue: re.Match[str]) -> tuple[str, ...]:
    """How the entries asked about are labelled: the words the question quotes, else the
    places written right after the cue and the places listed with them ("labelled UK or
    United Kingdom"; not "from Asia, Turkey included, as the appendix labels it")."""
    quoted = [q.strip(" ,.;:") for q in _QUOTED.findall(question)]
    if quoted := [q for q in quoted if q]:
        return tuple(dict.fromkeys(quoted))
    found: list[str] = []
    end = cue.end()
    for _, start, stop in place_spans(question, []):
        gap = question[end:start] if start >= end else "x"
        if _LABEL_GAP.match(gap) or (found and _COORDINATED.match(gap)):
            found.append(question[start:stop])
            end = stop
    return tuple(dict.fromkeys(found))


def label_of(org: Organization) -> str | None:
    """How the table labels a row: the words after its last comma ("Europe" for
    "31. Network, Europe", "UK" for "4. CASMI, UK"); None when it has no label."""
    head, comma, label = org.line.rpartition(",")
    return label.strip() if comma and head and label.strip() else None


# "entry 13", "number 40", "#7": a row by its number; "the first/last entry", "heads the list"
_ENTRY_NUMBER = re.compile(r"\b(?:entry|entries|item|row|number|no\.|#)\s*(\d{1,3})\b", re.I)
_ENTRY_POSITION = re.compile(
    r"\b(first|last|final|top|opening|closing)\s+(?:\w+\s+)?(?:entry|entries|organi[sz]ations?|"
    r"partners?|groups?|rows?|items?|names?|one)\b|\b(heads|tops|opens|ends|closes)\s+the\b",
    re.I,
)
_POSITION_WORDS = frozenset(
    tokenize("first last final top opening closing heads tops opens ends closes entry number")
)


def _entries(question: str, orgs: Sequence[Organization]) -> tuple[int, ...]:
    numbers = {o.number for o in orgs}
    found = [int(m.group(1)) for m in _ENTRY_NUMBER.finditer(question)]
    for m in _ENTRY_POSITION.finditer(question):
        word = (m.group(1) or m.group(2)).lower()
        found.append(
            min(numbers)
            if word in ("first", "top", "opening", "heads", "tops", "opens")
            else max(numbers)
        )
    return tuple(n for n in dict.fromkeys(found) if n in numbers)


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
    skip = set(words.about) | set(words.rows) | _OPERATION_WORDS | _GENERIC | _POSITION_WORDS
    skip |= set(tokenize(" ".join(m.group(0) for m in ROW_NOUN.finditer(question))))
    for _, start, end in place_spans(question, orgs):
        skip |= set(tokenize(question[start:end]))
    cased = question != question.lower()
    quoted = {t for q in _QUOTED.findall(question) for t in tokenize(q)}
    first = re.match(r"\W*\w+", question)
    found: list[str] = []
    absent: list[str] = []
    for m in re.finditer(r"[\w’'&-]+", question):
        stems = tokenize(m.group(0))
        if not stems or any(t in skip for t in stems):
            continue
        written_as_name = m.group(0)[0].isupper() and (first is None or m.start() >= first.end())
        continues = bool(found) and _continues(found[-1], m.group(0), orgs, question, m.start())
        if cased and not written_as_name and not set(stems) & quoted and not continues:
            continue
        if not cased and set(stems) & words.common:
            continue  # "supported" in a lowercase question is no name
        if any(t not in vocabulary for t in stems):
            if written_as_name and m.group(0).upper() != m.group(0):
                absent.append(m.group(0))  # a name no row uses: "the Oxford Ahlulbayt Society"
            continue
        found.append(m.group(0).strip("’'"))
    # every name asked must be in the row's name; a name of no row leaves none
    return tuple(dict.fromkeys(found + absent)) if found else ()


PLACE_QUESTION_SLACK = 2  # other words a place question may hold ("based", "combined")
_GROUPED = ("by_country", "by_region", "countries")
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
    # initials only where the question calls the rows by name ("is AIM on the partner
    # list?", not "AIM's goals as listed on its home page")
    initials = not _COUNT.search(question) and bool(_TABLE_NOUN.search(question))
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


_TABLE_NOUN = re.compile(
    r"\b(partners?|organi[sz]ations?|orgs?|groups?|entry|entries|list|appendix|table)\b", re.I
)


# "what city is X in", "X city?": a detail of a row the table would give (its city)
_CITY_ASKED = re.compile(r"\b(?:which|what|in what)\s+(?:city|town)\b|\b(?:city|town)\W*$", re.I)


def _bracket_acronym(question: str, orgs: Sequence[Organization]) -> bool:
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
        bracketed={n: frozenset(_acronyms(n, initials=False)) for n in names},
        initials={n: frozenset(_acronyms(n)) for n in names},
        vocabulary=frozenset(t for o in orgs for t in tokenize(o.name)),
    )


INITIALS = 3  # the fewest letters of an acronym read from a name's initials


def _acronyms(name: str, *, initials: bool = True) -> list[str]:
    """The acronyms a row name goes by: those it gives in brackets, and its initials."""
    found = re.findall(r"\(([A-Z][A-Z0-9&-]+)\)", name)
    capitals = [w[0] for w in re.findall(r"[A-Za-z][\w’'-]*", re.sub(r"\(.*?\)", " ", name))]
    letters = "".join(c for c in capitals if c.isupper())
    if initials and len(letters) >= INITIALS:
        found.append(letters)
    return found


# words that name the operation, not the topic
_OPERATION_WORDS = frozenset(
    tokenize(
        "country countries region regions continent continents most fewest twice duplicate "
        "duplicated repeated once times breakdown represented come from based each per every "
        "combined together respectively separately among any named called included "
        "different distinct unique various appear appears occur occurs show shown non only "
        "single one just least largest biggest second third "
        # how a row relates to what is asked, and the acronyms the table gives
        "related relating linked connected associated abbreviation abbreviations acronym "
        "acronyms abbreviated"
    )
)


def _about_table(
    question: str,
    words: TableWords,
    *,
    strict: bool = False,
    places_only: bool = False,
    ignore: Iterable[str] = (),
) -> bool:
    """Whether a question asks about the table: most of its content words (places aside) are
    the report's own words for it, or generic words for a total."""
    rows = set(tokenize(" ".join(m.group(0) for m in ROW_NOUN.finditer(question)))) | words.rows
    for _, start, end in place_spans(question, []):
        rows |= set(tokenize(question[start:end]))
    rows |= {t for word in ignore for t in tokenize(word)}  # names of rows the question uses
    content = [
        t
        for t in tokenize(_COUNT.sub(" ", re.sub(r"[‘’'“”\"]", " ", question)))
        if not t.isdigit()
        and t not in rows
        and t not in _OPERATION_WORDS
        and not any(related_forms(t, w) for w in words.rows)
    ]
    known = words.about | _GENERIC
    outside = [t for t in content if t not in known]
    if strict:  # nothing but the rows and their places: "groups from the netherlands"
        return not outside and not [t for t in content if t not in _GENERIC]
    if places_only:  # with a place: at most two words of something else
        return len(outside) <= PLACE_QUESTION_SLACK
    return len(outside) <= len(content) // 3  # a name of something else is enough to leave


@dataclass(frozen=True)
class Selection:
    rows: list[Organization]
    groups: list[tuple[str, int]] = field(default_factory=list)  # (country or region, rows)
    named_after: bool = False  # no row is located in the place asked; these rows name it


def _names_term(org: Organization, term: str) -> bool:
    have = set(tokenize(org.name))
    return all(t in have for t in tokenize(term))


def term_as_written(term: str, rows: Sequence[Organization]) -> str:
    """A name word asked as the first of `rows` writes it ("Societies" asked, "Society"
    written), so a list's heading names what its rows say."""
    written = []
    for word in term.split():
        stems = tokenize(word)
        same = (
            w
            for o in rows[:1]
            for w in re.findall(r"[\w’'&-]+", o.name)
            if stems and tokenize(w) == stems
        )
        written.append(next(same, word))
    return " ".join(written)


def select(query: AppendixQuery, orgs: Sequence[Organization]) -> Selection:
    """The rows (and groups) a query asks for."""
    rows = [o for o in orgs if not any(matches(o, p) for p in query.exclude)]
    if query.operation == "duplicates":
        repeated = {o.repeat_of for o in orgs if o.repeat_of} | {
            o.number for o in orgs if o.repeat_of
        }
        return Selection([o for o in orgs if o.number in repeated])
    if query.operation == "rows":
        if query.member:
            return Selection([])
        if query.each:
            counts = [(describe([p]), sum(1 for o in rows if matches(o, p))) for p in query.include]
            rows = [o for o in rows if any(matches(o, p) for p in query.include)]
            return Selection(rows, counts)
        if query.entries:
            rows = [o for o in rows if o.number in query.entries]
        if query.names:
            rows = [o for o in rows if o.name in query.names]
        if query.words:
            wanted = [normalize(w) for w in query.words]
            rows = [o for o in rows if any(w in normalize(o.line) for w in wanted)]
        if query.terms:
            rows = [o for o in rows if all(_names_term(o, t) for t in query.terms)]
        if query.labels:
            labels = {normalize(x) for x in query.labels}
            rows = [o for o in rows if normalize(label_of(o) or "") in labels]
        if query.exclude_labels:
            left = {normalize(x) for x in query.exclude_labels}
            rows = [o for o in rows if normalize(label_of(o) or "") not in left]
        if query.lacking:
            rows = [o for o in rows if getattr(o, query.lacking) is None]
        if query.include:
            located = [o for o in rows if any(matches(o, p) for p in query.include)]
            if located:
                return Selection(located)
            # no row is located there: the rows whose name refers to it ("Lebanese
            # Community in Scotland" for Lebanon), said as such
            named = [o for o in rows if any(refers_to(o, p) for p in query.include)]
            return Selection(named, named_after=bool(named))
        return Selection(rows)
    if query.operation in ("by_country", "countries"):
        return Selection(rows, ranked(o.country or NO_COUNTRY for o in rows))
    if query.operation == "by_region":
        return Selection(rows, ranked(region_of(o) or NO_REGION for o in rows))
    return Selection(rows)


_FIELD_WORDS = {"city": re.compile(r"\b(city|cities|town|towns|where)\b", re.I)}
_ASKS_FIELD = {
    "city": re.compile(r"\b(?:which|what|in what)\s+(?:\w+\s+)?(?:city|cities|towns?)\b", re.I)
}


def asks_missing_field(question: str, rows: Sequence[Organization], *, named: bool = True) -> bool:
    """Whether the question asks for a detail of the rows that the table does not give
    ("which city is X in?" for a row with no city; "which cities are the Canadian groups
    in?" where no Canadian row gives one). For rows chosen by place, only an explicit
    "which city" asks for it ("where" is answered by the place)."""
    cue = _FIELD_WORDS if named else _ASKS_FIELD
    if _EXPANSION.search(question):  # what an acronym stands for: the row must spell it out
        nearest = _ACRONYM_ASKED.search(question)
        asked = {nearest.group(1)} if nearest else set(_CAPS.findall(question))
        return not any(asked & set(_acronyms(o.name, initials=False)) for o in rows)
    return bool(cue["city"].search(question)) and not any(o.city for o in rows)


_EXPANSION = re.compile(r"\b(?:stands?|stood|is short)\s+for\b", re.I)
_ACRONYM_ASKED = re.compile(
    r"\b([A-Z][A-Z0-9&-]*[A-Z0-9])\W+(?:\w+\W+)?(?:stands?|stood|is short)\s+for\b"
)
_CAPS = re.compile(r"\b[A-Z][A-Z0-9&-]*[A-Z0-9]\b")


_WHETHER = re.compile(
    r"^\W*(?:is|are|was|were|does|do|did|has|have)\b"
    r"|\b(?:listed|included|a partner|among the partners|one of the partners)\W*$",
    re.I,
)


def asks_whether(question: str) -> bool:
    """A yes-or-no question: "Is X a partner?", "Are any German groups listed?" (not "Which
    Nigerian groups are among the partners?")."""
    asked = question.strip()
    if re.match(r"^\W*(?:list|name)\b", asked, re.I) or re.search(
        r"\b(?:which|what|who|how|where|when)\b", asked, re.I
    ):
        return False  # "under which countries is it listed?" asks which, not whether
    return bool(_WHETHER.search(asked))


def describe_fields(query: AppendixQuery) -> str:
    """How a list's head names what its rows have in common besides their places."""
    said = []
    if query.entries:
        said.append(f"numbered {', '.join(map(str, query.entries))}")
    if query.labels:
        said.append(f"labelled {' or '.join(query.labels)}")
    if query.lacking:
        said.append(f"without a {query.lacking}")  # worded as NO_COUNTRY is
    return " ".join(said) + (" " if said else "")


_PRESUPPOSING = re.compile(r"(?:^|[,:;]\s)\W*(?:which|what|where|name|list|show|give)\b", re.I)
_ASKS_LOCATION = re.compile(r"\b(based|located|headquartered|situated|from|itself)\b", re.I)


def presupposes(question: str, *, located: bool = False) -> bool:
    """Whether a question takes for granted that the rows it asks for exist ("Which German
    groups are partners?"; not "Are there German groups?" or "How many ..."), so that none
    means the report does not say. `located`: some rows name the place without being there,
    which answers the question unless it asks where rows are based."""
    if not _PRESUPPOSING.search(question) or _COUNT.search(question):
        return False
    return not located or bool(_ASKS_LOCATION.search(question))
