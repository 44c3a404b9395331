"""Questions about the members a report names: "How many academics are named?", "name the
professors who spoke". The answer is the one sentence that lists them (enumeration.py), found
among the best sentences for the question and the prose footnotes they cite (a report often
names a group in the text and its members in a note: "... were western academics19" ->
"19 Among the academics were Prof. A, ...; Prof. B, ...; Prof. C, ..."), and the count is the
number of names it lists.

A list answers only when what it lists is what the question asks for (see `_lists`): its
lead makes its items members of a group ("Among the academics were", "... included") that
the lead or the words a note's marker stands after name with the asked noun (or a word of
its family in lexicon/synonyms.txt); or the noun follows the list in apposition ("Bergen,
Lisbon and Mombasa, cities with which ..."); or the noun names a kind of place and every item
is a place ("how many continents did he name" -> "in Asia, Africa, South America and
Europe"). "The choirs came from Bergen, Lisbon and Mombasa" lists no choirs. Else the question
goes on to the general answerer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ijdqa import prompts
from ijdqa.answer import vocabulary
from ijdqa.answer.base import AnswererBase, Scoring
from ijdqa.answer.enumeration import Enumeration, counted_noun, enumeration, listed_noun
from ijdqa.answer.expected import kind_of
from ijdqa.answer.places import is_place_word
from ijdqa.answer.question import split_context
from ijdqa.answer.sentences import Candidate
from ijdqa.citations import keep_valid, make_citation
from ijdqa.search.lexical import tokenize
from ijdqa.types import Answer

# the best sentences whose lists (and cited notes' lists) are read: a list whose lead names
# the asked group answers from among them however little else of the question it holds (a
# long-winded question covers little of any sentence)
LOOKED_AT = 6
ANCHOR_WORDS = 3  # the words before a marker that say what its note is about
LEAD_WORDS = 4  # the words before a list that say what it lists ("Among the academics were")
TAIL_WORDS = 1  # the word after a list of bare names in apposition ("..., cities with which")


class EnumeratedAnswers(AnswererBase):
    """Answers naming (and counting) the members of a group the report lists."""

    def _enumerated(
        self, base: Answer, query: str, *, k: int, filters: dict[str, Any] | None
    ) -> Answer | None:
        """The list sentence that names the members asked for, or None (not such a question,
        or no list of them among the best sentences)."""
        own = split_context(query)[0]
        noun = counted_noun(own) or listed_noun(own)
        head = tokenize(noun.split()[-1]) if noun else []
        if noun is None or not head:  # none asked, or a noun of common words only ("ones")
            return None
        # the group's other names find a list the question names in other words ("professors"
        # for a sentence on "academics")
        family = " ".join(sorted(vocabulary.synonyms_of(head[0])))
        search = f"{query} {family}" if family else query
        scored, scoring = self._scored_sentences(query, k=k, filters=filters, search=search)
        found = self._listing(query, noun, head[0], scored[:LOOKED_AT], scoring)
        if found is None:
            return None
        cand, listed = found
        citation = make_citation(self.view, cand.chunk, cand.start, cand.end, marker=1)
        if citation is None:
            return None
        text = prompts.render(
            "names_count", count=len(listed.items), noun=noun, names="; ".join(listed.items)
        )
        return keep_valid(replace(base, text=f"{text} [1]", citations=(citation,)))

    def _listing(
        self, query: str, noun: str, head: str, best: Sequence[Candidate], scoring: Scoring
    ) -> tuple[Candidate, Enumeration] | None:
        """The best-supported sentence among `best` and the notes they cite whose list is of
        `noun` (`head`: the stem of its last word); a note is as well supported as the best
        sentence citing it."""
        options: list[tuple[float, Candidate, Enumeration]] = []
        for cand in best:
            listed = enumeration(cand.text)
            if listed and _lists(listed, head, noun, ""):
                options.append((cand.score, cand, listed))
            anchors = self._anchors(cand)
            for note in self._cited_notes(query, [cand], scoring):
                listed = enumeration(note.text)
                anchor = " ".join(anchors.get(n, "") for n in note.chunk.footnotes)
                if listed and _lists(listed, head, noun, anchor):
                    options.append((max(cand.score, note.score), note, listed))
        if not options:
            return None
        _, cand, listed = max(options, key=lambda o: o[0])
        return cand, listed

    def _anchors(self, cand: Candidate) -> dict[int, str]:
        """The words a sentence's footnote markers stand after, by footnote number: what the
        note is about ("... were western academics19, Iranian clerics" -> 19: "western
        academics")."""
        if cand.chunk.kind == "footnote" or cand.chunk.source != "report":
            return {}
        text = self.view.report.text  # a report chunk's offsets point into it
        found = {}
        for m in self.view.report.markers:
            if cand.start <= m.offset <= cand.end:
                before = text[cand.start : m.offset].rstrip("0123456789")
                found[m.number] = " ".join(before.split(",")[-1].split()[-ANCHOR_WORDS:])
        return found


# a lead that makes its list the members of the noun before it: "Among the academics were",
# "the speakers included", "groups such as"
_MEMBERS = re.compile(
    r"(?:\b(?:were|are|was|is|included?|includes|including|such as|like|namely)|:)\s*$", re.I
)


def _lists(listed: Enumeration, head: str, noun: str, anchor: str) -> bool:
    """Whether a list is of the asked noun: a lead that makes the items members of a group
    ("Among the academics were") whose last words, or the words a note's marker stands after,
    hold the noun; a noun in apposition after the list ("Bergen, Lisbon and Mombasa, cities
    with which"); or a noun naming a kind of place, every item being one."""
    lead = " ".join(listed.lead.split()[-LEAD_WORDS:])
    if _MEMBERS.search(listed.lead) and _holds(head, f"{lead} {anchor}"):
        return True
    if _holds(head, " ".join(listed.tail.split()[:TAIL_WORDS])):
        return True
    return kind_of(noun.split()[-1]) == "place" and all(
        is_place_word(item) for item in listed.items
    )


def _holds(term: str, text: str) -> bool:
    return bool(vocabulary.credit(term, set(tokenize(text))))
