"""Hybrid retrieval: filters, and reciprocal-rank fusion of dense and BM25 rankings. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ijdqa.errors import QueryError
from ijdqa.types import Chunk

FILTER_FIELDS: dict[str, type] = {
    "page": int,
    "section": str,
    "kind": str,
    "footnote": int,
    "source": str,
    "scope": str,
}
SCOPES = ("report", "sources", "all")
KINDS = {"body", "caption", "footnote", "appendix", "about", "source"}
RRF_K = 20
# Measured on eval/retrieval.jsonl (62 questions; see bench/run.py): BM25 alone recalls more
# at 5 than dense alone (0.90 against 0.76), so its ranks weigh more in the fusion;
# recall@5: equal weights with k=60 0.95, these weights 1.00 (bench/results.json).
DENSE_WEIGHT = 0.7
LEXICAL_WEIGHT = 1.0
MAX_QUERY_CHARS = 2000


def validate_filters(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check filter names and value types; a clear QueryError for anything else."""
    out: dict[str, Any] = {}
    for field, value in (filters or {}).items():
        kind = FILTER_FIELDS.get(field)
        if kind is None:
            known = ", ".join(sorted(FILTER_FIELDS))
            raise QueryError(f"unknown filter {field!r}; filters are: {known}")
        try:
            out[field] = kind(value)
        except (TypeError, ValueError) as exc:
            raise QueryError(f"filter {field} needs a {kind.__name__}, got {value!r}") from exc
        if field == "scope" and out[field] not in SCOPES:
            raise QueryError(f"scope must be one of {', '.join(SCOPES)}, got {value!r}")
        if field == "kind" and out[field] not in KINDS:
            raise QueryError(f"kind must be one of {', '.join(sorted(KINDS))}, got {value!r}")
    return out


def clean_query(query: str) -> str:
    """Whitespace-folded query; QueryError when there is nothing to search for."""
    if not isinstance(query, str):
        raise QueryError("the question must be text")
    text = "".join(ch if ch.isprintable() else " " for ch in query)
    text = " ".join(text.split())
    if not text:
        raise QueryError("the question is empty; ask something about the report")
    return text[:MAX_QUERY_CHARS]


def matches(chunk: Chunk, filters: Mapping[str, Any]) -> bool:
    for field, value in filters.items():
        if field == "scope":
            if value != "all" and (chunk.source == "report") != (value == "report"):
                return False
        elif field == "footnote":
            if value not in chunk.footnotes:
                return False
        elif field == "section":
            if chunk.section.lower() != str(value).lower():
                return False
        elif getattr(chunk, field) != value:
            return False
    return True


def fuse(
    dense: Sequence[int],
    lexical: Sequence[int],
    *,
    k: int,
    rrf_k: int = RRF_K,
    weights: tuple[float, float] = (DENSE_WEIGHT, LEXICAL_WEIGHT),
) -> list[tuple[int, float, int | None, int | None]]:
    """Weighted reciprocal-rank fusion: (index, score, dense rank, lexical rank), best first."""
    scores: dict[int, float] = {}
    ranks: dict[int, list[int | None]] = {}
    for which, ranking in enumerate((dense, lexical)):
        for rank, idx in enumerate(ranking, start=1):
            scores[idx] = scores.get(idx, 0.0) + weights[which] / (rrf_k + rank)
            ranks.setdefault(idx, [None, None])[which] = rank
    order = sorted(scores, key=lambda i: (-scores[i], min(r for r in ranks[i] if r is not None)))
    return [(i, scores[i], ranks[i][0], ranks[i][1]) for i in order[:k]]
