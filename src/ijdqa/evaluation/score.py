"""Evaluation: gold questions (gold.py) through an assistant, scored deterministically.

- correctness: every `must_include` phrase in the answer, no `must_not_include` phrase
  (case, spacing, typographic quotes and number words folded: "five" == "5");
- refusals: `refused` (or the refusal sentinel) against the gold `refuse`;
- retrieval: recall@k and MRR of the gold evidence spans in the passages search returns;
- footnotes: recall and precision of the footnote numbers the citations carry;
- citations, ALCE-style: the share of answer statements (text closed by [n] markers) that their
  cited passages support, and the share of citations that support their statement;
- quotes: the share of citation quotes that are verbatim `base[start:end]` of the corpus.

Scoring functions take plain values (an Answer, texts) and are pure; `run_gold` drives an
assistant built elsewhere (app.py) into one result dict per question. Metrics over those
results are metrics.py's job, the run folder runs.py's and its reports render.py's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ijdqa import prompts
from ijdqa.citations import MARKER_RE
from ijdqa.evaluation.gold import GoldQuestion
from ijdqa.evaluation.retrieval import evidence_ranks, recall_at_k, reciprocal_rank
from ijdqa.render import answer_dict
from ijdqa.search.lexical import tokenize
from ijdqa.text import normalize
from ijdqa.types import Answer, Citation, Turn

SUPPORT_OVERLAP = 0.6  # share of a statement's content words its cited passages must hold

Progress = Callable[[int, int], None]


# --- correctness ---------------------------------------------------------------------------

# fmt: off
_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# fmt: on
_NUMBER_RE = re.compile(
    rf"\b(?:({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS[1:10])}))?|({'|'.join(_UNITS)}))\b"
)
_FOLD = str.maketrans({"„": '"', "«": '"', "»": '"', "″": '"', "‹": "'", "›": "'", "′": "'"})
_DASHES_RE = re.compile(r"[\u2010-\u2015\u2212]")
_LOOSE_SPACE_RE = re.compile(r" (?!\d)|(?<!\d) ")  # every space but one between two digits


def _number(match: re.Match[str]) -> str:
    tens, unit, alone = match.groups()
    if alone:
        return str(_UNITS.index(alone))
    return str(20 + 10 * _TENS.index(tens) + (_UNITS.index(unit) if unit else 0))


def match_key(text: str) -> str:
    """Text folded for phrase matching: case, accents, quotes, dashes, number words, spacing."""
    text = _DASHES_RE.sub("-", normalize(text.translate(_FOLD)))
    return _LOOSE_SPACE_RE.sub("", _NUMBER_RE.sub(_number, text))


def contains_phrase(text: str, phrase: str) -> bool:
    """`phrase` occurs in `text` (folded); a number must not be part of a longer number."""
    hay, needle = match_key(MARKER_RE.sub(" ", text)), match_key(phrase)
    if not needle:
        return True
    start = hay.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = not (needle[0].isdigit() and start and hay[start - 1].isdigit())
        after_ok = not (needle[-1].isdigit() and end < len(hay) and hay[end].isdigit())
        if before_ok and after_ok:
            return True
        start = hay.find(needle, start + 1)
    return False


def is_refusal(answer: Answer) -> bool:
    return answer.refused or answer.text.strip().startswith(prompts.refusal())


@dataclass(frozen=True)
class Correctness:
    correct: bool
    missing: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    refusal_error: str | None = None


def correctness(
    text: str,
    refused: bool,
    *,
    must_include: Sequence[str] = (),
    must_not_include: Sequence[str] = (),
    refuse: bool = False,
) -> Correctness:
    """An answerable question is correct when answered with every required phrase and no
    forbidden one; an unanswerable one when refused without any forbidden phrase."""
    forbidden = tuple(p for p in must_not_include if contains_phrase(text, p))
    if refuse:
        error = None if refused else "answered but should refuse"
        return Correctness(refused and not forbidden, forbidden=forbidden, refusal_error=error)
    missing = () if refused else tuple(p for p in must_include if not contains_phrase(text, p))
    error = "refused but answerable" if refused else None
    return Correctness(not refused and not missing and not forbidden, missing, forbidden, error)


# --- footnotes and citations ---------------------------------------------------------------


def cited_footnotes(answer: Answer) -> set[int]:
    return {note.number for c in answer.citations for note in c.footnotes}


def footnote_scores(cited: set[int], gold: Iterable[int]) -> tuple[float | None, float | None]:
    """(recall, precision) of cited footnote numbers; None where the question does not count."""
    wanted = set(gold)
    recall = len(cited & wanted) / len(wanted) if wanted else None
    precision = len(cited & wanted) / len(cited) if cited else None
    return recall, precision


@dataclass(frozen=True)
class Statement:
    text: str
    markers: tuple[int, ...]


_LEADING_PUNCT_RE = re.compile(r"^[\s.,;:!?]+")  # what closes the previous statement


def statements(text: str) -> list[Statement]:
    """The answer split into statements: each run of text closed by its [n] markers.

    Within a run, earlier lines (a list's heading) are statements of their own without
    citations, and so is every line after the last marker group.
    """
    out: list[Statement] = []
    pos = 0
    for group in re.finditer(r"(?:\s*\[\d{1,3}\])+", text):
        lines = _lines(text[pos : group.start()])
        markers = tuple(int(n) for n in MARKER_RE.findall(group.group()))
        if lines or not out:
            out += [Statement(line, ()) for line in lines[:-1]]
            out.append(Statement(lines[-1] if lines else "", markers))
        else:  # "[1]. [2]": punctuation between groups, the markers close the same statement
            out[-1] = Statement(out[-1].text, out[-1].markers + markers)
        pos = group.end()
    return out + [Statement(line, ()) for line in _lines(text[pos:])]


def _lines(text: str) -> list[str]:
    lines = (_LEADING_PUNCT_RE.sub("", line).strip() for line in text.splitlines())
    return [line for line in lines if re.search(r"\w", line)]


def passage(citation: Citation) -> str:
    """What a citation shows a reader: the quote and the footnotes (text, URLs) behind it."""
    notes = " ".join(f"{n.text} {' '.join(n.urls)}" for n in citation.footnotes)
    return f"{citation.quote} {notes}".strip()


def supports(statement: str, citations: Sequence[Citation]) -> bool:
    """A citation's quote (or the text or a URL of a footnote it carries) lies within the
    statement, or the cited passages hold >= 60% of the statement's content words."""
    if not citations:
        return False
    said = normalize(statement)
    notes = [n for c in citations for n in c.footnotes]
    pieces = (
        [c.quote for c in citations] + [n.text for n in notes] + [u for n in notes for u in n.urls]
    )
    if any(normalize(p) and normalize(p) in said for p in pieces):
        return True
    words = set(tokenize(statement))
    if not words:
        return True
    held = set().union(*(tokenize(passage(c)) for c in citations))
    return len(words & held) / len(words) >= SUPPORT_OVERLAP


@dataclass(frozen=True)
class CitationScore:
    statements: int
    supported: int
    citations: int
    precise: int
    unsupported: tuple[str, ...] = ()

    @property
    def recall(self) -> float | None:
        return self.supported / self.statements if self.statements else None

    @property
    def precision(self) -> float | None:
        return self.precise / self.citations if self.citations else None


def citation_score(answer: Answer) -> CitationScore:
    """ALCE citation recall and precision with a deterministic support test.

    A citation is precise when it supports its statement alone, or when its statement's
    citations support it together and no longer do without it.
    """
    by_marker = {c.marker: c for c in answer.citations}
    n_statements = supported = n_citations = precise = 0
    unsupported: list[str] = []
    for st in statements(answer.text):
        cites = [by_marker[m] for m in dict.fromkeys(st.markers) if m in by_marker]
        together = supports(st.text, cites)
        n_statements += 1
        supported += together
        if not together:
            unsupported.append(st.text)
        for c in cites:
            rest = [o for o in cites if o is not c]
            n_citations += 1
            precise += supports(st.text, [c]) or (together and not supports(st.text, rest))
    return CitationScore(n_statements, supported, n_citations, precise, tuple(unsupported))


def quote_checks(citations: Sequence[Citation], *, index: Any, view: Any) -> list[bool]:
    """For each citation: is its quote exactly base[start:end] of the text its chunk points into?"""
    out = []
    for c in citations:
        chunk = index.chunk(c.chunk_id)
        base = view.base(chunk) if chunk is not None else None
        out.append(base is not None and base[c.start : c.end] == c.quote)
    return out


# --- running ------------------------------------------------------------------------------


class Evaluable(Protocol):
    """What the evaluation needs of an assistant (app.Assistant is one)."""

    index: Any
    view: Any

    def ask(
        self, question: str, *, history: Sequence[Turn] = (), k: int | None = None
    ) -> Answer: ...


def run_gold(
    assistant: Evaluable,
    questions: Sequence[GoldQuestion],
    *,
    k: int = 6,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Ask every question the way `ijdqa ask` does and score it; one result dict per question."""
    results = []
    for done, gold in enumerate(questions, 1):
        started = time.perf_counter()
        answer = assistant.ask(gold.question, history=gold.history, k=k)
        seconds = time.perf_counter() - started
        query = answer.resolved_question or gold.question
        hits = assistant.index.search(query, k=k) if gold.evidence else []
        valid = quote_checks(answer.citations, index=assistant.index, view=assistant.view)
        results.append(
            score_question(gold, answer, [h.chunk.text for h in hits], valid, k=k, seconds=seconds)
        )
        if progress:
            progress(done, len(questions))
    return results


def score_question(
    gold: GoldQuestion,
    answer: Answer,
    hit_texts: Sequence[str],
    quotes_valid: Sequence[bool],
    *,
    k: int,
    seconds: float,
) -> dict[str, Any]:
    """One results.jsonl row: the answer, its scores and, when it failed, what went wrong."""
    refused = is_refusal(answer)
    verdict = correctness(
        answer.text,
        refused,
        must_include=gold.must_include,
        must_not_include=gold.must_not_include,
        refuse=gold.refuse,
    )
    ranks = evidence_ranks(gold.evidence, hit_texts)
    cited = cited_footnotes(answer)
    fn_recall, fn_precision = footnote_scores(cited, gold.footnotes)
    cites = citation_score(answer) if not refused else CitationScore(0, 0, 0, 0)
    scores = {
        "correct": verdict.correct,
        "refusal_ok": refused == gold.refuse,
        "retrieval_recall": recall_at_k(ranks, k) if gold.evidence else None,
        "reciprocal_rank": reciprocal_rank(ranks) if gold.evidence else None,
        "evidence_ranks": ranks,
        "footnote_recall": fn_recall,
        "footnote_precision": fn_precision,
        "citation_recall": cites.recall,
        "citation_precision": cites.precision,
        "statements": cites.statements,
        "supported_statements": cites.supported,
        "citations": cites.citations,
        "precise_citations": cites.precise,
        "quotes": len(quotes_valid),
        "valid_quotes": sum(quotes_valid),
    }
    return {
        "id": gold.id,
        "category": gold.category,
        "style": gold.style,
        "paraphrase_group": gold.paraphrase_group,
        "question": gold.question,
        "history": len(gold.history),
        "expected_refusal": gold.refuse,
        "answer": answer.text,
        "refused": refused,
        "answerer": answer.answerer,
        "claims_dropped": list(answer.unsupported),  # the LLM's sentences the checks refused
        "notes": list(answer.notes),
        "resolved_question": answer.resolved_question,
        "citations": answer_dict(answer)["citations"],
        "latency_ms": round(seconds * 1000, 2),
        "scores": scores,
        "failure": _failure(gold, answer, verdict, ranks, cites, quotes_valid),
    }


def _failure(
    gold: GoldQuestion,
    answer: Answer,
    verdict: Correctness,
    ranks: Sequence[int | None],
    cites: CitationScore,
    quotes_valid: Sequence[bool],
) -> dict[str, Any] | None:
    """What went wrong with one answer, by kind; None when nothing did."""
    problems = {
        "missing": list(verdict.missing),
        "forbidden": list(verdict.forbidden),
        "refusal": verdict.refusal_error,
        "missing_footnotes": sorted(set(gold.footnotes) - cited_footnotes(answer)),
        "unretrieved_evidence": [e for e, r in zip(gold.evidence, ranks, strict=True) if r is None],
        "unsupported_statements": list(cites.unsupported),
        "invalid_quotes": [
            c.marker for c, ok in zip(answer.citations, quotes_valid, strict=True) if not ok
        ],
    }
    return {key: value for key, value in problems.items() if value} or None
