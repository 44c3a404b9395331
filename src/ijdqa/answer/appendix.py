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

Pure: the question and the table in, an `AppendixQuery` out. Beside it: the report's words for
its table (appendix_words.py), the rows a question names (appendix_names.py), the rows a query
selects (appendix_select.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ijdqa.answer.appendix_names import (
    POSITION_WORDS,
    QUOTED,
    bracket_acronym,
    name_terms,
    named_elsewhere,
    named_rows,
)
from ijdqa.answer.appendix_words import COUNT, SET_ASIDE, TableWords, is_about_table
from ijdqa.answer.places import (
    ROW_NOUN,
    Place,
    based_words,
    in_rows,
    link_places,
    place_named,
    place_spans,
)
from ijdqa.types import Organization

Operation = Literal[
    "rows", "total", "by_country", "by_region", "countries", "duplicates"
]  # what is asked of the table


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


_SHARE = re.compile(r"\b(percent\w*|share|proportion|fraction|%)", re.I)
_LIST = re.compile(
    r"\b(which|list (?:the|all|of)|name|what are|who are|show|any|are there|is there|give|what(?:s|'s)? (?:the )?(?!(?:did|does|do|are|were|is|was|have|has)\b)\w+ (?:groups?|organi[sz]ations?|partners?|orgs?))\b",
    re.I,
)
_DUPLICATES = re.compile(
    r"\b(twice|duplicat\w*|repeated|repeats?|more than once|two times|double[ds]?)\b", re.I
)
_DISTINCT = re.compile(r"\b(?:distinct|unique|(?<!more than )once)\b", re.I)
_COUNTRIES = re.compile(
    r"\b(how many|number of|count)\s+(?:\w+\s+){0,2}?(?:countr(?:y|ies)|nations?)\b"
    r"|\b(?:countr(?:y|ies)|nations?)\b.{0,40}\b(how many|number)\b",
    re.I,
)
_BY_COUNTRY = re.compile(
    r"\b(which|what)\s+(?:\w+\s+)?(?:countr(?:y|ies)|nations?)\b|\b(by|per|each|every)\s+country\b"
    r"|\bbreak\s?down\b|\bmost\b|\bfewest\b|\bleast\b|\b(?:second|third)\W+(?:largest|biggest|most)\b"
    r"|\b(?:only|just)\s+(?:one|a single|1)\b|\bsingle\b"
    r"|\b(?:countr(?:y|ies)|nations?)\b.{0,30}\b(represented|come from|from)\b",
    re.I,
)
_BY_REGION = re.compile(
    r"\b(which|what)\s+(?:\w+\s+)?(continents?|regions?)\b|\b(by|per|each)\s+(continent|region)\b",
    re.I,
)
# "not counting the UK", "outside Malaysia", "non-British": the place that follows is left out
_LEAVING_OUT = (
    r"\b(not counting|excluding|exclude|except(?: for)?|outside(?: of)?|other than|besides|"
    r"apart from|aside from|beyond|leav(?:e|ing) (?:out|aside)|minus|not in|not from|without|"
    r"non)"
)
_EXCLUDE = re.compile(
    _LEAVING_OUT
    + r"\W+(?:(?:both|either|every|each|all|any|the|\d+|one|two|three|four|five|six)\s+)*$",
    re.I,
)
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
    aside = _COUNTING_ASIDE.sub(" ", question)
    if aside != question and (query := _parse(aside, orgs, words)) is not None:
        return query  # "(counting Scotland as part of the UK)" says how to count, not what
    if context and (pronoun := _PRONOUN.search(question)):
        # "under which countries is it listed?" after "Is Neturei Karta among the
        # partners?": "it" is the row the conversation named
        named = named_rows(context, orgs)
        if named:
            own = question[: pronoun.start()] + named[0] + question[pronoun.end() :]
            if (query := _parse(own, orgs, words)) is not None:
                return query
    query = _parse(question, orgs, words)
    those = _THOSE.search(question) if context else None
    if context is None or (query is not None and not those):
        return query
    earlier = _parse(context, orgs, words)
    if earlier is not None and those:
        # "which one of those is in mumbai?" after "How many Indian organizations ...?": the
        # earlier rows, narrowed by what the follow-up asks of them
        own = question[: those.start()] + " the partners " + question[those.end() :]
        narrowed = query or _parse(own, orgs, words)
        if narrowed is not None and (narrowed.terms or narrowed.include or narrowed.words):
            return replace(narrowed, include=narrowed.include or earlier.include)
    if query is not None:
        return query
    places = link_places(question, orgs)
    if earlier is not None and not places and _EACH.search(question) and len(earlier.include) > 1:
        return replace(earlier, count=True, each=True)  # "... and how many from each?"
    if earlier is None or not places:
        return None
    include, exclude = _split_places(question, places)
    operation = "rows" if include or earlier.operation not in _GROUPED else earlier.operation
    count = earlier.count or bool(COUNT.search(question))
    return AppendixQuery(operation, count, include, exclude)


# between two places of one list: "the UK and Malaysia", "Iran, Iraq or Syria"
_COORDINATED = re.compile(
    r"^\W*(?:,|and|or|nor|&|as well as)?\s*(?:the\s+)?$"
    # an aside that widens the place left out: "every UK entry (including those for Scotland"
    r"|^[\w\s-]{0,20}\(\s*(?:including|incl\.)\s+(?:(?:the\s+)?ones?|those)?\s*(?:for|from|in)?\s*$",
    re.I,
)


_PRONOUN = re.compile(r"\b(it|they|them)\b", re.I)
_THOSE = re.compile(r"\b(?:(?:which\s+)?(?:one|ones)\s+of\s+)?(?:those|these|them)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:which|what|how many)\b", re.I)
# an aside on how to count: "(counting Scotland as part of the UK)", "(including the ones in X)"
_COUNTING_ASIDE = re.compile(
    r"\(\s*(?:counting|including|incl\.|treating|taking|with)\b[^()]*\)", re.I
)


def _split_places(
    question: str, places: Sequence[tuple[Place, int]]
) -> tuple[tuple[Place, ...], tuple[Place, ...]]:
    """The places asked for and those left out. An exclusion covers the list of places it
    opens: "leave out both the UK and Malaysia" leaves out both; "Leaving Britain aside"
    sets aside the place it follows."""
    include: list[Place] = []
    exclude: list[Place] = []
    previous_end, previous_out = 0, False
    for place, at in places:
        listed = previous_out and _COORDINATED.match(_place_gap(question, previous_end, at))
        end = at + _mention_length(question, at)
        out = bool(_EXCLUDE.search(question[:at]) or listed or SET_ASIDE.match(question, end))
        (exclude if out else include).append(place)
        previous_end, previous_out = end, out
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
        or bracket_acronym(question, orgs)
        or (_CITY_ASKED.search(question) and named_rows(question, orgs))
    ):
        return None
    named = named_rows(question, orgs)
    places = link_places(question, orgs)
    include, exclude = _split_places(question, places)
    count = bool(COUNT.search(question))
    entries = _entries(question, orgs)
    if entries and is_about_table(question, words, places_only=True, ignore=POSITION_WORDS):
        return AppendixQuery("rows", count, entries=entries)
    if (
        named
        and _NAMED_CUE.search(question)
        and not _NOT_TABLE.match(question)
        and is_about_table(question, words, places_only=True, ignore=named)
        and not named_elsewhere(named, include, orgs)
    ):
        return AppendixQuery("rows", count, names=tuple(named))
    asked_member = _MEMBERSHIP.match(question)
    if asked_member and not places:
        member = re.sub(r"^(?:the|a|an|any)\s+", "", asked_member.group(1).strip(" ,"), flags=re.I)
        named_like = member[:1].isupper() or member.startswith("al-") or question.islower()
        if member and named_like and not ROW_NOUN.fullmatch(member):
            return AppendixQuery("rows", False, member=member)
    label_cue = _LABEL.search(question)
    if label_cue and _NOT_ONLY.search(question[: label_cue.start()]):
        label_cue = None  # "not only the ones tagged Africa": the label widens, it is no filter
    lacking = _LACKING.search(question)
    labels = _labels(question, label_cue) if label_cue else ()
    if labels or lacking:
        # "not counting rows labelled UK" leaves the label out; "Apart from the two Detroit
        # groups, which are labelled 'United States'?" leaves out Detroit, in its own clause
        at = label_cue.start() if label_cue else 0
        cues = list(_EXCLUDE_CUE.finditer(question[:at]))
        out = bool(cues) and not _CLAUSE_BREAK.search(question, cues[-1].end(), at)
        return AppendixQuery(
            "rows",
            count,
            include=() if labels else include,  # labels are how places are written
            exclude=() if labels and out else exclude,
            labels=() if out or not label_cue else labels,
            exclude_labels=labels if out and label_cue else (),
            lacking=_FIELDS.get(lacking.group(1).lower()) if lacking else None,
        )
    about_table = is_about_table(question, words)
    # a question naming a table operation may hold a few other words ("Which country
    # contributes the most partners?"); one naming none must be made of the table's words
    about_operation = about_table or is_about_table(question, words, places_only=True)
    # "counting the repeated entry once, how many Indian groups?": the repeats are how to
    # count the rows of a place, not the rows asked for
    counted_once = bool(include and _DISTINCT.search(question))
    if _DUPLICATES.search(question) and about_operation and not counted_once:
        return AppendixQuery("duplicates", count)
    if not include and about_operation:
        if _COUNTRIES.search(question):
            return AppendixQuery("countries", True, exclude=exclude)
        if _BY_REGION.search(question):
            return AppendixQuery("by_region", count, exclude=exclude)
        if _BY_COUNTRY.search(question):
            return AppendixQuery("by_country", count, exclude=exclude)
    # "Hastings-based": rows whose name or city holds a word that is no country or region
    based = [w for w in based_words(question, orgs) if not place_named(w, {}) and in_rows(w, orgs)]
    if based and not places:
        return AppendixQuery("rows", count, words=tuple(based))
    terms = () if named else name_terms(question, orgs, words, places)
    asked = count or _LIST.search(question) or based_words(question, orgs)
    if places:
        # the places as the question writes them, the table's cities too ("orgs Sydney")
        placed = (*terms, *(question[start:end] for _, start, end in place_spans(question, orgs)))
        if not (asked or is_about_table(question, words, strict=True, ignore=placed)):
            return None
        if not is_about_table(question, words, places_only=True, ignore=placed):
            return None  # "Name the institution in Britain that employs X" is about X
        each = bool(_EACH.search(question)) and len(include) > 1
        share = bool(_SHARE.search(question))
        return AppendixQuery(
            "rows", count, include, exclude, each=each, share=share, terms=tuple(terms)
        )
    if terms and (
        (asked and is_about_table(question, words, places_only=True, ignore=terms))
        or is_about_table(question, words, strict=True, ignore=terms)
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
# "not only those tagged X", "whether or not it carries the X label": every row of the place
_NOT_ONLY = re.compile(
    r"\b(?:not (?:only|just|merely|simply)|whether or not|regardless of|irrespective of)\b"
    r"(?:\W+\w+){0,6}\W*$",
    re.I,
)
# "the entry with no country", "a continent rather than a country": a field left empty
_FIELDS = {"country": "country", "city": "city", "region": "region", "continent": "region"}
_LACKING = re.compile(
    r"\b(?:no|without|rather than|lacks?|lacking|missing|not)\s+(?:an?\s+|any\s+)?"
    r"(country|city|region|continent)\b",
    re.I,
)


_LABEL_GAP = re.compile(
    r"^(?:\W*\b(?:as|with|by|the|a|an|region|regional|country|continent|only|just)\b)*\W*$", re.I
)


def _labels(question: str, cue: re.Match[str]) -> tuple[str, ...]:
    """How the entries asked about are labelled: the words the question quotes, else the
    places written right after the cue and the places listed with them ("labelled UK or
    United Kingdom"; not "from Asia, Turkey included, as the appendix labels it")."""
    quoted = [q.strip(" ,.;:") for q in QUOTED.findall(question)]
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


# "entry 13", "number 40", "#7": a row by its number; "the first/last entry", "heads the list"
_ENTRY_NUMBER = re.compile(r"\b(?:entry|entries|item|row|number|no\.|#)\s*(\d{1,3})\b", re.I)
_ENTRY_POSITION = re.compile(
    r"\b(first|last|final|top|opening|closing)\s+(?:\w+\s+)?(?:entry|entries|organi[sz]ations?|"
    r"partners?|groups?|rows?|items?|names?|one)\b|\b(heads|tops|opens|ends|closes)\s+the\b",
    re.I,
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


_GROUPED = ("by_country", "by_region", "countries")


# "what city is X in", "X city?": a detail of a row the table would give (its city)
# "What city is X in?", "which country are X and Y in?": a field of rows the question names
_CITY_ASKED = re.compile(
    r"\b(?:which|what|in what)\s+(?:city|town|country|nation)\b|\b(?:city|town)\W*$", re.I
)
