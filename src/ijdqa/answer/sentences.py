"""Sentence selection for the extractive answerer. Pure given its inputs (texts and vectors).

Every candidate is a sentence of a retrieved chunk, kept with its offsets into the chunk's base
text, so a chosen sentence becomes a verbatim citation. A sentence scores by how much of the
question's weight (idf) it covers and by its embedding similarity to the question.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from ijdqa.answer.expected import holds_kind, kind_of
from ijdqa.answer.params import PARAMS
from ijdqa.answer.places import country_terms
from ijdqa.answer.question import split_context
from ijdqa.answer.spelling import lexicon
from ijdqa.answer.vocabulary import (
    as_words,
    credit,
    joined_pairs,
    query_terms,
    split_pairs,
)
from ijdqa.search.corpus import scoring_text, sentence_units
from ijdqa.search.lexical import stem, tokenize
from ijdqa.text import is_prose
from ijdqa.types import Chunk, Hit

_QUOTED = re.compile(r"[“\"]([^”\"]{2,80})[”\"]")


SHORTEST_SENTENCE = 3  # characters: shorter splits are stray punctuation


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    start: int  # offsets into the chunk's base text
    end: int
    text: str
    rank: int
    coverage: float = 0.0
    similarity: float = 0.0
    referent: str | None = None  # who a leading "He"/"She" refers to
    unknown: float = 0.0  # penalty for question words the corpus never uses
    anchored: bool = False  # holds words the question quotes ("... would “drive” away?")
    before: str = ""  # the sentence before it in its passage, which it may go on from
    # how much of each question term the sentence holds (1 as such, less in a related form
    # or, for a name, in the sentence before); filled in by `score`
    credits: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def score(self) -> float:
        p = PARAMS
        listed = self.chunk.kind in ("caption", "appendix")
        penalty = p.rank_penalty * self.rank + (p.list_kind_penalty if listed else 0.0)
        bonus = p.quote_bonus if self.anchored else 0.0
        return (
            p.similarity_weight * self.similarity
            + p.coverage_weight * self.coverage
            + bonus
            - penalty
            - self.unknown
        )

    @property
    def scoring_text(self) -> str:
        return scoring_text(self.text, self.referent)


def candidates(
    hits: Sequence[Hit],
    *,
    usable: Callable[[Chunk], bool],
    base: Callable[[Chunk], str | None] = lambda c: None,
) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        if not usable(chunk):
            continue
        before = ""
        for start, end, who in sentence_units(chunk, base(chunk)):
            text = chunk.text[start - chunk.start : end - chunk.start]
            previous, before = before, text
            key = " ".join(text.split()).lower()
            if key in seen or len(text) < SHORTEST_SENTENCE:
                continue
            if chunk.kind == "footnote" and not is_prose(text):  # the citation part of a note
                continue
            seen.add(key)
            out.append(Candidate(chunk, start, end, text, rank, referent=who, before=previous))
    return out


def unknown_terms(
    question: str,
    *,
    idf: Callable[[str], float | None],
    related: Callable[[str], bool] = lambda t: False,
) -> int:
    """How many of the question's words no corpus text uses, in any related form."""
    return sum(1 for t in query_terms(question) if idf(t) is None and not related(t))


# a capitalized word and the capitalized parts it is hyphened to: "London-based" names London
_CAPITALIZED = re.compile(r"\b[A-Z][\w’']*(?:-[A-Z][\w’']*)*")


NAME_SHARE = 0.6  # a word the corpus capitalizes this often mid-sentence is a name


def name_stems(texts: Iterable[str]) -> frozenset[str]:
    """Stems of words the corpus writes capitalized mid-sentence most of the time: names, so
    a lowercase question ("khamenei tweet") still tells names from what it asks."""
    upper: Counter[str] = Counter()
    total: Counter[str] = Counter()
    texts_seen = list(texts)
    for text in texts_seen:
        for match in re.finditer(r"(?<=[a-z,;] )([A-Za-z][\w’'-]+)", text):
            for t in tokenize(match.group(1)):
                total[t] += 1
                upper[t] += match.group(1)[0].isupper()
    acronyms = {
        t
        for text in texts_seen
        for m in re.finditer(r"\b[A-Z]{2,}\b", text)
        for t in tokenize(m.group(0))
    }
    return frozenset(t for t, n in total.items() if upper[t] >= NAME_SHARE * n) | acronyms


def split_terms(question: str, names: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """The question's terms that come from names (capitalized words after its first, or words
    the corpus writes as names) and the others: what it asks about, and what it asks of it."""
    first = re.match(r"\W*\w+", question)
    start = first.end() if first else 0
    named = {t for m in _CAPITALIZED.finditer(question, start) for t in tokenize(m.group(0))}
    named |= {t for t in tokenize(question) if t in names}
    named |= {t for m in re.finditer(r"\b[A-Z]{2,}\b", question) for t in tokenize(m.group(0))}
    terms = query_terms(question)
    return [t for t in terms if t in named], [t for t in terms if t not in named]


def score(
    question: str,
    cands: Sequence[Candidate],
    *,
    idf: Callable[[str], float | None],
    max_idf: float,
    embed: Callable[[list[str]], np.ndarray],
    query_vector: np.ndarray,
    related: Callable[[str], bool] = lambda t: False,
    names: frozenset[str] = frozenset(),
    profiles: Mapping[str, frozenset[str]] = {},
) -> list[Candidate]:
    """Candidates with coverage and similarity filled in, best first.

    A question word a sentence holds only in a related form ("attended" for "attendees",
    "leads" for "leader") counts `related_credit` of its weight; `related(term)` tells whether
    the corpus uses such a form of a word it never uses as such (then it is not unknown).
    A name of the question (see `split_terms`; `names` are the corpus's) that only the
    sentence before holds counts `before_credit`: "Its web site ... posted articles on X"
    goes on about the organization the sentence before names. A question word the words
    defining a name the sentence holds give (`profiles`, see aliases.profiles) counts
    `profile_credit`: "the London-based rights commission" is the IHRC of "IHRC was
    founded in London".
    """
    own, context = split_context(question)
    named = set(split_terms(own, names)[0])
    joined = joined_pairs(own)
    terms = query_terms(own)
    weights = {t: _weight(idf(t), max_idf) for t in terms}
    # a follow-up's earlier question helps find the passage but is not what is asked now
    for t in query_terms(context):
        weights.setdefault(t, PARAMS.context_weight * _weight(idf(t), max_idf))
    # words the corpus never uses usually mean the report does not cover the question
    unknown = PARAMS.unknown_penalty * unknown_terms(own, idf=idf, related=related)
    least = PARAMS.least_weight
    total = sum(max(w, least) for w in weights.values()) or 1.0
    quoted = [" ".join(q.split()).lower() for q in _QUOTED.findall(own)]
    kinds = {t: k for t in terms if (k := kind_of(t))}  # nouns naming the kind of answer
    vectors = embed([c.scoring_text for c in cands]) if cands else np.zeros((0, 1))
    scored = []
    for cand, vec in zip(cands, vectors, strict=True):
        have = set(tokenize(cand.scoring_text))
        if (worded := as_words(cand.scoring_text)) != cand.scoring_text:
            have |= set(tokenize(worded))  # "signed off the gathering" closes it
        have |= country_terms(cand.scoring_text)  # "Lebanese voters" are Lebanon's
        credits = {t: credit(t, have) for t in weights}
        for first, second, whole in joined:  # "ahlul bayt" in a sentence that writes "Ahlulbayt"
            if whole in have:
                credits[first] = credits[second] = 1.0
        split = split_pairs(cand.scoring_text)  # "website" in a sentence that writes "web site"
        for t in weights:
            if credits[t] < 1.0 and t in split:
                credits[t] = 1.0
        for t, kind in kinds.items():  # "year" is matched by 1997, "country" by Colombia
            if not credits[t] and holds_kind(cand.scoring_text, own, kind):
                credits[t] = 1.0
        described = {w for e, words in profiles.items() if e in have for w in words}
        for t in weights:
            if credits[t] < PARAMS.profile_credit and t in described:
                credits[t] = PARAMS.profile_credit
        if cand.before:
            before = set(tokenize(cand.before))
            for t in named:
                if not credits.get(t, 1.0) and credit(t, before):
                    credits[t] = PARAMS.before_credit
        coverage = sum(max(w, least) * credits[t] for t, w in weights.items()) / total
        similarity = float(np.dot(vec, query_vector))
        scored.append(
            Candidate(
                **{
                    **cand.__dict__,
                    "coverage": coverage,
                    "similarity": similarity,
                    "unknown": unknown,
                    "anchored": any(q in " ".join(cand.text.split()).lower() for q in quoted),
                    "credits": credits,
                }
            )
        )
    return sorted(scored, key=lambda c: -c.score)


_CONNECTIVE = re.compile(
    r"^(In light of the above|Hence|Therefore|Thus|As a result|Consequently|This|That said)\b"
)


def _weight(idf: float | None, max_idf: float) -> float:
    """A term's weight: its idf, or the largest idf for a word no text contains."""
    return max_idf if idf is None else idf


def select(scored: Sequence[Candidate], *, floor: float | None = None) -> list[Candidate]:
    """The best sentence and up to `most - 1` others, in reading order.

    Others join when they score close to the best, when they cover question words the chosen
    ones do not (two-part questions), or when they are the best sentence's neighbour: the one
    before a sentence opening with "Hence"/"In light of the above", the one after that goes
    on about the same person ("He claimed ...") or gives an example of what it says.
    """
    p = PARAMS
    floor = p.floor if floor is None else floor
    if not scored or scored[0].score < floor:
        return []
    floor = max(floor, p.floor)  # the first sentence may be below it (the decision judges
    # whether it answers); every other one must reach it
    best = scored[0]
    chosen = [best]
    covered = set(tokenize(best.scoring_text))
    for cand in scored[1:]:
        if len(chosen) >= p.most_sentences:
            break
        words = set(tokenize(cand.scoring_text))
        close = cand.score >= max(floor, p.close_ratio * best.score)
        adds = (
            cand.score >= max(0.9 * floor, p.adds_ratio * best.score)
            and bool(words - covered)
            and cand.coverage > 0
        )
        neighbour = _neighbour(best, cand) and cand.score >= p.adds_ratio * floor
        repeats = _overlap(words, covered) > p.overlap_limit
        if not (close or adds or neighbour) or (repeats and not neighbour):
            continue
        chosen.append(cand)
        covered |= words
    return sorted(chosen, key=lambda c: (c.chunk.source, c.chunk.kind != "body", c.start))


def premise_stated(scored: Sequence[Candidate], verb: str | None = None) -> bool:
    """Whether some sentence states the premise of a why-question: nearly all its words,
    its verb among them.

    "Why did X praise Y?" can only be explained by a report that says X praised Y; a sentence
    about X praising Z covers too little of the question, and one where X condemned Y has
    the wrong verb.
    """
    return any(
        c.coverage >= PARAMS.premise_coverage
        and (verb is None or credit(verb, set(tokenize(c.scoring_text))) > 0)
        for c in scored
    )


@cache
def _opposites() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for line in lexicon("opposites.txt"):
        left, _, right = line.partition("|")
        one, other = set(tokenize(left)), set(tokenize(right))
        for word in one:
            found.setdefault(word, set()).update(other)
        for word in other:
            found.setdefault(word, set()).update(one)
    return {w: frozenset(o) for w, o in found.items()}


def premise_contradicted(sentence: str, verb: str | None) -> bool:
    """Whether a sentence says the opposite of a why-question's premise verb ("Why did X
    support Y?" and "X condemned Y"): the report cannot say why what it denies happened."""
    if verb is None:
        return False
    have = set(tokenize(sentence))
    opposite = _opposites().get(stem(verb), frozenset())
    return bool(opposite & have) and not credit(verb, have)  # "supported X, condemned Y"


def type_gap(scored: Sequence[Candidate], fitting: Sequence[Candidate]) -> bool:
    """Whether the report speaks of exactly what is asked but lacks the kind of answer wanted.

    True when the best sentence covers the question's words (nearly) all, yet holds no answer
    of the asked kind ("Who founded X?" where the report gives only when and where X was
    founded), and the best sentence that does hold one matches the question far less well.
    """
    if not scored or scored[0] in fitting or scored[0].coverage < PARAMS.full_coverage:
        return False
    return (fitting[0].score if fitting else 0.0) < PARAMS.gap_ratio * scored[0].score


def _neighbour(best: Candidate, cand: Candidate) -> bool:
    if best.chunk.chunk_id != cand.chunk.chunk_id:
        return False
    gap = (
        best.chunk.text[cand.end - best.chunk.start : best.start - best.chunk.start]
        if cand.end <= best.start
        else None
    )
    if gap is not None and not gap.strip():
        return bool(_CONNECTIVE.match(best.text))
    gap = (
        best.chunk.text[best.end - best.chunk.start : cand.start - best.chunk.start]
        if best.end <= cand.start
        else None
    )
    if gap is None or gap.strip():
        return False
    # "He claimed ..." goes on about the same person; "For example, ..." gives what the
    # sentence before only announces ("Its web site content also points to this linkage.")
    return cand.referent is not None or bool(_EXAMPLE.match(cand.text))


_EXAMPLE = re.compile(r"^(?:For example|For instance|Namely|Specifically|In particular)\b")


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))
