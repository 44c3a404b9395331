"""General questions: the one to three report sentences that answer best, if the calibrated
decision takes them for an answer (else a refusal with the closest passages), and a prose
footnote a chosen sentence cites when it names what the question asks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from typing import Any

import numpy as np

from ijdqa.answer import deeds, vocabulary
from ijdqa.answer import sentences as extractive
from ijdqa.answer.base import AnswererBase, Scoring
from ijdqa.answer.deeds import Deeds
from ijdqa.answer.expected import asked_noun, asks_statement, reports_statement
from ijdqa.answer.question import (
    answer_type,
    asks_why,
    fits_type,
    split_context,
    why_verb,
)
from ijdqa.answer.sentences import Candidate
from ijdqa.citations import keep_valid, make_citation
from ijdqa.referents import with_referent
from ijdqa.search.lexical import tokenize
from ijdqa.types import (
    Answer,
)


class GeneralAnswers(AnswererBase):
    """Answers from the best-scoring report sentences."""

    def _general(
        self,
        base: Answer,
        query: str,
        *,
        k: int,
        filters: dict[str, Any] | None,
        names: Sequence[str] = (),
    ) -> Answer:
        """The best sentences for the question, if the calibrated decision takes them for an
        answer; else a refusal with the closest passages."""
        scored, scoring = self._scored_sentences(query, k=k, filters=filters)
        own = split_context(query)[0]
        wanted = answer_type(own)
        # about a name of several words, when a value is asked: "When was Neturei Karta founded?"
        named = self._full_names(own) if wanted not in (None, "name") else []
        scored = [c for c in scored if all(_holds_name(c, n) for n in named)]
        asked = deeds.read(query)
        noun = tokenize(asked_noun(own) or "")
        strict = [
            c
            for c in scored
            if _fits(c, query, wanted, asked) or self._note_fits(c, query, wanted, noun)
        ]
        fitting = strict or [c for c in scored if _fits(c, query, wanted, asked, loose=True)]
        chosen = extractive.select(fitting, floor=0.0)
        if not chosen:
            self.trace = None
            return self.refuse(base, query, k=k, names=names)
        if asks_why(own) and (
            names or extractive.premise_contradicted(fitting[0].text, why_verb(own))
        ):
            # a false premise: "Why was it held in Tehran?" where the report never names
            # Tehran, "Why did X support Y?" where it says X condemned Y
            self.trace = None
            return self.refuse(base, query, k=k, names=names)
        features = self._features(own, scored, fitting, scoring, names)
        features["loose_type"] = float(not strict)
        probability = self.decision.probability(features) if self.decide else None
        self.trace = {"features": features, "probability": probability}
        if probability is not None and probability < self.decision.threshold:
            return self.refuse(base, query, k=k, names=names)
        chosen += self._followed_note(query, chosen, scoring, wanted)
        parts, citations = [], []
        for marker, cand in enumerate(chosen, start=1):
            citation = make_citation(self.view, cand.chunk, cand.start, cand.end, marker=marker)
            if citation is None:
                continue
            parts.append(f"{with_referent(cand.text, cand.referent)} [{marker}]")
            citations.append(citation)
        return keep_valid(replace(base, text=" ".join(parts), citations=tuple(citations)))

    def _features(
        self,
        own: str,
        scored: Sequence[Candidate],
        fitting: Sequence[Candidate],
        scoring: Scoring,
        names: Sequence[str],
    ) -> dict[str, float]:
        """What the decision weighs, measured on the best fitting sentence."""
        best = fitting[0]
        lexical = scoring.lexical
        named, plain = extractive.split_terms(own, self._names)
        have = set(tokenize(best.scoring_text))

        def covered(terms: Sequence[str]) -> float:
            if not terms:
                return 1.0
            weights = {
                t: max(lexical.idf(t) or lexical.max_idf, self.params.least_weight) for t in terms
            }
            total = sum(weights.values())
            return sum(w * held(t) for t, w in weights.items()) / total

        def held(term: str) -> float:
            return best.credits.get(term, vocabulary.credit(term, have))

        wanted = answer_type(own)
        why = asks_why(own)
        top = lexical.max_idf or 1.0  # a scope of one or two passages: every idf can be 0
        return {
            "score": best.score,
            "coverage": best.coverage,
            "similarity": best.similarity,
            "predicate_coverage": covered(plain),
            "name_coverage": covered(named),
            "unknown_terms": float(
                extractive.unknown_terms(own, idf=lexical.idf, related=lexical.related)
            ),
            "unknown_names": float(len(names)),
            "typed": float(wanted is not None),
            "type_gap": float(extractive.type_gap(scored, fitting)),
            "premise_missing": float(why and not extractive.premise_stated(scored, why_verb(own))),
            "anchored": float(best.anchored),
            "margin": best.score - (fitting[1].score if len(fitting) > 1 else 0.0),
            "footnote": float(best.chunk.kind == "footnote"),
            "terms": float(len(named) + len(plain)),
            "predicate_similarity": self._predicate_similarity(own, named, best),
            "missing_name_weight": max(
                ((lexical.idf(t) or lexical.max_idf) / top for t in named if not held(t)),
                default=0.0,
            ),
            "missing_weight": max(
                (
                    (lexical.idf(t) or lexical.max_idf) / top
                    for t in plain
                    if not vocabulary.credit(t, have)
                ),
                default=0.0,
            ),
            **{
                f"asks_{kind}": float(wanted == kind)
                for kind in ("number", "time", "person", "place")
            },
        }

    def _full_names(self, question: str) -> list[list[str]]:
        """The terms of each name of two or more words the question gives as the report
        writes it ("When was Neturei Karta founded?"): a sentence answers only about it."""
        found = []
        for match in _NAME_RUN.finditer(question, 1):
            name = match.group(0)
            if len(name.split()) > 1 and name.lower() in self._report_lower:
                found.append(tokenize(name))
        return found

    @cached_property
    def _report_lower(self) -> str:
        """The report's text in lower case, made once for every question."""
        return self.view.report.text.lower()

    def _note_fits(
        self, cand: Candidate, query: str, wanted: str | None, noun: Sequence[str]
    ) -> bool:
        """Whether a prose footnote the sentence cites holds the asked kind: "... were western
        academics19" names no one, its note 19 does, and a reader follows the marker. The
        note must be about the `noun` the question asks for ("which academics" -> "the
        academics were")."""
        if wanted is None or cand.chunk.kind == "footnote" or cand.chunk.source != "report":
            return False
        numbers = {m.number for m in self.view.report.markers if cand.start <= m.offset <= cand.end}
        return any(
            self._usable(note)
            and fits_type(note.text, query, wanted)
            and set(noun) <= set(tokenize(note.text))
            for n in numbers
            for note in self._notes.get(n, [])
        )

    def _predicate_similarity(self, own: str, named: Sequence[str], best: Candidate) -> float:
        """How close the sentence is to what the question asks, its names left out: "How old
        is X?" asks about an age, which a sentence about X need not be."""
        names = set(named)
        rest = " ".join(w for w in own.split() if not set(tokenize(w)) & names)
        if not rest.strip() or rest.strip() == own.strip():
            return best.similarity
        vector = np.asarray(self.index.query_embedder.embed_query(rest), dtype=np.float32)
        sentence = self.index.embed_sentences([best.scoring_text])[0]
        return float(np.dot(sentence, vector))

    def _followed_note(
        self, query: str, chosen: Sequence[Candidate], scoring: Scoring, wanted: str | None
    ) -> list[Candidate]:
        """The best sentence of a prose footnote that a chosen sentence cites, as a reader
        follows a marker: "... were western academics ...19" -> note 19 names them.

        Only one (an answer stays within four sentences), sharing a question word and holding
        the kind of answer asked for.
        """
        taken = {(c.chunk.chunk_id, c.start) for c in chosen}
        notes = [
            n
            for n in self._cited_notes(query, chosen, scoring)
            if n.coverage > 0
            and (n.chunk.chunk_id, n.start) not in taken
            and fits_type(n.text, query, wanted)
        ]
        return notes[:1]


_NAME_RUN = re.compile(
    r"(?:al-)?[A-Z][\w’'-]+(?:\s+(?:of\s+|the\s+|for\s+)?(?:al-)?[A-Z][\w’'-]+)+"
)


def _holds_name(cand: Candidate, terms: Sequence[str]) -> bool:
    """Whether a sentence is about a name: it holds the name's last word, or the sentence
    before (which "it" may refer to) or its "he"/"she" does."""
    have = set(tokenize(f"{cand.scoring_text} {cand.before} {cand.referent or ''}"))
    return terms[-1] in have  # its head word at least: "the Trust" for "Saltmere Harbour Trust"


def _fits(
    cand: Candidate, question: str, wanted: str | None, asked: Deeds, *, loose: bool = False
) -> bool:
    """Whether a sentence holds the kind of answer asked for; the person a sentence's "he" or
    "she" refers to counts as a person it names ("which speaker said ..." -> "He said ...").
    What a speaker said is answered only by a sentence that reports a statement, and how
    someone reacted only by one that tells them reacting."""
    if asks_statement(question) and not reports_statement(cand.text):
        return False
    if asked.unmet(cand.text):
        return False  # "How did the U.N. respond?" is not told by the letter sent to it
    if fits_type(cand.scoring_text, question, wanted, anchored=cand.anchored, loose=loose):
        return True
    who = cand.referent
    return wanted == "person" and who is not None and who.lower() not in question.lower()
