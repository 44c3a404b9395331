"""Retrieval scores of one question: where its gold evidence spans rank among the passages
search returns (recall@k, reciprocal rank). Pure string work."""

from __future__ import annotations

import re
from collections.abc import Sequence


def _squash(text: str) -> str:
    return " ".join(text.split())


# A gold evidence span is copied from the report as printed: its footnote markers glued to
# words ("elimination3."), its line breaks, at times a line's first words from the sentence
# before. A passage's text has no markers and may start after those words. So a span is held
# by a passage that holds it exactly, or nearly: marker digits taken from both, and a
# rapidfuzz partial ratio (the best window of the passage the span's length) of at least
# SPAN_MATCH, fixed once, before any figure was read with it.
SPAN_MATCH = 90
_GLUED_MARKER = re.compile(r"(?<=[^\W\d_]|[.,;:”’\"')])\d{1,2}(?!\d)")


def _plain(text: str) -> str:
    return _GLUED_MARKER.sub("", _squash(text)).lower()


def _holds(hit: str, span: str) -> bool:
    if span in hit or hit in span:
        return True
    from rapidfuzz import fuzz

    plain_hit, plain_span = _plain(hit), _plain(span)
    if plain_span in plain_hit:
        return True
    return (
        len(plain_span) <= len(plain_hit)
        and fuzz.partial_ratio(plain_span, plain_hit, score_cutoff=SPAN_MATCH) > 0
    )


def evidence_ranks(evidence: Sequence[str], hit_texts: Sequence[str]) -> list[int | None]:
    """For each evidence span, the 1-based rank of the first hit that holds it (or it holds),
    as `_holds` reads a span printed with markers and line breaks."""
    hits = [_squash(t) for t in hit_texts]
    ranks: list[int | None] = []
    for span in map(_squash, evidence):
        ranks.append(next((r for r, h in enumerate(hits, 1) if h and _holds(h, span)), None))
    return ranks


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def reciprocal_rank(ranks: Sequence[int | None]) -> float:
    found = [r for r in ranks if r is not None]
    return 1.0 / min(found) if found else 0.0
