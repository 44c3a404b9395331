"""Questions over the report's table of partner organizations (its appendix), in everyday words.

A small parser, not a phrase list: it links every place the question mentions (a country
however written, its demonym or adjective, "X-based", a city of the table, a continent or
sub-region derived from the country) and reads which operation is asked:

- count or list the rows of some places ("how many UK groups", "any orgs in Kenya?");
- exclusion ("not counting British groups", "outside the UK");
- the breakdown by country or by region, the number of distinct countries;
- the rows listed more than once; the table's total.

Pure: the question and the table in, an `AppendixQuery` and its rows out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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

    @property
    def places(self) -> tuple[Place, ...]:
        return self.include + self.exclude


_COUNT = re.compile(
    r"\b(how many|number of|count|tally|total|how much|percent\w*|share|proportion|fraction)\b",
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
_EXCLUDE = re.compile(
    r"\b(not counting|excluding|exclude|except(?: for)?|outside(?: of)?|other than|besides|"
    r"apart from|aside from|beyond|leaving out|not in|not from|without|non)\W+(?:the\s+)?$",
    re.I,
)
# "Is X among the partners?", "Are any German groups listed?": yes or no, with the rows
_MEMBERSHIP = re.compile(
    r"^\W*(?:is|are|was|were|does|do)\s+(?:there\s+)?(.+?)\s+(?:among|on|in|listed|included|"
    r"part of|one of|a partner|an? \w+ partner)\b",
    re.I,
)
# what a question naming a row asks of the table: where it is listed, whether it is there
_NAMED_CUE = re.compile(
    r"\b(countr\w*|city|where|based|located|listed|(?:in|on) the list|partners?|partnered|appendix|among|"
    r"included|twice|entry|entries)\b",
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
    return TableWords(frozenset(tokenize(" ".join(texts))), frozenset(rows))


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


def _split_places(
    question: str, places: Sequence[tuple[Place, int]]
) -> tuple[tuple[Place, ...], tuple[Place, ...]]:
    include = tuple(p for p, at in places if not _EXCLUDE.search(question[:at]))
    exclude = tuple(p for p, at in places if _EXCLUDE.search(question[:at]))
    return include, exclude


def _parse(question: str, orgs: Sequence[Organization], words: TableWords) -> AppendixQuery | None:
    if not orgs or not words.names_rows(question):
        return None
    named = named_rows(question, orgs)
    places = link_places(question, orgs)
    include, exclude = _split_places(question, places)
    count = bool(_COUNT.search(question))
    if named and _NAMED_CUE.search(question):
        return AppendixQuery("rows", count, names=tuple(named))
    asked_member = _MEMBERSHIP.match(question)
    if asked_member and not places:
        member = re.sub(r"^(?:the|a|an|any)\s+", "", asked_member.group(1).strip(" ,"), flags=re.I)
        named_like = member[:1].isupper() or member.startswith("al-") or question.islower()
        if member and named_like and not ROW_NOUN.fullmatch(member):
            return AppendixQuery("rows", False, member=member)
    about_table = _about_table(question, words)
    if _DUPLICATES.search(question) and about_table:
        return AppendixQuery("duplicates", count)
    if not include and about_table:
        if _COUNTRIES.search(question):
            return AppendixQuery("countries", True, exclude=exclude)
        if _BY_REGION.search(question):
            return AppendixQuery("by_region", count, exclude=exclude)
        if _BY_COUNTRY.search(question):
            return AppendixQuery("by_country", count, exclude=exclude)
    based = [m.group(1) for m in BASED.finditer(question) if not place_named(m.group(1), {})]
    if based and not places:
        return AppendixQuery("rows", count, words=tuple(based))
    if places:
        asked = count or _LIST.search(question) or BASED.search(question)
        if not (asked or _about_table(question, words, strict=True)):
            return None
        if not _about_table(question, words, places_only=True):
            return None  # "Name the institution in Britain that employs X" is about X
        each = bool(_EACH.search(question)) and len(include) > 1
        share = bool(_SHARE.search(question))
        return AppendixQuery("rows", count, include, exclude, each=each, share=share)
    if count and about_table:
        return AppendixQuery("total", True)
    return None


PLACE_QUESTION_SLACK = 2  # other words a place question may hold ("based", "combined")
_GROUPED = ("by_country", "by_region", "countries")
NAME_MATCH = 90  # rapidfuzz partial ratio from which a table row's name is taken as named
SHORTEST_NAME = 8  # shorter names ("RISE") match only as whole words


def named_rows(question: str, orgs: Sequence[Organization]) -> list[str]:
    """Names of table rows the question mentions (a slip of a letter allowed), longest first."""
    from rapidfuzz import fuzz

    asked = normalize(question)
    found = []
    for name in dict.fromkeys(o.name for o in orgs):
        key = normalize(name)
        if len(key) < SHORTEST_NAME:
            if re.search(rf"\b{re.escape(key)}\b", asked) and name.isupper():
                found.append(name)
            continue
        if fuzz.partial_ratio(key, asked) >= NAME_MATCH and len(asked) >= len(key):
            found.append(name)
    return sorted(found, key=len, reverse=True)


# words that name the operation, not the topic
_OPERATION_WORDS = frozenset(
    tokenize(
        "country countries region regions continent continents most fewest twice duplicate "
        "duplicated repeated once times breakdown represented come from based each per every "
        "combined together respectively separately among any named called included "
        "different distinct unique various appear appears occur occurs show shown non only "
        "single one just least largest biggest second third"
    )
)


def _about_table(
    question: str, words: TableWords, *, strict: bool = False, places_only: bool = False
) -> bool:
    """Whether a question asks about the table: most of its content words (places aside) are
    the report's own words for it, or generic words for a total."""
    rows = set(tokenize(" ".join(m.group(0) for m in ROW_NOUN.finditer(question)))) | words.rows
    for _, start, end in place_spans(question, []):
        rows |= set(tokenize(question[start:end]))
    content = [
        t
        for t in tokenize(_COUNT.sub(" ", question))
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
        if query.names:
            rows = [o for o in rows if o.name in query.names]
        if query.words:
            wanted = [normalize(w) for w in query.words]
            rows = [o for o in rows if any(w in normalize(o.line) for w in wanted)]
        if query.include:
            rows = [o for o in rows if any(matches(o, p) for p in query.include)]
        return Selection(rows)
    if query.operation in ("by_country", "countries"):
        return Selection(rows, ranked(o.country or NO_COUNTRY for o in rows))
    if query.operation == "by_region":
        return Selection(rows, ranked(region_of(o) or NO_REGION for o in rows))
    return Selection(rows)


_FIELD_WORDS = {"city": re.compile(r"\b(city|town|where)\b", re.I)}


def asks_missing_field(question: str, rows: Sequence[Organization]) -> bool:
    """Whether the question asks for a detail of named rows that the table does not give
    ("which city is X in?" for a row with no city)."""
    return bool(_FIELD_WORDS["city"].search(question)) and not any(o.city for o in rows)


_WHETHER = re.compile(
    r"^\W*(?:is|are|was|were|does|do|did|has|have)\b"
    r"|\b(?:listed|included|a partner|among the partners|one of the partners)\W*$",
    re.I,
)


def asks_whether(question: str) -> bool:
    """A yes-or-no question: "Is X a partner?", "Are any German groups listed?" (not "Which
    Nigerian groups are among the partners?")."""
    asked = question.strip()
    if re.match(r"^\W*(?:which|what|who|how|where|when|list|name)\b", asked, re.I):
        return False
    return bool(_WHETHER.search(asked))
