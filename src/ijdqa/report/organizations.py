"""Appendix entries ("12. Name (City), Country") -> Organizations; country names. Pure."""

from __future__ import annotations

import re
from functools import lru_cache

from ijdqa.text import normalize
from ijdqa.types import Organization, Paragraph

ENTRY_RE = re.compile(r"^(\d{1,4})\.\s+(\S.*)$")
ORPHAN_RE = re.compile(r"^(\d{1,4})\.$")
_PAREN_RE = re.compile(r"\s*\(([^()]+)\)")
_TRAILING_PLACE_RE = re.compile(r"\b(?:in|of)\s+((?:[A-Z][\w’'.-]*\s?){1,3})$")
_ACRONYM_RE = re.compile(r"^[A-Z0-9&.\-]{2,}$")

# Forms a reader would use for one country; everything else goes through ISO 3166 names.
_ALIASES = {
    "United Kingdom": (
        "uk",
        "u.k.",
        "u.k",
        "britain",
        "great britain",
        "england",
        "scotland",
        "wales",
        "northern ireland",
        "united kingdom",
        "the uk",
        "the united kingdom",
    ),
    "United States": (
        "usa",
        "u.s.a.",
        "u.s.",
        "us",
        "united states",
        "united states of america",
        "the us",
        "the usa",
        "the united states",
        "america",
    ),
    "Turkey": ("turkey", "türkiye", "turkiye"),
    "Australia": ("australia", "down under"),
    "Russia": ("russia", "russian federation"),
    "Iran": ("iran", "islamic republic of iran", "islamic republic", "the islamic republic"),
    "Syria": ("syria",),
    "South Korea": ("south korea", "korea, republic of"),
    "Palestine": ("palestine", "state of palestine"),
}
_ALIAS_TO_COUNTRY = {alias: country for country, aliases in _ALIASES.items() for alias in aliases}
# Adjectives whose country cannot be had by trimming a suffix (Malaysian -> Malaysia).
DEMONYMS = {
    "british": "United Kingdom",
    "english": "United Kingdom",
    "scottish": "United Kingdom",
    "american": "United States",
    "turkish": "Turkey",
    "danish": "Denmark",
    "swiss": "Switzerland",
    "french": "France",
    "belgian": "Belgium",
    "finnish": "Finland",
    "dutch": "Netherlands",
    "german": "Germany",
    "filipino": "Philippines",
    "lebanese": "Lebanon",
    "iraqi": "Iraq",
    "israeli": "Israel",
    "bahraini": "Bahrain",
    "saudi": "Saudi Arabia",
    "kuwaiti": "Kuwait",
    "swedish": "Sweden",
    "norwegian": "Norway",
    "spanish": "Spain",
    "irish": "Ireland",
    "polish": "Poland",
    "chinese": "China",
    "japanese": "Japan",
    "afghan": "Afghanistan",
    "welsh": "United Kingdom",
    "peruvian": "Peru",
    "mexican": "Mexico",
    "moroccan": "Morocco",
    "argentine": "Argentina",
    "argentinian": "Argentina",
    "italian": "Italy",
    "hungarian": "Hungary",
    "greek": "Greece",
    "portuguese": "Portugal",
    "thai": "Thailand",
    "burmese": "Myanmar",
    "somali": "Somalia",
    "congolese": "Congo",
    "emirati": "United Arab Emirates",
    "czech": "Czechia",
    "slovak": "Slovakia",
    "cypriot": "Cyprus",
    "maltese": "Malta",
    "icelandic": "Iceland",
    "kazakh": "Kazakhstan",
    "uzbek": "Uzbekistan",
    "tajik": "Tajikistan",
    "korean": "South Korea",
}


CODE_LENGTH = 3  # letters of an ISO country code
PLACE_WORDS = 3  # words of the longest place name in an entry


def adjectives(country: str) -> list[str]:
    """Adjective forms of a country name, for matching 'Swiss' or 'Malaysian' to an entry."""
    forms = [adj.title() for adj, name in DEMONYMS.items() if name == country]
    if country.endswith("a"):
        forms.append(country + "n")  # Malaysia -> Malaysian
    elif country.endswith(("stan", "q")):
        forms.append(country + "i")  # Pakistan -> Pakistani
    elif country.endswith("n"):
        forms.append(country + "ian")  # Iran -> Iranian
    return forms


REGIONS = {
    "europe",
    "asia",
    "africa",
    "north america",
    "south america",
    "latin america",
    "oceania",
    "middle east",
    "the middle east",
    "central asia",
    "south asia",
    "southeast asia",
    "east asia",
    "west africa",
    "east africa",
    "north africa",
    "caribbean",
    "australasia",
}


def canonical_country(name: str) -> str | None:
    """One display name for a country however it is written ("UK", "Britain" -> United Kingdom)."""
    return _canonical(normalize(name).strip(" .,"))


@lru_cache(maxsize=2048)
def _canonical(key: str) -> str | None:
    if key in _ALIAS_TO_COUNTRY:
        return _ALIAS_TO_COUNTRY[key]
    if len(key) <= CODE_LENGTH:  # never read an acronym such as "CAN" or "ISO" as a code
        return None
    import pycountry  # local: loading the ISO tables costs time nobody else should pay

    try:
        country = pycountry.countries.lookup(key)
    except LookupError:
        return None
    return str(getattr(country, "common_name", None) or country.name)


def canonical_region(name: str) -> str | None:
    key = normalize(name).strip(" .,")
    return key.title() if key in REGIONS else None


def entry_name_line(text: str) -> bool:
    """Whether an unnumbered line reads like an entry's name and place ("Name, Country")."""
    if ENTRY_RE.match(text) or ORPHAN_RE.match(text) or "," not in text:
        return False
    last = text.rsplit(",", 1)[1]
    return bool(canonical_country(last) or canonical_region(last))


def parse_entry(rest: str) -> tuple[str, str | None, str | None, str | None]:
    """'Name (City), Country' -> (name, country, city, region)."""
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    country = city = region = None
    if len(parts) > 1 and (region := canonical_region(parts[-1])):
        parts.pop()
    if len(parts) > 1 and (country := canonical_country(parts[-1])):
        parts.pop()
    if len(parts) > 1 and _place_like(parts[-1]):
        city = parts.pop()
    name = ", ".join(parts)
    for inner in _PAREN_RE.findall(name):
        found = canonical_country(inner)
        if found and country in (None, found):
            country = found
        elif _ACRONYM_RE.match(inner) or not _place_like(inner) or city is not None:
            continue
        else:
            city = inner
        name = name.replace(f"({inner})", "").strip()
    name = " ".join(name.split())
    if country is None and (match := _TRAILING_PLACE_RE.search(name)):
        country = canonical_country(match.group(1))
    return name, country, city, region


def _place_like(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= PLACE_WORDS
        and all(w[:1].isupper() and not any(c.isdigit() for c in w) for w in words)
        and not _ACRONYM_RE.match(text)
    )


def parse_organizations(paragraphs: list[Paragraph]) -> tuple[list[Organization], list[str]]:
    orgs: list[Organization] = []
    warnings: list[str] = []
    seen: dict[tuple[str, str | None, str | None], int] = {}
    for para in paragraphs:
        if para.kind != "appendix":
            continue
        if match := ORPHAN_RE.match(para.text):
            warnings.append(f"appendix entry {match.group(1)} on page {para.page} has no name")
            continue
        match = ENTRY_RE.match(para.text)
        if not match:
            continue
        name, country, city, region = parse_entry(match.group(2))
        number = int(match.group(1))
        key = (normalize(name), country, city)
        orgs.append(
            Organization(
                number=number,
                name=name,
                country=country,
                city=city,
                region=region,
                page=para.page,
                line=para.text,
                repeat_of=seen.get(key),
            )
        )
        seen.setdefault(key, number)
    return orgs, warnings


def filter_organizations(
    orgs: tuple[Organization, ...] | list[Organization],
    *,
    country: str | None = None,
    region: str | None = None,
    city: str | None = None,
) -> list[Organization]:
    """Organizations matching every given filter; country forms are normalized first."""
    out = list(orgs)
    if country:
        wanted = canonical_country(country) or country.strip()
        out = [o for o in out if o.country and normalize(o.country) == normalize(wanted)]
    if region:
        out = [o for o in out if o.region and normalize(o.region) == normalize(region)]
    if city:
        out = [o for o in out if o.city and normalize(o.city) == normalize(city)]
    return out
