"""The report's own words for its appendix table, and whether a question is about the table:
most of its content words are those words, or generic ones for a total (appendix.py parses).

Pure: the report's paragraphs and a question in, its table words and a yes or no out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ijdqa.answer.places import ROW_NOUN, based_words, place_spans
from ijdqa.search.lexical import related_forms, tokenize
from ijdqa.types import Paragraph

COUNT = re.compile(
    r"\b(how many|number of|count(?:ing|ed|s)?|tally|add(?:s|ing)? up|sum(?:s|med)? up|total|how much|percent\w*|share|proportion|fraction)\b",
    re.I,
)


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
        if ROW_NOUN.search(question) or based_words(question):
            return True
        stems = [t for t in tokenize(question) if len(t) >= SHORTEST_STEM]
        return any(t == w or related_forms(t, w) for t in stems for w in self.rows)


SHORTEST_STEM = 3  # shorter stems ("co") say nothing about what a row is


def table_words(paragraphs: Sequence[Paragraph]) -> TableWords:
    texts = [
        p.text
        for p in paragraphs
        if p.section.lower().startswith("appendix")
        and not re.match(r"^\d+\.", p.text)
        and p.kind != "caption"  # a photo the layout put after the table is not about it
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


# a place set aside after it is named: "Leaving Britain aside", "the British entries aside"
SET_ASIDE = re.compile(r"\W*(?:(?:entries|groups|ones|organi[sz]ations|partners)\s+)?aside\b", re.I)


GENERIC = frozenset(
    tokenize(
        "total altogether overall all together appendix list listed table contain contains "
        "numbered include includes included have has whole entire across "
        # politeness shapes a question, not its topic
        "please kindly"
    )
)


PLACE_QUESTION_SLACK = 2  # other words a place question may hold ("based", "combined")
STRICT_SLACK = 1  # the report's words for its table a bare row-and-place question may hold


# words that name the operation, not the topic
OPERATION_WORDS = frozenset(
    tokenize(
        "country countries nation nations region regions continent continents most fewest twice duplicate "
        "duplicated repeated once times breakdown represented come from based located situated "
        "headquartered each per every "
        "combined together respectively separately among any named called included "
        "different distinct unique various appear appears occur occurs show shown non only "
        "single one just least largest biggest second third "
        # rows left out, and what remains ("leave aside the UK: how many are left?")
        "excluding exclude except besides aside leave leaving left remain remaining minus "
        # how a row relates to what is asked, and the acronyms the table gives
        "related relating linked connected associated abbreviation abbreviations acronym "
        "acronyms abbreviated "
        # how an entry is written ("not only the ones tagged United Kingdom")
        "tag tagged label labelled labeled marked described"
    )
)


_NAME_BEFORE_NOUN = re.compile(r"((?:\b[A-Z][\w’'&-]*\s+)+)([a-z][\w-]*)")
_VERB_FORM = re.compile(r"(?:ed|ing)$")


def describing(
    question: str, words: TableWords, vocabulary: frozenset[str] = frozenset()
) -> set[str]:
    """Stems of capitalized words that name what the table's intro is about, not rows: the
    words before a lower-case noun of the intro that is no word for a row and no row's
    (`vocabulary`): "how many groups that co-sponsored the Quds Day conference were
    Malaysian?" names the conference; "Ahlulbayt Societies partnered" names rows."""
    found: set[str] = set()
    for match in _NAME_BEFORE_NOUN.finditer(question):
        noun = tokenize(match.group(2))
        if (
            noun
            and not _VERB_FORM.search(match.group(2))
            and all(t in words.about and t not in words.rows and t not in vocabulary for t in noun)
        ):
            found |= set(tokenize(match.group(1)))
    return found


def is_about_table(
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
        for t in tokenize(COUNT.sub(" ", re.sub(r"[‘’'“”\"]", " ", question)))
        if not t.isdigit()
        and t not in rows
        and t not in OPERATION_WORDS
        and not any(related_forms(t, w) for w in words.rows)
    ]
    known = words.about | GENERIC | describing(question, words)
    outside = [t for t in content if t not in known]
    if strict:  # nothing but the rows, their places and at most one word the report uses for
        # the table ("groups from the netherlands", "Pakistan partner organizations IJD")
        return not outside and len([t for t in content if t not in GENERIC]) <= STRICT_SLACK
    if places_only:  # with a place: at most two words of something else
        return len(outside) <= PLACE_QUESTION_SLACK
    return len(outside) <= len(content) // 3  # a name of something else is enough to leave
