"""What an answer must contain, and whether a sentence holds it: a number, a time, a person or
a place, as the question asks ("How many ...", "When ...", "Who ...", "Which city ...").

Pure string work over the question and a candidate sentence.
"""

from __future__ import annotations

import re
from functools import cache

from ijdqa.answer.places import is_place_word as known_place_word
from ijdqa.answer.spelling import lexicon, lexicon_words
from ijdqa.search.lexical import stem, tokenize

ORG_WORDS = re.compile(
    r"\b(Center|Centre|Institute|Commission|Council|Mission|Group|Foundation|Society|Organi[sz]ation|University|College|Party|Front|Network|Committee|Union|Movement|Republic|Day)\b"
)
CALENDAR = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Ramadan)\b"
)


_PERSON_NOUNS = (
    r"(?:representatives?|rabbis?|speakers?|members?|persons?|m[ae]n|wom[ae]n|clerics?|"
    r"leaders?|chair\w*|deputy|deputies|activists?|officials?|founders?|authors?|researchers?)"
)
_TYPE_PATTERNS = (
    (
        "number",
        re.compile(
            r"\bhow (many|much|old|long)\b|\bwhat (?:exact |precise )?(percentage|share|number)\b",
            re.I,
        ),
    ),
    (
        "time",
        re.compile(
            # "when" opens the question; "... say when he signed off?" asks for what he said
            r"(?:^\W*|[.?!,;:]\s*)(?:(?:and|but|so)\s+)?when\b"
            r"|\b(?:what|which) (?:exact |precise |specific )?(year|date|day|month)\b"
            r"|\bsince when\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"^\W*(who|whom)\b"
            r"|\bwhich (?:[a-z.]+ )?(persons?|people|academics?|clerics?|leaders?|speakers?|"
            r"activists?|officials?|rabbis?|professors?|scholars?|politicians?|ministers?|"
            r"journalists?|spokes(?:man|men|woman|women|persons?)|individuals?)\b"
            # "the name of the Neturei Karta rabbi", "neturei karta speaker name?"
            r"|\bnames?\s+of\s+(?:the\s+|that\s+|this\s+|its\s+)?(?:[\w’'-]+\s+){0,3}?"
            rf"{_PERSON_NOUNS}\b"
            rf"|\b{_PERSON_NOUNS}(?:'s)?\s+names?\W*$",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            r"^\W*where\b|\b(?:which|what|in what)\s+(?:\w+\s+)?(?:city|town|country|village)\b"
            r"|\bcity\W*$",
            re.I,
        ),
    ),
    # "Which governments condemned it?", "which U.N. body received it?": one opening with
    # "which" asks for named instances, which "the international community" does not give
    ("name", re.compile(r"^\W*(?:(?:in|at|from|of|for|by|to|on|with|under)\s+)?which\b", re.I)),
)


_MEDIA_VERB = lexicon_words("media_verbs.txt")
_WHERE = re.compile(r"^\W*where\b", re.I)
_LOCATIVE = re.compile(r"\b(?:in|at|from|near|to|across|throughout|within)\s+$", re.I)
_SINGLE_NAME = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{2,})\b(?![ -][A-Z])")
_HOW_MANY = re.compile(r"\bhow many\b|\b(?:the\s+)?(?:number|count|total) of\b", re.I)
_NUMBER_WORDS = re.compile(
    r"\b(\d[\d,.%]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|"
    r"thousands?|millions?|first|second|third|half)\b",
    re.I,
)
_TIME_WORDS = re.compile(
    r"\b(1[89]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|ramadan|"
    r"\d{1,2}\.\d{1,2}\.\d{2})\b",
    re.I,
)
_PERSON_RE = re.compile(
    r"\b(?:Prof\.|Dr\.|Sheikh|Sayed|Imam|Mr\.|Ms\.)\s+[A-Z]\w+"
    r"|\b[A-Z][a-z]+\s(?:al-)?[A-Z][a-z]+(?=[,.;:)]|\s[a-z])"
)
_PLACE_RE = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+")
# a name: a capitalized word or an acronym, not the one opening the sentence ("al-Hashd")
_NAME_RE = re.compile(r"(?<!^)(?<![.?!]\s)(?:\bal-)?\b(?:[A-Z][a-z][\w’'-]*|[A-Z](?:\.?[A-Z])+\.?)")


_REPORTING = lexicon_words("reporting_verbs.txt")
# a quotation of four or more words is a statement; a quoted name ("“Fly the Flag”") is not
_QUOTATION = re.compile(r"[“\"](?:[^”\"\s]+\s+){3,}[^”\"]*[”\"]?")
# "what did X say / claim / argue ...?" with a speaker for X, not the report itself ("what does
# the report say about ...?" asks what the report says, which any sentence of it does)
_ASKS_STATEMENT = re.compile(
    r"^\W*what\s+(?:did|does|do|has|had)\s+"
    r"(?!(?:the\s+)?(?:report|authors?|text|study|footnote|appendix|paper)\b|it\b)"
    r"[^?]{1,60}?\s(?:say|claim|argue|tell|state)\b",
    re.I,
)


def asks_statement(question: str) -> bool:
    """Asks what a speaker said ("What did Suhaila Zakzaky say in her speech?", "the main
    points of X's speech", "letter content?")."""
    return bool(_ASKS_STATEMENT.search(question) or _ASKS_CONTENT.search(question))


_SPOKEN = r"(?:speech|speeches|letter|address|remarks|message|statement|talk|sermon)"
# what a speech or a letter said: its content, its points, what was in it
_ASKS_CONTENT = re.compile(
    rf"\b(?:contents?|main points?|points|gist|substance|full text|wording)\s+of\b[^?]*\b{_SPOKEN}\b"
    rf"|\b{_SPOKEN}\s+(?:contents?|text|points)\b"
    rf"|\bwhat\s+(?:was|is)\s+(?:actually\s+)?(?:in|said in)\b[^?]*\b{_SPOKEN}\b",
    re.I,
)


def reports_statement(sentence: str) -> bool:
    """Whether a sentence reports what someone said: a reporting verb or a quotation."""
    return bool(_REPORTING.search(sentence) or _QUOTATION.search(sentence))


def asked_noun(question: str) -> str | None:
    """The noun a "which ... academics" question names the people it asks for by, if any."""
    for name, pattern in _TYPE_PATTERNS:
        if name == "person" and (match := pattern.search(question)) and match.group(2):
            return match.group(2)
    return None


def answer_type(question: str) -> str | None:
    """What an answer must contain: a number, a time, a person or a place (None: anything)."""
    for name, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            if name == "person" and re.search(r"^\W*(?i:who (is|was|are|were))\s+[A-Z]", question):
                return None  # "who is X?" asks for a description, not a name
            if name == "place" and _WHERE.match(question) and _MEDIA_VERB.search(question):
                return None  # "where was it streamed?": on a platform, in no city
            return name
    last = _LAST_WORD.search(question)  # a terse "X founded: year?" asks by its last word
    if last and (kind := kind_of(last.group(1))):
        return kind
    # ... or by its first: "date of the X tweet", and a terse one without a question word
    # by its first word: "Exact date Germany banned Hezbollah?"
    first = _FIRST_NOUN.match(question) or (
        None if _ASKING.match(question) else _FIRST_WORD.match(question)
    )
    return kind_of(first.group(1)) if first else None


@cache
def _kinds() -> dict[str, str]:
    pairs = (line.split() for line in lexicon("answer_kinds.txt"))
    return {stem(noun): kind for noun, kind in pairs}


def kind_of(word: str) -> str | None:
    """The kind of answer a word names ("year" -> time, "countries" -> place), or None."""
    return _kinds().get(stem(word.lower()))


_LAST_WORD = re.compile(r"([A-Za-z]+)\W*$")
_ONE_PRONOUN = re.compile(r"one\s+(?:must|should|can|could|may|might|would|will|has|needs)\b", re.I)
_FIRST_WORD = re.compile(r"^\W*(?:the\s+|exact\s+|precise\s+)?([A-Za-z]+)\b", re.I)
_ASKING = re.compile(
    r"^\W*(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|"
    r"could|has|have|had|tell|give|list|name|show|find)\b",
    re.I,
)
_FIRST_NOUN = re.compile(r"^\W*(?:the\s+|exact\s+)?([A-Za-z]+)\s+of\b", re.I)
_AT_PLACE = re.compile(r"\b(?:in|at|from|near)\s+((?:the\s+)?[A-Z][\w.’'-]+)")


def holds_kind(sentence: str, question: str, kind: str) -> bool:
    """Whether a sentence holds a value of the kind a question's noun names, one the question
    lacks: stricter than `fits_type` for places, where any capitalized word would do there. A
    place here is a country, demonym or region word, or a name after "in"/"at"/"from"."""
    if kind != "place":
        return fits_type(sentence, question, kind)
    asked = question.lower()
    found = [m.group(1) for m in _AT_PLACE.finditer(sentence)] + [
        m.group(0) for m in _PLACE_RE.finditer(sentence) if known_place_word(m.group(0))
    ]
    return any(f.lower() not in asked for f in found)


def _single_names(sentence: str) -> list[str]:
    """Capitalized words inside a sentence that may name a person known by one name: not
    sentence-initial, not a place or demonym, not a plural group ("Muslims"), not a month,
    not after "in"/"at"/"from" (a city)."""
    return [
        m.group(1)
        for m in _SINGLE_NAME.finditer(sentence)
        if not known_place_word(m.group(1))
        and not m.group(1).endswith("s")
        and not CALENDAR.search(m.group(1))
        and not ORG_WORDS.search(m.group(1))
        and not _LOCATIVE.search(sentence[: m.start()])
    ]


def _counted(question: str) -> set[str]:
    """Stems of what "how many ..." counts: "How many other users ..." -> {"user", ...}."""
    match = _HOW_MANY.search(question)
    return set(tokenize(question[match.end() :])[:2]) if match else set()


def fits_type(
    sentence: str, question: str, kind: str | None, *, anchored: bool = False, loose: bool = False
) -> bool:
    """Whether a sentence holds something of the wanted kind that the question does not.

    `anchored`: the sentence holds words the question quotes, so a person known by one name
    ("bullies like Netanyahu") is taken as a person too. `loose`: a count in a sentence that
    never names what is counted will do (it may use other words for it).
    """
    if kind is None:
        return True
    asked = question.lower()
    if kind == "number":  # a count is not a year, and counts what was asked about
        counted = _counted(question)
        shares = bool(_ASKS_SHARE.search(question))
        if loose and not counted & set(tokenize(sentence)):
            counted = set()  # maybe counted in other words ("accounts" for "users")
        found = [
            m.group(0)
            for m in _NUMBER_WORDS.finditer(sentence)
            if not re.fullmatch(r"(19|20)\d\d", m.group(0))
            and not re.search(r"[A-Za-z]-$", sentence[: m.start()])  # "COVID-19" is a name
            # a list row's position ("16. Jaaferiya Youth") and "one must ..." count nothing
            and not (m.start() == 0 and sentence[m.end() : m.end() + 1] == ".")
            and not _ONE_PRONOUN.match(sentence, m.start())
            # a share is no count: "60%" does not say how many, unless a share is asked
            and (shares or not _PERCENT_AFTER.match(sentence, m.end()))
            and (not counted or counted & set(tokenize(sentence[m.end() : m.end() + 60])[:3]))
        ]
    elif kind == "time":
        found = [m.group(0) for m in _time_pattern(question).finditer(sentence)]
    elif kind == "person":
        found = [
            m.group(0)
            for m in _PERSON_RE.finditer(sentence)
            if not ORG_WORDS.search(m.group(0))
            # "Iranian Shiite clerics": a demonym opens a description, not a name
            and not known_place_word(m.group(0).split()[0])
        ] + (_single_names(sentence) if anchored else [])
        if _ASKS_GROUPS.search(question):  # "who are the targets?": countries, groups too
            found += [m.group(0) for m in _PLACE_RE.finditer(sentence)]
    elif kind == "name":
        said = set(tokenize(question))
        found = [
            m.group(0)
            for m in _NAME_RE.finditer(sentence)
            if not set(tokenize(m.group(0))) <= said and not _TIME_WORDS.fullmatch(m.group(0))
        ]
        return bool(found)
    else:
        found = [m.group(0) for m in _PLACE_RE.finditer(sentence)]
        if _ASKS_CITY.search(question):
            # a city is not a country or a continent, and is where something is ("in London",
            # "at UC Berkley"), not any name ("broadcast on Facebook")
            found = [
                f
                for f in [m.group(1) for m in _AT_PLACE.finditer(sentence)]
                if not known_place_word(f.removeprefix("the ").split()[0])
            ]
    return any(f.lower() not in asked for f in found)


_PERCENT_AFTER = re.compile(r"\s?(?:%|percent\b|per cent\b)", re.I)
_ASKS_SHARE = re.compile(
    r"%|\b(?:percent\w*|per cent|share|proportion|fraction|ratio|how much)\b", re.I
)
_ASKS_CITY = re.compile(r"\b(which|what)\s+(city|town)\b", re.I)
# "who are/were ...?" asks for a set of actors, which may be countries or organizations as
# well as people ("Who are the main targets of its criticism?" -> "the U.S., Israel, Egypt")
_ASKS_GROUPS = re.compile(r"\bwho\s+(?:are|were)\b", re.I)
_ASKS_DAY = re.compile(
    r"\b(exact date|what date|which date|on what day|which day|what day)\b", re.I
)
_ASKS_CLOCK = re.compile(r"\b(what time|start time|which time|at what hour|time of day)\b", re.I)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_DAY_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|"
    r"\d{1,2}\.\d{1,2}\.\d{2,4}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    re.I,
)
_CLOCK = re.compile(r"\b\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d\d\b|o'clock", re.I)


def _time_pattern(question: str) -> re.Pattern[str]:
    """What a time answer must hold: a clock time, a day, or any date word, as asked."""
    if _ASKS_CLOCK.search(question):
        return _CLOCK
    if _ASKS_DAY.search(question):
        return _DAY_DATE
    return _TIME_WORDS
