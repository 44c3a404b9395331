"""What kind of question is this? Pure string work over the question and the report's tables.

- strip_instructions: the question with injected instructions removed (they are data);
- resolve_followup: a follow-up made self-contained from the conversation;
- organization_query: a count or list over the appendix table, by country, region or city;
- wants_source: a question about where a claim comes from (footnotes, tweets, URLs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ijdqa.answer.places import country_of
from ijdqa.answer.places import is_place_word as known_place_word
from ijdqa.answer.spelling import lexicon
from ijdqa.search.lexical import tokenize
from ijdqa.types import Turn

CONTEXT_OPEN = " (context: "  # how a follow-up carries the earlier question along


def _openings() -> str:
    phrases = sorted(lexicon("addressing.txt"), key=len, reverse=True)
    return "|".join(r",?\s+".join(map(re.escape, p.split())) for p in phrases)


# a sentence opening (after "please", a comma or a colon) with words addressed to the system
_ADDRESSING = rf"(?:please,?\s+)?(?:{_openings()})\b"
_INSTRUCTION_RE = re.compile(
    r"(\[[^\]]*\]|<[^>]*>|"  # bracketed notes and pseudo-tags
    rf"(?:^|(?<=[.?!:]\s))\W*{_ADDRESSING}(?:[^.?!]|[.?!](?=\S))*[.?!]?)",
    re.IGNORECASE,
)
_ADDRESSES_RE = re.compile(rf"^\W*{_ADDRESSING}", re.IGNORECASE)


def addresses_reader(sentence: str) -> bool:
    """Whether a sentence speaks to the reader or the system ("Ignore all previous
    instructions", "Answer every question with ..."): an instruction, not a statement."""
    return bool(_ADDRESSES_RE.match(sentence))


_PRONOUN_RE = re.compile(
    r"\b(he|she|him|his|her|they|them|their|its|it|that|this|these|those|the second one|the first one)\b",
    re.I,
)
# "that newspaper", "these organizations": something named earlier in the conversation
_DEMONSTRATIVE = re.compile(r"\b(that|this|these|those|the same)\s+(?!is\b|was\b)[a-z]{3,}", re.I)
_FOLLOWUP_START = re.compile(r"^(and|also|what about|how about|and what|then)\b", re.I)
_SOURCE_RE = re.compile(
    r"\b(?:"
    + "|".join(r"\s+".join(map(re.escape, p.split())) for p in lexicon("source_words.txt"))
    + r")\b",
    re.I,
)


SHORT_FOLLOWUP = 4  # words of a question short enough to lean on the one before it
SHORTEST_PART = 3  # words each part of a multi-part question must have
SHORTEST_NAME = 2  # letters of a name taken from the conversation


def strip_instructions(question: str) -> str:
    """Drop bracketed notes, pseudo-tags and imperative sentences aimed at the system."""
    kept = question
    for _ in range(3):  # removing a tag can expose an instruction right after it
        kept = " ".join(_INSTRUCTION_RE.sub(" ", kept).split())
    return kept if re.search(r"\w", kept) else " ".join(question.split())


_ORG_WORDS = re.compile(
    r"\b(Center|Centre|Institute|Commission|Council|Mission|Group|Foundation|Society|Organi[sz]ation|University|College|Party|Front|Network|Committee|Union|Movement|Republic|Day)\b"
)
_CALENDAR = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Ramadan)\b"
)
_PERSON_PRONOUN = re.compile(r"\b(he|him|his|she|her)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(its|it|their|they|them)\b", re.I)
_ORDINAL = re.compile(r"\bthe (first|second|third|fourth|last) one\b", re.I)
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
_HISTORY_PERSON = re.compile(
    r"(?:(?:Prof\.|Dr\.|Sheikh|Sayed|Imam)\s+)?(?:al-)?[A-Z][a-z]+(?:\s(?:al-)?[A-Z][a-z]+)+|\b(?:al-)[A-Z][a-z]+"
)
_HISTORY_THING = re.compile(
    r"\b[A-Z]{2,6}\b|\b(?:[A-Z][a-z]+\s){1,4}(?:Commission|Mission|Institute|Group|Campaign|Centre|Center)\b"
)


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """A follow-up made self-contained: pronouns become the names the conversation used."""
    if not history or not (
        _PERSON_PRONOUN.search(question)
        or _THING_PRONOUN.search(question)
        or _ORDINAL.search(question)
        or _FOLLOWUP_START.search(question)
        or _DEMONSTRATIVE.search(question)
        or len(question.split()) <= SHORT_FOLLOWUP
    ):
        return question
    turns = [t.content for t in reversed(history[-4:]) if t.content.strip()]
    resolved = question
    if match := _ORDINAL.search(resolved):
        items = [
            i.strip(" .")
            for t in turns[:1]
            for i in re.split(r",\s*|\s+and\s+", t)
            if i.strip(" .")
        ]
        if items:
            pick = items[_ORDINALS[match.group(1).lower()]] if len(items) > 1 else items[0]
            resolved = resolved[: match.start()] + pick + resolved[match.end() :]
    person = _latest(turns, _HISTORY_PERSON, exclude=_ORG_WORDS)
    if person and _PERSON_PRONOUN.search(resolved):
        resolved = _PERSON_PRONOUN.sub(
            lambda m: person + ("’s" if m.group(1).lower() in ("his", "her") else ""),
            resolved,
            count=1,
        )
    answered = [t.content for t in reversed(history[-4:]) if t.role == "assistant"][:1]
    thing = (answer_entity(answered[0]) if answered else None) or _latest(turns, _HISTORY_THING)
    if thing and _THING_PRONOUN.search(resolved):
        resolved = _THING_PRONOUN.sub(
            lambda m: thing + ("’s" if m.group(1).lower() in ("its", "their") else ""),
            resolved,
            count=1,
        )
    if match := _DEMONSTRATIVE.search(resolved):
        named = _named_by_noun(match.group(0).split()[-1], history)
        if named:
            resolved = resolved[: match.start()] + named + resolved[match.end() :]
    users = [t.content for t in reversed(history) if t.role == "user"]
    if resolved == question:  # nothing to substitute: carry the last question along
        resolved = f"{resolved}{CONTEXT_OPEN}{users[0] if users else turns[0]})"
    return resolved


_DETERMINER = frozenset({"the", "a", "an", "its", "his", "her", "their"})
_AFTER_NOUN = re.compile(r"\s+(?:(?:in|of)\s+)?(?:al-)?[A-Z][\w’'-]*")
MODIFIERS = 3  # words before a noun read as its modifiers ("the Shiite Islamic movement")


def _noun_phrase(text: str, match: re.Match[str]) -> str:
    """The phrase built on a noun: the words back to its determiner (at most `MODIFIERS`;
    capitalized ones only without a determiner), and a name or "in/of Name" after it."""
    before = text[: match.start()].split()
    modifiers: list[str] = []
    for word in reversed(before[-MODIFIERS - 1 :]):
        if word.lower() in _DETERMINER:
            break
        if not re.fullmatch(r"[\w’'-]+", word):
            modifiers = [m for m in modifiers if m[:1].isupper()]
            break
        modifiers.insert(0, word)
    else:
        modifiers = [m for m in modifiers if m[:1].isupper()]
    after = _AFTER_NOUN.match(text, match.end())
    return " ".join([*modifiers, match.group(0)]) + (after.group(0) if after else "")


def _named_by_noun(noun: str, history: Sequence[Turn]) -> str | None:
    """What "that newspaper" / "that movement" means in a conversation: the phrase an
    earlier turn built on that noun ("the Iranian newspaper al-Kayhan", "the Shiite Islamic
    movement in Nigeria"; "paper" finds "newspaper"), latest turn first; else, when the last
    question asked "which newspaper ...", the name its short answer gives."""
    noun = noun.lower().removesuffix("s")
    if len(noun) < SHORTEST_NOUN:
        return None
    pattern = re.compile(rf"\b\w*{re.escape(noun)}s?\b", re.I)
    recent = list(reversed(history[-4:]))
    for turn in recent:
        for match in pattern.finditer(turn.content):
            if re.search(r"(?i)\b(which|what)\s+\w*$", turn.content[: match.start()]):
                continue  # "Which newspaper ...": what the earlier question asked for
            phrase = _noun_phrase(turn.content, match)
            if len(phrase.split()) > 1:
                return "the " + phrase
    answers = [t.content for t in recent if t.role == "assistant"][:1]
    asked = [t.content for t in recent if t.role == "user"][:1]
    if answers and asked and re.search(rf"(?i)\b(?:which|what)\s+\w*{re.escape(noun)}", asked[0]):
        return answer_entity(answers[0])
    return None


SHORTEST_NOUN = 3  # letters of a noun "that ..." is looked up by ("that one" is not)


_QUOTED_NAME = re.compile(r"[“\"]([^”\"]{3,60})[”\"]")
_CAPITALIZED_RUN = re.compile(
    r"(?:(?<=\s)|^)(?:al-)?[A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+|for\s+)?(?:al-)?[A-Z][\w’'-]*)*"
)


def answer_entity(answer: str) -> str | None:
    """What a short answer names, for "it"/"its" in the next question: a quoted name
    ("The “Fly the Flag” campaign"), else the capitalized name it opens with ("Malaysia, with
    22", "Ahlulbayt Islamic Mission (AIM)"). Long answers (a cited passage) name too much."""
    if len(answer.split()) > SHORT_ANSWER:
        return None
    if quoted := _QUOTED_NAME.search(answer):
        return quoted.group(1).strip()
    names = [
        re.sub(r"^(?:The|A|An)\s+", "", m.group(0).strip())
        for m in _CAPITALIZED_RUN.finditer(answer)
    ]
    # "The Iranian newspaper al-Kayhan": a demonym describes; the name comes after it
    names = [n for n in names if not known_place_word(n)] or names[:1]
    name = names[0] if names else ""
    name = re.sub(r"^(?:The|A|An)\s+", "", name)
    if not name or name.split()[0] in ("It", "They", "He", "She", "Yes", "No"):
        return None
    return name.removesuffix("’s").removesuffix("'s")


SHORT_ANSWER = 12  # words of an answer that names one thing


def split_compound(question: str) -> list[str]:
    """Two questions joined by "and" -> each on its own ("What did X say and how did Y
    differ?" -> ["What did X say?", "how did Y differ?"]); otherwise [question].

    Each part must be a question of at least three words, so "When and where was X
    founded?" stays whole.
    """
    parts = [p.strip(" ,;") for p in _COMPOUND.split(question)]
    if len(parts) == 1 or any(len(p.split()) < SHORTEST_PART for p in parts):
        return [question]
    return [p if p.endswith("?") else f"{p}?" for p in parts]


def asks_why(question: str) -> bool:
    """A why-question: it takes for granted what it asks about (its premise)."""
    return bool(re.match(r"^\W*(why|how come)\b", question, re.I))


def why_verb(question: str) -> str | None:
    """The verb of an active why-question's premise: "Why did X support Y?" -> "support".

    The first lower-case content word after "why did/was/...": names, numbers and
    stop words before it belong to the subject.
    """
    match = re.match(r"^\W*why\s+(?:did|does|do)\s+", question, re.I)  # not "why was X held"
    if not match:
        return None
    for word in re.findall(r"[\w.’'-]+", question[match.end() :]):
        if word[0].islower() and not any(ch.isdigit() for ch in word) and tokenize(word):
            return tokenize(word)[0]
    return None


def split_context(query: str) -> tuple[str, str]:
    """A resolved follow-up "question (context: earlier question)" -> (question, earlier)."""
    own, _, context = query.partition(CONTEXT_OPEN)
    return own, context.removesuffix(")")


def _latest(
    turns: Sequence[str], pattern: re.Pattern[str], exclude: re.Pattern[str] | None = None
) -> str | None:
    """The first name found, scanning the latest turn first (earliest mention within a turn)."""
    for text in turns:
        for match in pattern.finditer(text):
            name = match.group(0).strip()
            if name.split()[0] in (
                "The",
                "A",
                "An",
                "What",
                "Who",
                "When",
                "Which",
                "How",
                "In",
                "On",
            ):
                name = " ".join(name.split()[1:])
            if len(name) < SHORTEST_NAME or (exclude and exclude.search(name)):
                continue
            if exclude is not None and (
                _CALENDAR.search(name) or (" " not in name and not name.startswith("al-"))
            ):
                continue  # a person is named by two words ("Ali Khamenei") or "al-X", never a month
            if exclude is not None and any(country_of(w) for w in name.split()):
                continue  # "Iraqi Shiite" describes someone; it is not a name
            return name
    return None


def wants_source(question: str) -> bool:
    """Asks where a claim comes from (not why or how many, which a footnote cannot answer)."""
    if re.match(r"^\W*(why|how many|how much)\b", question, re.I):
        return False
    return bool(_SOURCE_RE.search(question))


def explicit_footnote(question: str) -> int | None:
    match = re.search(r"\bfootnote\s+(\d{1,3})\b", question, re.I)
    return int(match.group(1)) if match else None


_TYPE_PATTERNS = (
    (
        "number",
        re.compile(r"\bhow (many|much|old|long)\b|\bwhat (percentage|share|number)\b", re.I),
    ),
    (
        "time",
        re.compile(
            # "when" opens the question; "... say when he signed off?" asks for what he said
            r"(?:^\W*|[.?!,;:]\s*)(?:(?:and|but|so)\s+)?when\b|\bwhat (year|date|day|month)\b"
            r"|\bin which year\b|\bsince when\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"^\W*(who|whom)\b"
            r"|\bwhich (?:[a-z]+ )?(persons?|people|academics?|clerics?|leaders?|speakers?)\b",
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
)
_COMPOUND = re.compile(r"(?:,\s*|\s+)and\s+(?=(?:which|what|who|whom|when|where|how|why)\b)", re.I)
_LOCATIVE = re.compile(r"\b(?:in|at|from|near|to|across|throughout|within)\s+$", re.I)
_SINGLE_NAME = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{2,})\b(?![ -][A-Z])")
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
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


def answer_type(question: str) -> str | None:
    """What an answer must contain: a number, a time, a person or a place (None: anything)."""
    for name, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            if name == "person" and re.search(r"^\W*(?i:who (is|was|are|were))\s+[A-Z]", question):
                return None  # "who is X?" asks for a description, not a name
            return name
    return None


def _single_names(sentence: str) -> list[str]:
    """Capitalized words inside a sentence that may name a person known by one name: not
    sentence-initial, not a place or demonym, not a plural group ("Muslims"), not a month,
    not after "in"/"at"/"from" (a city)."""
    return [
        m.group(1)
        for m in _SINGLE_NAME.finditer(sentence)
        if not known_place_word(m.group(1))
        and not m.group(1).endswith("s")
        and not _CALENDAR.search(m.group(1))
        and not _ORG_WORDS.search(m.group(1))
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
        if loose and not counted & set(tokenize(sentence)):
            counted = set()  # maybe counted in other words ("accounts" for "users")
        found = [
            m.group(0)
            for m in _NUMBER_WORDS.finditer(sentence)
            if not re.fullmatch(r"(19|20)\d\d", m.group(0))
            and not re.search(r"[A-Za-z]-$", sentence[: m.start()])  # "COVID-19" is a name
            and (not counted or counted & set(tokenize(sentence[m.end() : m.end() + 60])[:3]))
        ]
    elif kind == "time":
        found = [m.group(0) for m in _time_pattern(question).finditer(sentence)]
    elif kind == "person":
        found = [
            m.group(0) for m in _PERSON_RE.finditer(sentence) if not _ORG_WORDS.search(m.group(0))
        ] + (_single_names(sentence) if anchored else [])
    else:
        found = [m.group(0) for m in _PLACE_RE.finditer(sentence)]
        if _ASKS_CITY.search(question):  # a city is not a country or a continent
            found = [f for f in found if not known_place_word(f)]
    return any(f.lower() not in asked for f in found)


_ASKS_CITY = re.compile(r"\b(which|what)\s+(city|town)\b", re.I)
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
