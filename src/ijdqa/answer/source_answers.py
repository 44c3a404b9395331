"""Questions about a claim's source: the footnotes a question names by number, site or date,
else those behind the report sentence that states the claim, each described (sources.py) and
cited at the sentence its marker closes."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np

from ijdqa import prompts
from ijdqa.answer import sentences as extractive
from ijdqa.answer import sources, vocabulary
from ijdqa.answer.base import AnswererBase, Scoring
from ijdqa.answer.question import question_source_word
from ijdqa.answer.spelling import lexicon
from ijdqa.citations import make_citation
from ijdqa.search.corpus import CorpusView
from ijdqa.search.lexical import tokenize
from ijdqa.text import sentence_at
from ijdqa.types import (
    Citation,
    Footnote,
    ibid_target,
)

# words about sources, not about the claim: a claim is matched without them
SOURCE_TERMS = frozenset(
    [t for line in lexicon("source_words.txt") for t in tokenize(line)]
    + tokenize(
        "support supports back backs claim claims come taken image photo outlet outlets "
        "site website report reported reports date dated"
    )
)

NOTE_FIT = 0.3  # share of the question's weight a footnote and its claim must hold


class SourceAnswers(AnswererBase):
    """Answers that name footnotes: what a claim's source is, its date, its URL."""

    def _source(
        self, query: str, number: int | None, *, k: int, claim_only: bool = False
    ) -> dict[str, Any] | None:
        """A question about sources: the footnotes it names by number, site or date, else the
        ones behind the claim it describes (`claim_only`: only those)."""
        notes: list[Footnote]
        if number is not None:
            found = self.view.footnote(number)
            notes = [found] if found else []
        elif claim_only:
            # the site it names ("the iranpress piece about ..."), else the claim's footnotes
            report = self.view.report
            notes = [
                n
                for n in sources.by_site_or_date(query, report.footnotes, site_words=False)
                or self._claim_notes(query, k=k)
                if (found := report.resolve(n.number)) is not None and found.date
            ]
        else:
            notes = sources.by_site_or_date(query, self.view.report.footnotes)
            if not notes:
                notes = self._claim_notes(query, k=k)
            if not notes and (best := self._best_footnote(query, k=k)):
                notes = [best]
        if not notes:
            return None
        lookup = self.view.report.footnote_map
        if sources.asks_missing_detail(query, notes, lookup):
            # the footnotes are where the answer would be: shown, uncited, after the refusal
            shown = " ".join(sources.describe(n, lookup) for n in notes)
            return {"text": f"{prompts.refusal()} {shown}", "refused": True, "citations": ()}
        texts: list[str] = []
        citations: list[Citation] = []
        for note in notes:
            text = sources.describe(note, self.view.report.footnote_map)
            citation = self._claim_citation(note, marker=len(citations) + 1)
            if citation is not None:
                citations.append(citation)
                text += f" [{citation.marker}]"
            texts.append(text)
        return {"text": " ".join(texts), "citations": tuple(citations)}

    def _claim_notes(self, query: str, *, k: int) -> list[Footnote]:
        """The footnotes marked in the report sentence that best states the claim asked about
        (the question without its words about sources), if that sentence matches it well."""
        claim = " ".join(
            w for w in stated_claim(query).split() if not set(tokenize(w)) & SOURCE_TERMS
        )
        hits = [h for h in self.index.search(claim or query, k=k) if h.chunk.source == "report"]
        cands = extractive.candidates(
            [h for h in hits if h.chunk.kind in ("body", "caption")],
            usable=self._usable,
            base=self.view.base,
        )
        if not cands:
            return []
        vector = np.asarray(self.index.query_embedder.embed_query(claim), dtype=np.float32)
        scored = self._score(claim, cands, Scoring(vector, self.index.lexical))
        markers = self.view.report.markers
        best = scored[0].score
        for cand in scored[:3]:
            if cand.score < max(self.params.floor, self.params.close_ratio * best):
                break
            numbers = [m.number for m in markers if cand.start < m.offset <= cand.end + 1]
            if not numbers:  # a marker closing the passage covers the sentences before it
                para = next(
                    (p for p in self.view.report.paragraphs if p.start <= cand.start <= p.end),
                    None,
                )
                later = [
                    m for m in markers if m.offset > cand.end and para and m.offset <= para.end
                ]
                numbers = [later[0].number] if later else []
            if numbers:
                return [n for n in (self.view.footnote(x) for x in numbers) if n]
        return []

    def _best_footnote(self, query: str, *, k: int) -> Footnote | None:
        hits = self.index.search(query, k=k, filters={"kind": "footnote"})
        notes = [
            n
            for n in (self.view.footnote(h.chunk.footnotes[0]) for h in hits if h.chunk.footnotes)
            if n
        ]
        if not notes:
            return None
        terms = [t for t in vocabulary.query_terms(query) if t not in SOURCE_TERMS]
        idf = self.index.lexical.idf
        weights = {t: max(idf(t) or self.index.lexical.max_idf, 0.05) for t in terms}
        total = sum(weights.values()) or 1.0

        def fit(rank_note: tuple[int, Footnote]) -> float:
            rank, note = rank_note
            have = set(tokenize(_claim_segment(self.view, note) + " " + note.text))
            return sum(w for t, w in weights.items() if t in have) / total - 0.02 * rank

        rank, best = max(enumerate(notes), key=fit)
        return best if fit((rank, best)) >= NOTE_FIT else None

    def _claim_citation(self, note: Footnote, *, marker: int) -> Citation | None:
        if note.marker_offset is None:
            return None
        offset = note.marker_offset
        chunk = next(
            (
                c
                for c in self.index.chunks
                if c.source == "report" and c.kind != "footnote" and c.start <= offset <= c.end
            ),
            None,
        )
        if chunk is None:
            return None
        rel_start, rel_end = sentence_at(chunk.text, offset - chunk.start)
        citation = make_citation(
            self.view, chunk, chunk.start + rel_start, chunk.start + rel_end, marker=marker
        )
        if citation is None:
            return None
        target = ibid_target(note, self.view.report.footnote_map)
        return replace(citation, footnotes=(note, target) if target else (note,))


def _claim_segment(view: CorpusView, note: Footnote) -> str:
    """The words a marker closes: from the previous marker (or sentence start) to this one."""
    if note.marker_offset is None or not note.cited_in:
        return note.cited_in or ""
    text = view.report.text
    previous = [m.offset for m in view.report.markers if m.offset < note.marker_offset]
    para = next((p for p in view.report.paragraphs if p.start <= note.marker_offset <= p.end), None)
    start = max(previous[-1] if previous else 0, para.start if para else 0)
    return text[start : note.marker_offset]


# where the claim opens: after the first "that" ("the claim that ...", "when it asserts that
# ...", "the statement that ..." all end there)
_CLAIM_OPENS = re.compile(r"\bthat\s+", re.I)


def stated_claim(question: str) -> str:
    """The claim a source question asks about, without the words asking for its source:
    "Which outside document does the report rely on when it asserts that AIM has a strong link
    to Iran?" -> "AIM has a strong link to Iran?". The question as it is when it names no
    clause after a word for sources."""
    asked = question_source_word(question)
    if asked is None:
        return question
    opens = _CLAIM_OPENS.search(question, asked)
    rest = question[opens.end() :] if opens else ""
    return rest if len(rest.split()) >= SHORTEST_CLAIM else question


SHORTEST_CLAIM = 3  # words: a shorter rest ("that one?") is no claim
