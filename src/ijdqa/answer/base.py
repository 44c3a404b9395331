"""What every kind of extractive answer shares: the answerer's state (the corpus view, the
index, the speller, the acronyms, the appendix rows' chunks, the decision), the refusal, and
the sentence scoring that general and source answers both use. Each answer kind is a mixin of
its own module (table.py, sources.py, general.py) over `AnswererBase`; answerer.py routes a
question to one of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple, Protocol

import numpy as np

from ijdqa import prompts
from ijdqa.answer import appendix_words, composed, places, vocabulary
from ijdqa.answer import sentences as extractive
from ijdqa.answer.aliases import find_aliases, own_words, profiles
from ijdqa.answer.decide import Decision, shipped
from ijdqa.answer.params import PARAMS, ScoringParams
from ijdqa.answer.question import addresses_reader, split_context
from ijdqa.answer.sentences import Candidate
from ijdqa.answer.spelling import Speller, lexicon
from ijdqa.search.corpus import CorpusView
from ijdqa.search.lexical import LexicalIndex, tokenize
from ijdqa.text import is_prose
from ijdqa.types import (
    Answer,
    Chunk,
    Hit,
)

_NAME_RE = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z][\w’'-]+)")
_TITLES = frozenset(lexicon("titles.txt"))  # "Supreme", "Prime": capitalized, but no name


class Searcher(Protocol):
    chunks: list[Chunk]

    @property
    def lexical(self) -> LexicalIndex: ...
    def lexical_for(self, scope: str | None) -> LexicalIndex: ...

    @property
    def query_embedder(self) -> Any: ...

    def embed_sentences(self, texts: list[str]) -> np.ndarray: ...

    def search(
        self, query: str, *, k: int = 6, filters: dict[str, Any] | None = None, mode: str = "hybrid"
    ) -> list[Hit]: ...


class Scoring(NamedTuple):
    """What sentences of one question are scored with: its vector, its scope's BM25 stats."""

    vector: np.ndarray
    lexical: LexicalIndex


class AnswererBase:
    """The state and the shared steps of the extractive answerer (see answerer.py)."""

    def __init__(
        self,
        view: CorpusView,
        index: Searcher,
        *,
        params: ScoringParams = PARAMS,
        decision: Decision | None = None,
        decide: bool = True,
    ) -> None:
        self.view = view
        self.index = index
        self.params = params
        self._decision = decision
        self.decide = decide  # False: answer with the best sentence always (calibration)
        self.trace: dict[str, Any] | None = None  # the last general answer's features
        self._by_org = {o: c for c in index.chunks for o in c.organizations}
        self._rows = composed.Rows(index.chunks, view.report.organizations)
        self._table_words = appendix_words.table_words(view.report.paragraphs)
        self.speller = Speller((c.text for c in index.chunks), more=places.place_words)
        report_texts = [c.text for c in index.chunks if c.source == "report"]
        self._names = extractive.name_stems(report_texts)
        self.aliases = find_aliases(report_texts)
        self.own_words = own_words([view.report.text], self.aliases, excluded=places.is_place_word)
        defined = {
            tokenize(name)[-1]: text
            for name, text in profiles(report_texts, self.aliases).items()
            if tokenize(name)
        }
        # the words of each definition, for credit; and with every country in one form, for
        # telling which name a question describes ("Iran's leader" for "the leader of the
        # Islamic Republic, Ali Khamenei"), each word counted once
        self._profiles = {n: frozenset(tokenize(text)) for n, text in defined.items()}
        self._described = {
            n: frozenset(tokenize(places.with_countries(text))) for n, text in defined.items()
        }
        self._notes: dict[int, list[Chunk]] = {}  # footnote number -> its footnote chunks
        for chunk in index.chunks:
            if chunk.kind == "footnote":
                for number in chunk.footnotes:
                    self._notes.setdefault(number, []).append(chunk)

    @property
    def decision(self) -> Decision:
        """The answer-or-refuse model: the one given, else the one the package ships (read
        on first use, so calibration can run while it is being refitted)."""
        if self._decision is None:
            self._decision = shipped()
        return self._decision

    def unknown_names(self, question: str) -> list[str]:
        """Capitalized words of the question that occur nowhere in the corpus."""
        known = self.index.lexical.idf
        names = [m.group(1) for m in _NAME_RE.finditer(question)]
        return [
            n
            for n in dict.fromkeys(names)
            if tokenize(n)
            and all(known(t) is None for t in tokenize(n))
            and not places.is_place_word(n)
            and n.lower() not in _TITLES
        ]

    def refuse(self, base: Answer, query: str, *, k: int, names: Sequence[str] = ()) -> Answer:
        text = prompts.refusal()
        if names:
            text += " " + prompts.render("refusal_detail", names=", ".join(names))
        see_also = tuple(self.index.search(query, k=min(k, 3)))
        return replace(base, text=text, refused=True, see_also=see_also)

    def _score(self, query: str, cands: Sequence[Candidate], scoring: Scoring) -> list[Candidate]:
        return extractive.score(
            query,
            cands,
            idf=scoring.lexical.idf,
            max_idf=scoring.lexical.max_idf,
            related=scoring.lexical.related,
            embed=self.index.embed_sentences,
            query_vector=scoring.vector,
            names=self._names,
            profiles=self._profiles,
        )

    def _scored_sentences(
        self, query: str, *, k: int, filters: dict[str, Any] | None, search: str | None = None
    ) -> tuple[list[Candidate], Scoring]:
        """The sentences of the k best passages that can answer `query`, scored for it, best
        first, and what they were scored with; `search` is the text searched with, when it
        differs from the question.

        Citing footnotes (a URL, "Ibid") match dates and names well but hold no answer, so
        they must not crowd the others out; a sentence that addresses the reader or the
        system is evidence, never a fact.
        """
        found = self.index.search(self._with_described(search or query), k=2 * k, filters=filters)
        hits = [h for h in found if self._usable(h.chunk)]
        cands = [
            c
            for c in extractive.candidates(hits[:k], usable=self._usable, base=self.view.base)
            if not addresses_reader(c.text)
        ]
        vector = np.asarray(self.index.query_embedder.embed_query(query), dtype=np.float32)
        scoring = Scoring(vector, self.index.lexical_for((filters or {}).get("scope")))
        return self._score(query, cands, scoring), scoring

    def _with_described(self, query: str) -> str:
        """The search text with the name the question describes rather than names: "the
        British rights group behind the webinar" shares two or more words with what the
        report says the IHRC is (aliases.profiles), and more of them than with any other."""
        own = split_context(query)[0]
        terms = set(vocabulary.query_terms(places.with_countries(own)))
        shared = {
            name: len(terms & words) for name, words in self._described.items() if name not in terms
        }
        best = max(shared.values(), default=0)
        chosen = [n for n, count in shared.items() if count == best]
        if best < self.params.described_terms or len(chosen) > 1:
            return query
        return f"{query} {chosen[0]}"

    def _usable(self, chunk: Chunk) -> bool:
        """Footnotes answer only where they say something beyond the citation itself."""
        return chunk.kind != "footnote" or is_prose(chunk.text)

    def _cited_notes(
        self, query: str, cands: Sequence[Candidate], scoring: Scoring
    ) -> list[Candidate]:
        """The sentences of the prose footnotes that `cands` cite, scored for `query`."""
        markers = self.view.report.markers
        cited = {
            m.number
            for c in cands
            if c.chunk.kind != "footnote" and c.chunk.source == "report"
            for m in markers
            if c.start <= m.offset <= c.end
        }
        hits = [Hit(chunk, 0.0) for n in sorted(cited) for chunk in self._notes.get(n, [])]
        return self._score(
            query, extractive.candidates(hits, usable=self._usable, base=self.view.base), scoring
        )
