"""The extractive answerer (the default: offline, deterministic).

A question goes one of three ways: a count or list over the appendix table, a question about a
claim's source (footnote, date, URL), or a general question answered by one to three report
sentences. Each answer sentence carries a marker [n] resolved to a verbatim citation; when no
sentence answers well enough, the answer is the refusal sentinel with the closest passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple, Protocol

import numpy as np

from ijdqa import prompts
from ijdqa.answer import appendix, sources
from ijdqa.answer import sentences as extractive
from ijdqa.answer.aliases import find_aliases, with_acronyms
from ijdqa.answer.decide import Decision, shipped
from ijdqa.answer.params import PARAMS, ScoringParams
from ijdqa.answer.question import (
    CONTEXT_OPEN,
    Turn,
    addresses_reader,
    answer_type,
    asks_why,
    explicit_footnote,
    fits_type,
    resolve_followup,
    split_compound,
    split_context,
    strip_instructions,
    wants_source,
    why_verb,
)
from ijdqa.answer.sentences import Candidate
from ijdqa.answer.spelling import Speller, lexicon
from ijdqa.citations import MARKER_RE, keep_valid, make_citation
from ijdqa.search.corpus import CorpusView
from ijdqa.search.fusion import clean_query
from ijdqa.search.lexical import LexicalIndex, tokenize
from ijdqa.text import is_prose, sentence_at, with_referent
from ijdqa.types import (
    Answer,
    Chunk,
    Citation,
    Footnote,
    Hit,
    Organization,
    footnote_urls,
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
_NAME_RE = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z][\w’'-]+)")


NOTE_FIT = 0.3  # share of the question's weight a footnote and its claim must hold


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


class _Scoring(NamedTuple):
    """What sentences of one question are scored with: its vector, its scope's BM25 stats."""

    vector: np.ndarray
    lexical: LexicalIndex


class ExtractiveAnswerer:
    name = "extractive"

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
        self._table_words = appendix.table_words(view.report.paragraphs)
        self.speller = Speller(c.text for c in index.chunks)
        self._names = extractive.name_stems(c.text for c in index.chunks if c.source == "report")
        self.aliases = find_aliases(c.text for c in index.chunks if c.source == "report")
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

    # --- entry point ------------------------------------------------------------------

    def answer(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int = 6,
        filters: dict[str, Any] | None = None,
    ) -> Answer:
        return self.attribute(self._answer(question, history=history, k=k, filters=filters))

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
        core, _ = self.speller.correct(strip_instructions(asked))
        core = with_acronyms(core, self.aliases)
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
        if orgs is not None and orgs.get("refused"):
            return self.refuse(base, resolved, k=k)
        if orgs is not None:
            return keep_valid(replace(base, **orgs))
        number = explicit_footnote(core)
        if number is not None or wants_source(core):
            sourced = self._source(resolved, number, k=k)
            if sourced is not None:
                return keep_valid(replace(base, **sourced))
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
        return keep_valid(Answer(question=asked, text=" ".join(texts), citations=tuple(citations)))

    # --- two-step attribution ----------------------------------------------------------------

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

    # --- refusal --------------------------------------------------------------------------

    def unknown_names(self, question: str) -> list[str]:
        """Capitalized words of the question that occur nowhere in the corpus."""
        known = self.index.lexical.idf
        names = [m.group(1) for m in _NAME_RE.finditer(question)]
        return [
            n
            for n in dict.fromkeys(names)
            if tokenize(n)
            and all(known(t) is None for t in tokenize(n))
            and not appendix.is_place_word(n)
        ]

    def refuse(self, base: Answer, query: str, *, k: int, names: Sequence[str] = ()) -> Answer:
        text = prompts.refusal()
        if names:
            text += " " + prompts.render("refusal_detail", names=", ".join(names))
        see_also = tuple(self.index.search(query, k=min(k, 3)))
        return replace(base, text=text, refused=True, see_also=see_also)

    # --- general questions ---------------------------------------------------------------

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
        # the k best passages that can answer: citing footnotes (a URL, "Ibid") match dates
        # and names well but hold no answer, so they must not crowd the others out
        hits = [
            h for h in self.index.search(query, k=2 * k, filters=filters) if self._usable(h.chunk)
        ]
        cands = [
            c
            for c in extractive.candidates(hits[:k], usable=self._usable, base=self.view.base)
            if not addresses_reader(c.text)  # an instruction in the corpus is evidence, not fact
        ]
        vector = np.asarray(self.index.query_embedder.embed_query(query), dtype=np.float32)
        scoring = _Scoring(vector, self.index.lexical_for((filters or {}).get("scope")))
        scored = self._score(query, cands, scoring)
        own = split_context(query)[0]
        wanted = answer_type(own)
        strict = [c for c in scored if _fits(c, query, wanted)]
        fitting = strict or [c for c in scored if _fits(c, query, wanted, loose=True)]
        chosen = extractive.select(fitting, floor=0.0)
        if not chosen:
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
        scoring: _Scoring,
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
            return sum(w * extractive.credit(t, have) for t, w in weights.items()) / total

        wanted = answer_type(own)
        why = asks_why(own)
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
                (
                    (lexical.idf(t) or lexical.max_idf) / lexical.max_idf
                    for t in named
                    if not extractive.credit(t, have)
                ),
                default=0.0,
            ),
            "missing_weight": max(
                (
                    (lexical.idf(t) or lexical.max_idf) / lexical.max_idf
                    for t in plain
                    if not extractive.credit(t, have)
                ),
                default=0.0,
            ),
            **{
                f"asks_{kind}": float(wanted == kind)
                for kind in ("number", "time", "person", "place")
            },
        }

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

    def _score(self, query: str, cands: Sequence[Candidate], scoring: _Scoring) -> list[Candidate]:
        return extractive.score(
            query,
            cands,
            idf=scoring.lexical.idf,
            max_idf=scoring.lexical.max_idf,
            related=scoring.lexical.related,
            embed=self.index.embed_sentences,
            query_vector=scoring.vector,
        )

    def _followed_note(
        self, query: str, chosen: Sequence[Candidate], scoring: _Scoring, wanted: str | None
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

    def _cited_notes(
        self, query: str, cands: Sequence[Candidate], scoring: _Scoring
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

    def _usable(self, chunk: Chunk) -> bool:
        """Footnotes answer only where they say something beyond the citation itself."""
        return chunk.kind != "footnote" or is_prose(chunk.text)

    # --- the appendix table ----------------------------------------------------------------

    def _organizations(
        self, core: str, resolved: str, earlier: str | None = None
    ) -> dict[str, Any] | None:
        orgs = self.view.report.organizations
        own, context = split_context(resolved)
        query = appendix.parse(core, orgs, self._table_words, context=context or earlier)
        if query is None and own != core:
            query = appendix.parse(own, orgs, self._table_words)
        if query is None:
            return None
        chosen = appendix.select(query, orgs)
        if query.operation in ("by_country", "countries", "by_region") or query.each:
            return self._org_groups(query, chosen)
        if query.operation == "total" and not query.exclude:
            return self._org_total(orgs)
        if query.names and appendix.asks_missing_field(core, chosen.rows):
            return {"refused": True}  # "which city is X in" where the table gives none
        whether = appendix.asks_whether(core)
        if not chosen.rows:
            where = query.member or appendix.describe(query.include) or " ".join(query.words)
            text = prompts.render("organizations_none", what=where, count=len(orgs))
            return {
                "text": ("No. " if whether else "") + text,
                "citations": (),
                "notes": (prompts.render("organizations_whole"),),
            }
        listed = self._org_list(chosen.rows, query, orgs)
        return {**listed, "text": "Yes. " + listed["text"]} if whether else listed

    def _org_list(
        self, found: list[Organization], query: appendix.AppendixQuery, orgs: Sequence[Organization]
    ) -> dict[str, Any]:
        repeats = query.operation == "duplicates"
        if repeats:
            place = "listed twice"
        else:
            place = f"in {appendix.describe(query.include)}" if query.include else ""
            if query.names:
                place = f"named {' or '.join(query.names)} {place}"
            if query.words:
                place = f"whose entry names {' or '.join(query.words)} {place}"
            if query.exclude:
                place += f" (not counting {appendix.describe(query.exclude)})"
        distinct = len({(o.name, o.country, o.city) for o in found})
        note = (
            ""
            if distinct == len(found) or repeats
            else f" ({distinct} distinct; one is listed twice)"
        )
        head = (
            prompts.render(
                "organizations_count",
                count=len(found),
                plural="" if len(found) == 1 else "s",
                place=place.strip(),
                repeat_note=note,
            )
            .replace("  ", " ")
            .replace(" :", ":")
        )
        if query.share:
            head = head.rstrip(":") + prompts.render(
                "organizations_share",
                count=len(found),
                total=len(orgs),
                percent=f"{100 * len(found) / len(orgs):.1f}",
            )
        lines, citations = [head], []
        for marker, org in enumerate(found, start=1):
            citation = self._entry_citation(org, marker)
            suffix = f" [{marker}]" if citation else ""
            where = ", ".join(x for x in (org.city, org.country or org.region) if x)
            lines.append(f"- {org.number}. {org.name}{f' ({where})' if where else ''}{suffix}")
            if citation:
                citations.append(citation)
        return {"text": "\n".join(lines), "citations": tuple(citations)}

    def _org_total(self, orgs: Sequence[Organization]) -> dict[str, Any]:
        distinct = len({(o.name, o.country, o.city) for o in orgs})
        note = (
            ""
            if distinct == len(orgs)
            else f", {distinct} of them distinct (one entry repeats another)"
        )
        text = prompts.render("organizations_total", count=len(orgs), repeat_note=note)
        citations = [
            c for c in (self._entry_citation(orgs[0], 1), self._entry_citation(orgs[-1], 2)) if c
        ]
        markers = "".join(f" [{c.marker}]" for c in citations)
        return {"text": text + markers, "citations": tuple(citations)}

    def _org_groups(
        self, query: appendix.AppendixQuery, chosen: appendix.Selection
    ) -> dict[str, Any]:
        """A breakdown by country or region; "how many countries" leads with the number."""
        breakdown = ", ".join(f"{name} {count}" for name, count in chosen.groups)
        by = "region" if query.operation == "by_region" else "country"
        if query.each:
            head = prompts.render("organizations_each", breakdown=breakdown, count=len(chosen.rows))
            listed = self._org_list(
                chosen.rows, replace(query, each=False), self.view.report.organizations
            )
            return {**listed, "text": head + "\n" + listed["text"].split("\n", 1)[1]}
        template = (
            "organizations_distinct" if query.operation == "countries" else "organizations_groups"
        )
        real = [name for name, _ in chosen.groups if name != "no country given"]
        text = prompts.render(
            template,
            by=by,
            breakdown=breakdown,
            count=len(real),
            rows=len(chosen.rows),
            excluded=f" (not counting {appendix.describe(query.exclude)})" if query.exclude else "",
        )
        citation = self._entry_citation(chosen.rows[0], 1) if chosen.rows else None
        return {
            "text": text + (" [1]" if citation else ""),
            "citations": (citation,) if citation else (),
        }

    def _entry_citation(self, org: Organization, marker: int) -> Citation | None:
        chunk = self._by_org.get(org.number)
        if chunk is None:
            return None
        return make_citation(self.view, chunk, chunk.start, chunk.end, marker=marker)

    # --- sources --------------------------------------------------------------------------

    def _source(self, query: str, number: int | None, *, k: int) -> dict[str, Any] | None:
        """A question about sources: the footnotes it names by number, site or date, else the
        ones behind the claim it describes."""
        notes: list[Footnote]
        if number is not None:
            found = self.view.footnote(number)
            notes = [found] if found else []
        else:
            notes = sources.by_site_or_date(query, self.view.report.footnotes)
            if not notes:
                notes = self._claim_notes(query, k=k)
            if not notes and (best := self._best_footnote(query, k=k)):
                notes = [best]
        if not notes:
            return None
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
        claim = " ".join(w for w in query.split() if not set(tokenize(w)) & SOURCE_TERMS)
        hits = [h for h in self.index.search(claim or query, k=k) if h.chunk.source == "report"]
        cands = extractive.candidates(
            [h for h in hits if h.chunk.kind in ("body", "caption")],
            usable=self._usable,
            base=self.view.base,
        )
        if not cands:
            return []
        vector = np.asarray(self.index.query_embedder.embed_query(claim), dtype=np.float32)
        scored = self._score(claim, cands, _Scoring(vector, self.index.lexical))
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
        terms = [t for t in extractive.query_terms(query) if t not in SOURCE_TERMS]
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


def _fits(cand: Candidate, question: str, wanted: str | None, *, loose: bool = False) -> bool:
    """Whether a sentence holds the kind of answer asked for; the person a sentence's "he" or
    "she" refers to counts as a person it names ("which speaker said ..." -> "He said ...")."""
    if fits_type(cand.scoring_text, question, wanted, anchored=cand.anchored, loose=loose):
        return True
    who = cand.referent
    return wanted == "person" and who is not None and who.lower() not in question.lower()


def _claim_segment(view: CorpusView, note: Footnote) -> str:
    """The words a marker closes: from the previous marker (or sentence start) to this one."""
    if note.marker_offset is None or not note.cited_in:
        return note.cited_in or ""
    text = view.report.text
    previous = [m.offset for m in view.report.markers if m.offset < note.marker_offset]
    para = next((p for p in view.report.paragraphs if p.start <= note.marker_offset <= p.end), None)
    start = max(previous[-1] if previous else 0, para.start if para else 0)
    return text[start : note.marker_offset]


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
