"""Places in a question about the organizations table: a country however written (its name,
demonym or adjective, "X-based", a city of the table), a continent or sub-region derived from
the country, and whether a table row lies in a place. Pure."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from ijdqa.answer.spelling import lexicon, lexicon_words
from ijdqa.report.organizations import DEMONYMS, canonical_country
from ijdqa.search.lexical import tokenize
from ijdqa.text import normalize, words
from ijdqa.types import Organization


@dataclass(frozen=True)
class Place:
    kind: Literal["country", "region", "city"]
    name: str


# nouns a question uses for the rows of such a table
ROW_NOUN = lexicon_words("row_nouns.txt")


# "Manchester-based" (not "are based", where the place follows)
BASED = re.compile(r"\b(?!(?:are|is|was|were|be|been|being)\b)([A-Za-z]+)([- ])based\b", re.I)


def based_words(question: str, orgs: Sequence[Organization] = ()) -> list[str]:
    """The words a question puts before "-based" ("Manchester-based", "Detroit based"). Written
    apart, only a name, a place word or a word of a row's name or city (`orgs`): "where is it
    physically based?" names no place."""
    return [
        m.group(1)
        for m in BASED.finditer(question)
        if m.group(2) == "-"
        or m.group(1)[0].isupper()
        or is_place_word(m.group(1))
        or in_rows(m.group(1), orgs)
    ]


def in_rows(word: str, orgs: Sequence[Organization]) -> bool:
    """Whether some row's name or city holds the word ("Hastings", "Detroit")."""
    wanted = set(words(normalize(word)))
    return bool(wanted) and any(
        wanted <= set(words(normalize(f"{o.name} {o.city or ''}"))) for o in orgs
    )


_WORD = re.compile(r"[A-Za-z][A-Za-z.'’]*")


LONGEST_PLACE = 3  # words in the longest place name looked up ("united arab emirates")


PLACE_WORD_MIN = 4  # letters: shorter name parts ("of", "the") are no places to correct to


@cache
def regions() -> dict[str, frozenset[str]]:
    """Region name -> the ISO alpha-2 codes of its countries (lexicon/regions.txt)."""
    out = {}
    for line in lexicon("regions.txt"):
        name, _, codes = line.partition(":")
        out[name.strip()] = frozenset(codes.split())
    return out


@cache
def _region_words() -> dict[str, str]:
    words = {name.lower(): name for name in regions()}
    for line in lexicon("region_words.txt"):
        word, _, name = line.partition("=")
        words[word.strip().lower()] = name.strip()
    return words


@cache
def _alpha2(country: str) -> str | None:
    import pycountry  # local: the ISO tables load only for a region question

    try:
        return str(pycountry.countries.lookup(country).alpha_2)
    except LookupError:
        return None


def regions_of(org: Organization) -> set[str]:
    """Every region a row is in: those of its country, and the one the report gives."""
    found = {org.region} if org.region else set()
    code = _alpha2(org.country) if org.country else None
    if code:
        found |= {name for name, codes in regions().items() if code in codes}
    return found


def region_of(org: Organization) -> str | None:
    """The continent of a row, for display: the report's own label, else the country's."""
    if org.region:
        return org.region
    continents = [
        n
        for n in ("Africa", "Asia", "Europe", "North America", "South America", "Oceania")
        if n in regions_of(org)
    ]
    return continents[0] if continents else None


_SUFFIXES = (
    ("ian", ""),
    ("ian", "ia"),
    ("ian", "a"),
    ("an", ""),
    ("an", "a"),
    ("n", ""),
    ("i", ""),
    ("ese", ""),
    ("ish", ""),
)


def country_of(phrase: str) -> str | None:
    """The country a phrase names: its name in any common form, or its demonym."""
    found = canonical_country(phrase)
    if found:
        return found
    lower = normalize(phrase).strip(".")
    if lower in DEMONYMS:
        return DEMONYMS[lower]
    # the longest name that fits: "Nigerian" is Nigeria, not Niger
    stems = sorted(
        (
            lower[: -len(s)] + r
            for s, r in _SUFFIXES
            if lower.endswith(s) and len(lower) > len(s) + 2
        ),
        key=len,
        reverse=True,
    )
    return next((c for stem in stems if (c := canonical_country(stem))), None)


@cache
def place_words() -> frozenset[str]:
    """Lowercase words of country names and demonyms ("sweden", "zealand", "swedish"), for
    correcting a misspelled place the corpus never names."""
    import pycountry  # local: read only when a typo needs it

    names = [str(getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    found = {w for n in names for w in words(normalize(n)) if w.isalpha()}
    return frozenset(w for w in found | set(DEMONYMS) if len(w) >= PLACE_WORD_MIN)


def is_place_word(word: str) -> bool:
    """A country, a demonym or a region word ("Malaysian", "African"). A capital is a place
    too (`capital_country`), but one the corpus never names stays a name it does not mention:
    "Why was the conference held in Tehran?" -> "It does not mention Tehran". A possessive
    is its word ("Lebanon's")."""
    word = re.sub(r"['’]s$", "", word)
    return bool(country_of(word)) or normalize(word) in _region_words()


@cache
def _capitals() -> dict[str, str]:
    """Capital (normalized) -> its country, as the table's parse names countries."""
    found = {}
    for line in lexicon("capitals.txt"):
        capital, _, country = (part.strip() for part in line.partition("="))
        if named := country_of(country):
            found[normalize(capital)] = named
    return found


def capital_country(phrase: str) -> str | None:
    """The country whose capital a phrase names, as written with a capital letter
    ("Kuala Lumpur" -> Malaysia); None for anything else."""
    if not phrase[:1].isupper():
        return None
    return _capitals().get(normalize(phrase))


# "the Southeast Asian nation whose capital is Kuala Lumpur", "the country with its capital in
# Tehran": the whole description names the country (its adjectives too, not a region)
_CAPITAL_OF = re.compile(
    r"(?:\b(?:[\w-]+\s+){0,3}?(?:nation|country|state)\s+)?"
    r"\b(?:whose|with\s+(?:its|the|a))\s+capital(?:\s+city)?\s+(?:is|in|at|being)\s+$",
    re.I,
)


_AS_CAPITAL = re.compile(r"\s+as\s+(?:its|their|the)\s+capital(?:\s+city)?\b", re.I)
_WITH_BEFORE = re.compile(r"(?:\b(?:[\w-]+\s+){0,3}?(?:nation|country|state)\s+)?\bwith\s+$", re.I)


def link_places(question: str, orgs: Sequence[Organization]) -> list[tuple[Place, int]]:
    """Every place the question mentions, with the offset where it starts, longest first and
    never overlapping: "South Africa" is one place, not Africa."""
    return [(place, start) for place, start, _ in place_spans(question, orgs)]


def place_spans(question: str, orgs: Sequence[Organization]) -> list[tuple[Place, int, int]]:
    """`link_places` with the offset where each mention ends too."""
    text = BASED.sub(lambda m: f"{m.group(1)} based", question)
    cities = _cities(tuple(orgs))
    spans = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    taken: set[int] = set()
    found = _described_by_capital(text, spans, taken)
    for size in range(LONGEST_PLACE, 0, -1):
        for i in range(len(spans) - size + 1):
            if any(j in taken for j in range(i, i + size)):
                continue
            phrase = " ".join(s[2] for s in spans[i : i + size]).strip(".'’")
            place = place_named(phrase, cities)
            if place is None and capital_country(phrase):
                place = Place("city", phrase)  # a capital the table does not name: a city
            if place is None and size == 1 and normalize(phrase) == "us":
                place = _us_country(text, spans, i)
            if place is not None:
                taken.update(range(i, i + size))
                found.append((place, spans[i][0], spans[i + size - 1][1]))
    return sorted(found, key=lambda p: p[1])


@lru_cache(maxsize=16384)  # the same sentences come up question after question
def _country_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """(country, start, end) of each country a text names, in any form."""
    return tuple((p.name, a, b) for p, a, b in place_spans(text, ()) if p.kind == "country")


def country_terms(text: str) -> frozenset[str]:
    """The stems of the countries a text names in any form ("Lebanese" -> lebanon): a
    question's "Lebanon's electorate" is held by "Lebanese voters"."""
    return frozenset(t for name, _, _ in _country_spans(text) for t in tokenize(name))


def with_countries(text: str) -> str:
    """The text with each country it names in any form written as the country's name:
    "the Islamic Republic" and "Iranian" are Iran, so a description of a person ("the
    leader of the Islamic Republic") and a question's ("Iran's leader") share the word."""
    for name, start, end in reversed(_country_spans(text)):
        text = f"{text[:start]}{name}{text[end:]}"
    return text


def _described_by_capital(
    text: str, spans: list[tuple[int, int, str]], taken: set[int]
) -> list[tuple[Place, int, int]]:
    """Countries described by their capital ("the Southeast Asian nation whose capital is
    Kuala Lumpur"): the whole description is one mention of the country, so its adjectives
    are no region of their own; the words it covers are added to `taken`."""
    found: list[tuple[Place, int, int]] = []
    for size in range(LONGEST_PLACE, 0, -1):
        for i in range(len(spans) - size + 1):
            phrase = " ".join(s[2] for s in spans[i : i + size]).strip(".'’")
            country = capital_country(phrase)
            if not country:
                continue
            end = i + size
            described = _CAPITAL_OF.search(text[: spans[i][0]])
            # "the country with Kuala Lumpur as its capital": the capital before the word
            after = _AS_CAPITAL.match(text, spans[end - 1][1])
            if not described and after:
                described = _WITH_BEFORE.search(text[: spans[i][0]])
                if described:
                    end = next(j for j, sp in enumerate(spans) if sp[1] >= after.end()) + 1
            if not described:
                continue
            first = next(j for j, sp in enumerate(spans) if sp[1] > described.start())
            if any(j in taken for j in range(first, end)):
                continue
            taken.update(range(first, end))
            found.append((Place("country", country), spans[first][0], spans[end - 1][1]))
    return found


@cache
def _cities(orgs: tuple[Organization, ...]) -> dict[str, str]:
    """The table's cities (normalized -> as written), read once per table."""
    return {normalize(o.city): o.city for o in orgs if o.city}


def _us_country(text: str, spans: list[tuple[int, int, str]], i: int) -> Place | None:
    """A lowercase "us" is the country where a country stands: "the us", "us-based", "us
    groups"; elsewhere it is the pronoun ("tell us")."""
    before = text[: spans[i][0]].lower()
    after = text[spans[i][1] :].lower()
    if before.endswith("the ") or re.match(r"\s+based\b", after) or ROW_NOUN.match(after.strip()):
        return Place("country", "United States")
    return None


def place_named(phrase: str, cities: dict[str, str]) -> Place | None:
    key = normalize(phrase)
    if key in ("us",) and phrase != phrase.upper():  # the pronoun, not the country
        return None
    if key in _region_words():
        return Place("region", _region_words()[key])
    if key in cities:
        return Place("city", cities[key])
    country = country_of(phrase)
    return Place("country", country) if country else None


def matches(org: Organization, place: Place) -> bool:
    if place.kind == "country":
        return org.country is not None and normalize(org.country) == normalize(place.name)
    if place.kind == "city":
        return org.city is not None and normalize(org.city) == normalize(place.name)
    return place.name in regions_of(org)


def refers_to(org: Organization, place: Place) -> bool:
    """Whether a row's name refers to a place: names it or its people ("Bahraini Community
    in UK" refers to Bahrain)."""
    for word in _WORD.findall(org.name):
        if place.kind == "country" and country_of(word.strip(".")) == place.name:
            return True
        if normalize(word.strip(".")) == normalize(place.name):
            return True
    return False


def ranked(names: Iterable[str]) -> list[tuple[str, int]]:
    """(name, rows) most rows first, then by name."""
    return sorted(Counter(names).items(), key=lambda kv: (-kv[1], kv[0]))


def describe(places: Sequence[Place]) -> str:
    return " or ".join(dict.fromkeys(p.name for p in places))
