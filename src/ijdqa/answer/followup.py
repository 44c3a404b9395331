"""A follow-up question made self-contained from the conversation: pronouns, "that newspaper"
and "the second one" become the names the earlier turns used; a follow-up with nothing to
substitute carries the earlier question along ("question (context: earlier question)").

Pure string work over the question and the turns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ijdqa import prompts
from ijdqa.answer.expected import CALENDAR, ORG_WORDS
from ijdqa.answer.places import country_of
from ijdqa.answer.places import is_place_word as known_place_word
from ijdqa.types import Turn

CONTEXT_OPEN = " (context: "  # how a follow-up carries the earlier question along


_PRONOUN_RE = re.compile(
    r"\b(he|she|him|his|her|they|them|their|its|it|that|this|these|those|the second one|the first one)\b",
    re.I,
)
# "that newspaper", "these organizations": something named earlier in the conversation
_DEMONSTRATIVE = re.compile(r"\b(that|this|these|those|the same)\s+(?!is\b|was\b)[a-z]{3,}", re.I)
_FOLLOWUP_START = re.compile(r"^(and|also|what about|how about|and what|then)\b", re.I)


SHORT_FOLLOWUP = 4  # words of a question short enough to lean on the one before it


SHORTEST_NAME = 2  # letters of a name taken from the conversation


_PERSON_PRONOUN = re.compile(r"\b(he|him|his|she|her)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(its|it|their|they|them)\b", re.I)
_ORDINAL = re.compile(
    r"\bthe (first|second|third|fourth|last) one(?:\s+of\s+(?:those|them|these))?\b", re.I
)
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
        or _PLURAL_PRONOUN.search(question)
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
    # a quoted phrase is a title, a caption or a slogan ("the Final Solution"), never who "he" is
    person = _latest([_QUOTED.sub(" ", t) for t in turns], _HISTORY_PERSON, exclude=ORG_WORDS)
    if person and _PERSON_PRONOUN.search(resolved) and not _names_before_pronoun(resolved, turns):
        resolved = _PERSON_PRONOUN.sub(
            lambda m: person + ("’s" if m.group(1).lower() in ("his", "her") else ""),
            resolved,
            count=1,
        )
    answered = [t.content for t in reversed(history[-4:]) if t.role == "assistant"][:1]
    asked = [t.content for t in reversed(history[-4:]) if t.role == "user"][:1]
    listed = answer_list(answered[0]) if answered else None
    if listed and (plural := _PLURAL_PRONOUN.search(resolved)):
        # "what country are those in?" after "A, B and C.": all the answer listed
        resolved = resolved[: plural.start()] + listed + resolved[plural.end() :]
    thing = (
        (answer_entity(answered[0]) if answered else None)
        or (defined_subject(asked[0]) if asked else None)
        or _latest(turns, _HISTORY_THING)
    )
    if thing:
        thing = _defined_acronym(thing, turns) or thing
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


def _names_before_pronoun(question: str, turns: Sequence[str]) -> bool:
    """Whether the question names, before its "he"/"she", a person the conversation named:
    "where did pappe teach before he moved?" -> "he" is Pappe, whoever was named last."""
    pronoun = _PERSON_PRONOUN.search(question)
    if pronoun is None:
        return False
    before = set(re.findall(r"[a-z][\w’'-]{3,}", question[: pronoun.start()].lower()))
    named = {
        w.lower()
        for t in turns
        for m in _HISTORY_PERSON.finditer(_QUOTED.sub(" ", t))
        for w in re.findall(r"[A-Za-z][\w’'-]{3,}", m.group(0))
        if w[0].isupper()
    }
    return bool(before & named)


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
            if _WH_BEFORE.search(turn.content[: match.start()]):
                continue  # "Which (Jewish) group ...": what the earlier question asked for
            phrase = _noun_phrase(turn.content, match)
            if len(phrase.split()) > 1:
                return "the " + phrase
    answers = [t.content for t in recent if t.role == "assistant"][:1]
    asked = [t.content for t in recent if t.role == "user"][:1]
    asks_it = rf"(?i)\b(?:which|what)\s+(?:{_MODIFIER}){{0,{MODIFIERS}}}\w*{re.escape(noun)}"
    if answers and asked and re.search(asks_it, asked[0]):
        named = answer_entity(answers[0])
        if named is None and noun in _COUNTRY_NOUNS:  # "what country are those in?" -> rows
            return _main_country(answers[0])
        return named
    return None


_COUNTRY_NOUNS = frozenset({"country", "countrie", "nation"})  # "countries" less its "s"


def _main_country(answer: str) -> str | None:
    """The country an answer names most often ("84. X (Kedah), Malaysia; 85. Y, Malaysia")."""
    found = Counter(
        c
        for m in re.finditer(r"[A-Z][a-z]+(?:\s[A-Z][a-z]+)?", answer)
        if (c := country_of(m.group(0)))
    )
    return found.most_common(1)[0][0] if found else None


# a wh-word and the modifiers of the noun after it: the noun names what was asked for
# ("What did the choir sing?" asks about the choir, not for it: no verb or article between)
_MODIFIER = r"(?!(?:is|was|are|were|do|does|did|has|have|had|the|a|an)\s)[\w’'-]+\s+"
_WH_BEFORE = re.compile(rf"(?i)\b(?:which|what)\s+(?:{_MODIFIER}){{0,{MODIFIERS}}}\w*$")
SHORTEST_NOUN = 3  # letters of a noun "that ..." is looked up by ("that one" is not)


_QUOTED_NAME = re.compile(r"[“\"]([^”\"]{3,60})[”\"]")
_CAPITALIZED_RUN = re.compile(
    r"(?:(?<=\s)|^)(?:al-)?[A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+|for\s+)?(?:al-)?[A-Z][\w’'-]*)*"
)


def answer_entity(answer: str) -> str | None:
    """What a short answer names, for "it"/"its" in the next question: a quoted name
    ("The “Fly the Flag” campaign"), else the capitalized name it opens with ("Malaysia, with
    22", "Ahlulbayt Islamic Mission (AIM)"). Long answers (a cited passage) name too much."""
    if len(answer.split()) > SHORT_ANSWER or answer.strip().startswith(prompts.refusal()):
        return None  # a refusal names nothing: "it" is still what the question asked about
    if quoted := _QUOTED_NAME.search(answer):
        return quoted.group(1).strip()
    runs = [m for m in _CAPITALIZED_RUN.finditer(answer) if m.group(0) not in ("The", "A", "An")]
    # "The Farsi newspaper al-Kayhan": one word and a common noun describe the name after them
    if (
        len(runs) > 1
        and _DESCRIBES.fullmatch(answer, runs[0].end(), runs[1].start())
        and len(re.sub(r"^(?:The|A|An)\s+", "", runs[0].group(0)).split()) == 1
    ):
        runs = runs[1:]
    names = [re.sub(r"^(?:The|A|An)\s+", "", m.group(0).strip()) for m in runs]
    # "The Iranian Farsi newspaper al-Kayhan": a demonym describes; the name comes after it
    names = [n for n in names if not known_place_word(n.split()[0])] or names[:1]
    name = names[0] if names else ""
    name = re.sub(r"^(?:The|A|An)\s+", "", name)
    if not name or name.split()[0] in ("It", "They", "He", "She", "Yes", "No"):
        return None
    return name.removesuffix("’s").removesuffix("'s")


_DESCRIBES = re.compile(r"\s+(?!(?:and|or|of|in|on|at|to|for|from|with|by|the|a|an)\b)[a-z]+\s+")
SHORT_ANSWER = 12  # words of an answer that names one thing
# "they", "them", and "those"/"these" standing alone ("those groups" is a demonstrative)
_PLURAL_PRONOUN = re.compile(r"\b(?:they|them|(?:those|these)(?!\s+[a-z]{3,}))\b", re.I)
_LIST_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_DEFINITION = re.compile(
    r"^\W*(?:what|who)\s+(?:is|was|are|were)\s+(?:the\s+)?(?P<subject>[^?]{3,60}?)\W*$", re.I
)


def answer_list(answer: str) -> str | None:
    """A short answer that lists two or more names ("A, B and C."), as written; else None."""
    text = answer.strip().rstrip(".")
    if len(text.split()) > 2 * SHORT_ANSWER or text.startswith(prompts.refusal().rstrip(".")):
        return None
    items = [i.strip() for i in _LIST_SPLIT.split(text) if i.strip()]
    if len(items) <= 1 or not all(i[:1].isupper() or i.startswith("al-") for i in items):
        return None
    return text


def defined_subject(question: str) -> str | None:
    """What a "What was X?" question asks to define: the thing a next "it" refers to."""
    match = _DEFINITION.match(question)
    return match.group("subject").strip() if match else None


def split_context(query: str) -> tuple[str, str]:
    """A resolved follow-up "question (context: earlier question)" -> (question, earlier)."""
    own, _, context = query.partition(CONTEXT_OPEN)
    return own, context.removesuffix(")")


def _defined_acronym(name: str, turns: Sequence[str]) -> str | None:
    """The short name a text defines for `name`: "International Institute" in "the
    International Institute for Counterterrorism (ICT) is ..." -> "ICT", which the report's
    later sentences use (the head of a long name alone matches none of them)."""
    pattern = re.compile(
        re.escape(name) + r"(?:\s(?:for|of|on|in)\s(?:[A-Z][\w’'-]*\s?){1,3})?\s*\(([A-Z]{2,6})\)"
    )
    for text in turns:
        if match := pattern.search(text):
            return match.group(1)
    return None


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|(?<!\w)'[^']*'(?!\w)")


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
                CALENDAR.search(name) or (" " not in name and not name.startswith("al-"))
            ):
                continue  # a person is named by two words ("Ali Khamenei") or "al-X", never a month
            if exclude is not None and (
                country_of(name) or any(country_of(w) or known_place_word(w) for w in name.split())
            ):
                continue  # "Iraqi Shiite" describes someone, "South Africa" is a place
            return name
    return None
