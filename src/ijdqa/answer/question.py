"""What kind of question is this? Pure string work over the question.

- strip_instructions: the question with injected instructions removed (they are data);
- split_compound: two questions joined by "and", each on its own;
- with_footnote_word: "fn5" -> "footnote 5";
- asks_why / why_verb: a why-question and the verb of its premise;
- wants_source / explicit_footnote: a question about where a claim comes from;
- asks_when_published: when a cited text (a tweet, an article) came out.

Beside it: followup.py (a follow-up made self-contained from the conversation) and
expected.py (what an answer must contain).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ijdqa.answer.expected import answer_type, fits_type
from ijdqa.answer.followup import CONTEXT_OPEN, split_context
from ijdqa.answer.sources import SOURCE_NOUNS
from ijdqa.answer.spelling import lexicon_alternation, lexicon_words
from ijdqa.search.lexical import tokenize

# answer_type, fits_type and split_context live in expected.py and followup.py; general.py and
# sentences.py import them from here
__all__ = [
    "addresses_reader",
    "answer_type",
    "asks_when_published",
    "asks_why",
    "explicit_footnote",
    "fits_type",
    "preamble_as_context",
    "question_source_word",
    "split_compound",
    "split_context",
    "split_preamble",
    "strip_instructions",
    "wants_source",
    "why_verb",
    "with_footnote_word",
]


# a sentence opening (after "please", a comma or a colon) with words addressed to the system
_OPENINGS = lexicon_alternation("addressing.txt", joiner=r",?\s+")
_ADDRESSING = rf"(?:please,?\s+)?(?:{_OPENINGS})\b"
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


_SOURCE_RE = lexicon_words("source_words.txt")


SHORTEST_PART = 3  # words each part of a multi-part question must have


def strip_instructions(question: str) -> str:
    """Drop bracketed notes, pseudo-tags and imperative sentences aimed at the system."""
    kept = question
    for _ in range(3):  # removing a tag can expose an instruction right after it
        kept = " ".join(_INSTRUCTION_RE.sub(" ", kept).split())
    return kept if re.search(r"\w", kept) else " ".join(question.split())


def _listed(piece: str) -> list[str]:
    """A part of a list of questions cut at each ", which ..." that opens one more question
    of its own, with no comma in it: "What date was it, which platforms carried it" is two;
    "What did X, which was founded in 1997, say" keeps its relative clause."""
    cuts = [m for m in _LISTED.finditer(piece) if "," not in piece[m.end() :]]
    if not cuts or not _ASKS.match(piece):
        return [piece]
    first = cuts[0]
    rest = piece[first.end() :]
    return [piece[: first.start()], rest] if len(rest.split()) >= SHORTEST_PART else [piece]


_WH = r"(?:which|what|who|whom|whose|when|where|how|why)"  # the words a question opens with
_LISTED = re.compile(rf",\s*(?={_WH}\b)", re.I)
_ASKS = re.compile(rf"^\W*{_WH}\b", re.I)
# where one question ends and the next begins: after a question mark, or at a dash before a
# question word ("How long has X been around - what year did it get started?")
_NEXT_QUESTION = re.compile(rf"(?<=\?)\s+(?=\S)|\s+[-–—]\s+(?=(?i:{_WH})\b)")


def split_compound(question: str) -> list[str]:
    """Two questions joined by "and", or one after the other, -> each on its own ("What did
    X say and how did Y differ?" -> ["What did X say?", "how did Y differ?"]); otherwise
    [question].

    Each part must be a question of at least three words, so "When and where was X
    founded?" stays whole.
    """
    # two questions one after the other ("How long has X been around? What founding year
    # does the report give?"): each on its own, and each split further
    asked = [q for q in _NEXT_QUESTION.split(question.strip()) if q.strip()]
    if (
        len(asked) > 1
        and all(len(q.split()) >= SHORTEST_PART for q in asked)
        # each a question: not a statement before a dash ("I'm looking at X - what ...?")
        and all(q.rstrip().endswith("?") or _ASKS.match(q) for q in asked)
    ):
        return [p for q in asked for p in split_compound(f"{q.rstrip(' ?.!')}?")]
    # an "and" inside a part joins question words ("Where and when was X founded, and who
    # leads it?"): a piece too short to be a question stays with the piece after it
    pieces, at = [], 0
    for match in _COMPOUND.finditer(question):
        piece = question[at : match.start()]
        if len(piece.split()) >= SHORTEST_PART:
            pieces.append(piece)
            at = match.end()
    pieces.append(question[at:])
    if len(pieces) > 1:  # "A, B, and C": the list's earlier questions are apart too
        pieces = [p for piece in pieces[:-1] for p in _listed(piece)] + pieces[-1:]
    parts = [p.strip(" ,;") for p in pieces]
    if len(parts) == 1 or any(len(p.split()) < SHORTEST_PART for p in parts):
        return [question]
    return [p if p.endswith("?") else f"{p.rstrip('.!')}?" for p in parts]


# a statement a question opens with, before the question itself ("I'm checking South Asian
# groups. How many are from Bangladesh?"), or a colon before a wh-question ("Quick one for a
# graphic: which groups are based in Leeds?")
_PREAMBLE = re.compile(
    r"^(?:(?P<preamble>[^?]*?[.!])\s+(?P<question>[A-Z][^.!]*\?\s*)"
    r"|(?P<lead>[^?:]*?:)\s+(?P<asked>(?i:which|what|who|whom|whose|when|where|how)\b[^.!]*\?\s*))$"
)


_BACK_REFERENCE = re.compile(
    r"\b(?:he|she|it|they|them|his|her|its|their|this|that|these|those|there)\b", re.I
)


_PERSON_REFERENCE = re.compile(r"\b(?:he|she|him|his|her)\b", re.I)


_TOPIC = re.compile(r"^\W*(?P<topic>[A-Z][^:?.!]{1,40}?):\s+(?P<asked>\S.*)$")
_TOPIC_PRONOUN = re.compile(r"\b(it|its)\b", re.I)


def with_topic(question: str) -> str:
    """A question headed by its topic ("AIM: when was it founded?") with "it"/"its" read as
    the topic ("when was AIM founded?"); any other question as it is."""
    match = _TOPIC.match(question)
    if not match or not _TOPIC_PRONOUN.search(match.group("asked")):
        return question
    topic = match.group("topic").strip()
    # "Two quick things about the 2020 gathering: ..." is about the gathering
    topic = re.sub(r"^.*?\b(?:about|regarding|concerning|on)\s+", "", topic, flags=re.I)
    return _TOPIC_PRONOUN.sub(
        lambda m: topic + ("’s" if m.group(1).lower() == "its" else ""), match.group("asked")
    )


def split_preamble(question: str, *, standalone: bool = True) -> tuple[str, str | None]:
    """(the question, the statements before it) when a question opens with statements and
    ends with a question of its own; else (question, None). `standalone`: the question must
    read without the statements (no "it", "that ..." pointing back into them); a table
    question need not, its places and operation are its own. One that points back to a
    person ("he", "her") never stands alone."""
    match = _PREAMBLE.match(question.strip())
    if not match:
        return question, None
    asked = match.group("question") or match.group("asked")
    preamble = match.group("preamble") or match.group("lead")
    if (
        len(asked.split()) < SHORTEST_PART
        # "does he teach?": not on its own; a table question may point back to rows
        or (standalone and _BACK_REFERENCE.search(asked))
        or _PERSON_REFERENCE.search(asked)
    ):
        return question, None
    return asked.strip(), preamble.strip()


def preamble_as_context(question: str) -> str:
    """A question that opens with statements, read as its last sentence with the statements
    as context: "I'm trying to understand the ties to British politics here. Which former
    Labour leader supports the IHRC?" asks the second sentence, and the first only helps find
    the passage (a follow-up's earlier question is carried the same way, followup.py). The
    statements' words weigh less and do not count as what the answer must cover."""
    asked, preamble = split_preamble(question, standalone=False)
    return question if preamble is None else f"{asked}{CONTEXT_OPEN}{preamble})"


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


def wants_source(question: str) -> bool:
    """Asks where a claim comes from (not why or how many, which a footnote cannot answer)."""
    if re.match(r"^\W*(why|how many|how much)\b", question, re.I):
        return False
    return question_source_word(question) is not None


def _source_asks(question: str) -> Iterator[re.Match[str]]:
    """The words of the question that ask for a source: not a speaker's citing ("he cited a
    figure") and not a tie between two parties ("the link to Iran")."""
    for m in _SOURCE_RE.finditer(question):
        if not _SPEAKER_CITES.search(question[: m.start()]) and not _is_tie(question, m):
            yield m


# "the link to Iran", "shows that link": a tie between two parties, not a cited page's URL
_TIE_AFTER = re.compile(r"\s+(?:to|with|between)\b", re.I)
_TIE_BEFORE = re.compile(r"\bshow\w*\s+(?:that\s+|this\s+|the\s+|its\s+|a\s+)?$", re.I)


def _is_tie(question: str, match: re.Match[str]) -> bool:
    return match.group(0).lower() in ("link", "links") and bool(
        _TIE_AFTER.match(question, match.end()) or _TIE_BEFORE.search(question[: match.start()])
    )


def question_source_word(question: str) -> int | None:
    """Where the first word asking for a source ends in the question, or None."""
    found = next(_source_asks(question), None)
    return found.end() if found else None


# "he cited some figure": a speaker citing something is what was said, not the report's source
_SPEAKER_CITES = re.compile(r"\b(?:he|she|they|who)\s+(?:also\s+)?$", re.I)


_PUBLISHING = lexicon_words("publishing_verbs.txt")


def asks_when_published(question: str) -> bool:
    """Asks when a cited text came out ("When did Khamenei tweet that ...?"): its date is in
    the footnote behind the claim, not in the report's sentence."""
    return answer_type(question) == "time" and bool(
        _PUBLISHING.search(question) or SOURCE_NOUNS.search(question)
    )


# "that tweet", "this source", "the link for that": a source of what was just answered
_THAT_SOURCE = re.compile(
    r"\b(?:that|this|the same)\s+(?:tweet|post|article|source|link|video|page|footnote|claim)\b"
    r"|\b(?:cited|source|link)\s+for\s+(?:that|this|it)\b",
    re.I,
)


def asks_last_source(question: str) -> bool:
    """Asks for the source of what was just answered ("when was that tweet posted?")."""
    return bool(_THAT_SOURCE.search(question))


def with_footnote_word(question: str) -> str:
    """A footnote a quick lookup names in short ("fn5", "fn 19", "ftn. 3", "footnote #5",
    "note no. 7") written as "footnote N", the way every lookup of a note reads it."""
    return _FOOTNOTE_SHORT.sub(r"footnote \1", question)


_FOOTNOTE_SHORT = re.compile(
    r"\b(?:fn|ftn|fnote|foot\s?note|note)\.?\s*(?:#|no\.?\s*|number\s+)?(\d{1,3})\b", re.I
)


def explicit_footnote(question: str) -> int | None:
    match = re.search(r"\bfootnote\s+(\d{1,3})\b", question, re.I)
    return int(match.group(1)) if match else None


# "..., and which ...", "... and for how long ...", "... and in which city ...": a second question
# may open with the preposition its wh-word governs
_COMPOUND = re.compile(
    r"(?:,\s*|\s+)and\s+(?=(?:(?:say|tell\s+me|explain|state|name|list|give)\s+)?"
    r"(?:(?:roughly|approximately|also|then|exactly|just)\s+)?"
    r"(?:(?:for|in|on|at|to|from|by|with|since|of|about)\s+)?"
    rf"(?:{_WH}|whos)\b)",
    re.I,
)
