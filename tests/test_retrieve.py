"""Filters, query cleaning and reciprocal-rank fusion (pure functions, known answers)."""

from __future__ import annotations

import pytest

from ijdqa.errors import QueryError
from ijdqa.search.fusion import (
    FILTER_FIELDS,
    KINDS,
    MAX_QUERY_CHARS,
    RRF_K,
    clean_query,
    fuse,
    matches,
    validate_filters,
)
from ijdqa.types import Chunk

# --- validate_filters ---------------------------------------------------------------------


def test_valid_filters_are_coerced() -> None:
    assert validate_filters(None) == {}
    assert validate_filters({}) == {}
    got = validate_filters(
        {"page": "3", "section": "Summary", "kind": "footnote", "footnote": 12, "source": "report"}
    )
    assert got == {
        "page": 3,
        "section": "Summary",
        "kind": "footnote",
        "footnote": 12,
        "source": "report",
    }


def test_unknown_field_names_the_known_ones() -> None:
    with pytest.raises(QueryError) as err:
        validate_filters({"author": "x"})
    message = str(err.value)
    assert "'author'" in message
    for field in FILTER_FIELDS:
        assert field in message


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ({"page": "three"}, "page needs a int"),
        ({"footnote": None}, "footnote needs a int"),
        ({"page": [1, 2]}, "page needs a int"),
        ({"footnote": "12a"}, "footnote"),
    ],
)
def test_wrong_type_is_a_query_error(filters: dict[str, object], needle: str) -> None:
    with pytest.raises(QueryError, match=needle):
        validate_filters(filters)


@pytest.mark.parametrize("kind", ["paragraph", "Footnote", "", "appendices"])
def test_bad_kind_lists_the_kinds(kind: str) -> None:
    with pytest.raises(QueryError) as err:
        validate_filters({"kind": kind})
    assert all(k in str(err.value) for k in KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_accepted(kind: str) -> None:
    assert validate_filters({"kind": kind}) == {"kind": kind}


def test_matches() -> None:
    chunk = Chunk("id", "text", "body", 3, "Summary", 0, 4, footnotes=(12, 13))
    assert matches(chunk, {})
    assert matches(chunk, {"page": 3, "kind": "body", "footnote": 12, "source": "report"})
    assert matches(chunk, {"section": "summary"})  # sections match case-insensitively
    assert not matches(chunk, {"footnote": 1})
    assert not matches(chunk, {"page": 4})
    assert not matches(chunk, {"kind": "footnote"})
    assert not matches(chunk, {"source": "https://example.org/"})


# --- fuse -----------------------------------------------------------------------------------


def test_fuse_rrf_arithmetic() -> None:
    dense = [10, 20, 30]
    lexical = [30, 40]
    got = fuse(dense, lexical, k=10, rrf_k=60, weights=(1.0, 1.0))
    scores = {i: s for i, s, _, _ in got}
    assert scores[10] == pytest.approx(1 / 61)
    assert scores[20] == pytest.approx(1 / 62)
    assert scores[30] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[40] == pytest.approx(1 / 62)
    assert [i for i, *_ in got][:2] == [30, 10]
    ranks = {i: (d, lx) for i, _, d, lx in got}
    assert ranks == {10: (1, None), 20: (2, None), 30: (3, 1), 40: (None, 2)}


def test_fuse_ties_break_on_best_single_rank_and_then_dense_first() -> None:
    # 20 (dense #2) and 40 (lexical #2) tie on score; both best ranks are 2: stable, dense first
    got = [i for i, *_ in fuse([10, 20], [30, 40], k=4, weights=(1.0, 1.0))]
    assert got[:2] in ([10, 30], [30, 10])
    assert set(got[2:]) == {20, 40}


def test_default_fusion_weighs_bm25_above_dense() -> None:
    # a lexical-only first hit outranks a dense-only first hit with the measured weights
    assert [i for i, *_ in fuse([10], [30], k=2)] == [30, 10]
    assert RRF_K == 20


def test_fuse_custom_rrf_k_and_truncation() -> None:
    got = fuse([1, 2, 3], [3, 2, 1], k=2, rrf_k=0, weights=(1.0, 1.0))
    # 1: 1/1 + 1/3, 2: 1/2 + 1/2, 3: 1/3 + 1/1 -> 1 and 3 tie at 4/3, 2 is last
    assert len(got) == 2
    assert {i for i, *_ in got} == {1, 3}
    assert got[0][1] == pytest.approx(4 / 3)


def test_fuse_one_sided_and_empty() -> None:
    assert fuse([], [], k=5) == []
    assert [i for i, *_ in fuse([5, 6], [], k=5)] == [5, 6]
    assert [i for i, *_ in fuse([], [7, 8], k=5)] == [7, 8]
    assert fuse([5, 6], [6], k=0) == []


# --- clean_query ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", " ", "\n\t  \r\n", "\x00\x01\x07"])
def test_empty_query_is_a_query_error(query: str) -> None:
    with pytest.raises(QueryError, match="empty"):
        clean_query(query)


def test_non_text_query_is_a_query_error() -> None:
    with pytest.raises(QueryError):
        clean_query(None)  # type: ignore[arg-type]


def test_control_characters_are_removed_and_whitespace_folded() -> None:
    assert clean_query("  who\x00 founded\tthe\nIHRC?\x1b ") == "who founded the IHRC?"
    assert clean_query("Frontières – “quoted”") == "Frontières – “quoted”"


def test_huge_query_is_truncated() -> None:
    text = clean_query("word " * 10_000)
    assert len(text) == MAX_QUERY_CHARS
    assert text.startswith("word word")
