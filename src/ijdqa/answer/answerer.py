"""The extractive answerer (the default: offline, deterministic): routes a question to its
kind of answer and joins the parts of a two-part question.

A question goes one of four ways: a count or list over the appendix table, a question about a
claim's source (footnote, date, URL), a question for the members of a group that one sentence
lists by name ("How many academics are named?"), or a general question answered by one to
three report sentences. Each answer sentence carries a marker [n] resolved to a verbatim citation; when no
sentence answers well enough, the answer is the refusal sentinel with the closest passages.

The kinds live in their own modules, each a mixin over `base.AnswererBase`: table.py (the
appendix table), source_answers.py (a claim's source), enumerated.py (a listed group's
members), general.py (report sentences). A new
kind is a new mixin, listed in `ExtractiveAnswerer`'s bases, and a branch in `_answer`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ijdqa import prompts
from ijdqa.answer import composed, places
from ijdqa.answer.aliases import with_acronyms
from ijdqa.answer.enumerated import EnumeratedAnswers
from ijdqa.answer.enumeration import asks_members
from ijdqa.answer.followup import CONTEXT_OPEN, resolve_followup
from ijdqa.answer.general import GeneralAnswers
from ijdqa.answer.question import (
    asks_last_source,
    asks_when_published,
    explicit_footnote,
    preamble_as_context,
    split_compound,
    strip_instructions,
    wants_source,
    with_footnote_word,
    with_topic,
)
from ijdqa.answer.source_answers import SourceAnswers
from ijdqa.answer.table import TableAnswers
from ijdqa.citations import MARKER_RE, keep_valid
from ijdqa.search.fusion import clean_query
from ijdqa.types import (
    Answer,
    Citation,
    Turn,
    footnote_urls,
)


class ExtractiveAnswerer(TableAnswers, SourceAnswers, EnumeratedAnswers, GeneralAnswers):
    name = "extractive"

    def answer(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int = 6,
        filters: dict[str, Any] | None = None,
    ) -> Answer:
        made = self._answer(question, history=history, k=k, filters=filters)
        return self.attribute(composed.checked(made, self.view, self._rows, self._refusal(k)))

    def _refusal(self, k: int) -> Callable[[Answer], Answer]:
        """How an answer none of whose claims its citations back is refused instead."""

        def refuse(answer: Answer) -> Answer:
            base = replace(answer, text="", citations=(), notes=())
            return self.refuse(base, answer.resolved_question or answer.question, k=k)

        return refuse

    def _answer(
        self,
        question: str,
        *,
        history: Sequence[Turn],
        k: int,
        filters: dict[str, Any] | None,
        context: str | None = None,
    ) -> Answer:
        asked = clean_query(question)
        core, _ = self.speller.correct(with_footnote_word(strip_instructions(asked)))
        core = with_acronyms(
            with_topic(core), self.aliases, self.own_words, place=places.is_place_word
        )
        parts = split_compound(core) if context is None else [core]
        if len(parts) > 1:
            return self._compound(asked, parts, history=history, k=k, filters=filters)
        resolved = resolve_followup(core, history)
        if context and resolved == core:
            resolved = f"{core}{CONTEXT_OPEN}{context})"
        base = Answer(
            question=asked, text="", resolved_question=resolved if resolved != core else None
        )
        users = [t.content for t in history if t.role == "user"]
        orgs = self._organizations(core, resolved, users[-1] if users else None)
        if orgs is not None and orgs.get("refused") and not orgs.get("text"):
            return self.refuse(base, resolved, k=k)
        if orgs is not None:
            return keep_valid(replace(base, **orgs))
        answers = [t.content for t in history if t.role == "assistant"]
        claim = resolved
        if answers and asks_last_source(core) and not answers[-1].startswith(prompts.refusal()):
            # "when was that tweet posted?": the source of what was just answered
            claim = f"{core} {answers[-1]}"
        number = explicit_footnote(core)
        if number is not None and asks_members(core):
            # "Number of academics named in footnote 19?": the names the note lists
            note_filters = {**(filters or {}), "footnote": number}
            listed = self._enumerated(base, resolved, k=k, filters=note_filters)
            if listed is not None:
                return listed
        if number is not None or wants_source(core):
            sourced = self._source(claim, number, k=k)
            if sourced is not None:
                return keep_valid(replace(base, **sourced))
        elif asks_when_published(core):
            # only the footnotes behind the claim asked about: another footnote's date is not
            # when this was published, and without one the report's sentences may still say
            dated = self._source(claim, None, k=k, claim_only=True)
            if dated is not None:
                return keep_valid(replace(base, **dated))
        listed = self._enumerated(base, resolved, k=k, filters=filters)
        if listed is not None:
            return listed
        if context is None and resolved == core:
            # statements before the question help find the passage; the question is asked
            resolved = preamble_as_context(core)
        return self._general(base, resolved, k=k, filters=filters, names=self.unknown_names(core))

    def _compound(
        self,
        asked: str,
        parts: Sequence[str],
        *,
        history: Sequence[Turn],
        k: int,
        filters: dict[str, Any] | None,
    ) -> Answer:
        """Answer each part of a two-part question in turn (a later part reads the earlier one
        and its answer as context), then join the answers, markers numbered through."""
        answers: list[Answer] = []
        turns = list(history)
        for i, part in enumerate(parts):
            others = " ".join(p for j, p in enumerate(parts) if j != i)
            answers.append(self._answer(part, history=turns, k=k, filters=filters, context=others))
            turns += [Turn("user", part), Turn("assistant", answers[-1].text)]
        if all(a.refused for a in answers):
            # each part alone too weak: one passage may still answer the question whole
            # ("what post did X hold and when was he killed?" -> one sentence says both)
            whole = self._answer(asked, history=history, k=k, filters=filters, context="")
            if not whole.refused:
                return whole
            base = Answer(question=asked, text="")
            return self.refuse(base, " ".join(parts), k=k)
        texts: list[str] = []
        citations: list[Citation] = []
        for part, answer in zip(parts, answers, strict=True):
            if answer.refused:
                texts.append(prompts.render("refusal_part", part=part.rstrip("?")))
                continue
            said = " ".join(MARKER_RE.sub(" ", t) for t in texts)
            text, added = _join_citations(answer, citations, " ".join(said.split()))
            texts += [text] if text else []
            citations += added
        notes = tuple(dict.fromkeys(n for a in answers if not a.refused for n in a.notes))
        joined = Answer(question=asked, text=" ".join(texts), citations=tuple(citations))
        return keep_valid(replace(joined, notes=notes))

    def attribute(self, answer: Answer) -> Answer:
        """Add to each citation the closest passage of its cited source, where it is indexed."""
        if not answer.citations:
            return answer
        return replace(answer, citations=tuple(self._attribute(c) for c in answer.citations))

    def _attribute(self, citation: Citation) -> Citation:
        urls = footnote_urls(citation.footnotes, self.view.report.footnote_map)
        if not urls or citation.kind == "source":
            return citation
        indexed = [u for u in urls if u in self.view.sources]
        if not indexed:
            return replace(citation, source_status="source not fetched")
        hits = self.index.search(citation.quote, k=1, filters={"source": indexed[0]})
        if not hits:
            return replace(citation, source_status="source fetched; no close passage")
        return replace(
            citation,
            source_excerpt=hits[0].chunk.text,
            source_status=f"source's own words: {indexed[0]}",
        )


_SEGMENT_RE = re.compile(r".*?(?:\[\d{1,3}\])+\s*", re.S)  # a sentence and its markers


def _join_citations(
    answer: Answer, earlier: Sequence[Citation], said: str = ""
) -> tuple[str, list[Citation]]:
    """`answer`'s text and citations numbered on from `earlier`. A span an earlier part cited
    keeps its earlier number; a statement an earlier part already made is left out, so the
    joined answer says nothing twice but answers every part."""
    seen = {(c.chunk_id, c.start, c.end): c.marker for c in earlier}
    numbers: dict[int, int] = {}
    added: list[Citation] = []
    for c in answer.citations:
        key = (c.chunk_id, c.start, c.end)
        if key in seen:
            numbers[c.marker] = seen[key]
        else:
            numbers[c.marker] = len(earlier) + len(added) + 1
            added.append(replace(c, marker=numbers[c.marker]))
    kept, at = [], 0
    while match := _SEGMENT_RE.match(answer.text, at):
        at = match.end()
        statement = " ".join(MARKER_RE.sub(" ", match.group(0)).split())
        if statement and statement in said:
            continue  # the very statement an earlier part made
        kept.append(MARKER_RE.sub(lambda m: f"[{numbers.get(int(m.group(1)), 0)}]", match.group(0)))
    return ("".join(kept) + answer.text[at:]).strip(), added
