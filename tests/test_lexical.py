"""BM25 over chunk texts: tokenizing, stemming, exact names and numbers, empty queries."""

from __future__ import annotations

import numpy as np
import pytest

from ijdqa.search.corpus import build_chunks
from ijdqa.search.lexical import STOPWORDS, LexicalIndex, stem, tokenize
from ijdqa.types import Report

TOY = [
    "The Trust was founded in 1986 by dock workers.",
    "Massoud Shadjareh condemned the designation of Hezbollah.",
    "Over 60% of the Lebanese voters support the party.",
    "The festival was held online in 2021 on YouTube and Facebook.",
    "Boats, boats and more boats paraded through the harbour.",
]


def test_tokenize_lowercases_drops_stopwords_and_stems() -> None:
    assert tokenize("The Designation of the organizations") == ["design", "organiz"]
    assert tokenize("Hezbollah's political wing") == ["hezbollah", "polit", "wing"]
    assert not set(tokenize("the and of to was were with")) & STOPWORDS
    assert tokenize("the of and") == []


def test_tokenize_folds_accents_and_quotes() -> None:
    assert tokenize("Justice Sans Frontières") == tokenize("justice sans frontieres")
    assert tokenize("Queen Mary’s") == tokenize("Queen Mary's")


def test_stem_meets_inflections_and_keeps_numbers() -> None:
    assert stem("promised") == stem("promise") == stem("promises")
    assert stem("designation") == stem("designated")
    assert stem("1997") == "1997"
    assert stem("2020s") == "2020s"  # words with digits are never stemmed
    assert stem("ihrc's") == "ihrc"


def test_bm25_finds_exact_names_and_numbers() -> None:
    index = LexicalIndex(TOY)
    assert len(index) == len(TOY)
    assert index.top("Shadjareh", 3)[0][0] == 1
    assert index.top("founded 1986", 3)[0][0] == 0
    assert index.top("60%", 3)[0][0] == 2
    assert index.top("2021", 3)[0][0] == 3
    # a stemmed form finds the inflected one
    assert index.top("designated", 3)[0][0] == 1


def test_bm25_scores_term_frequency() -> None:
    index = LexicalIndex(TOY)
    scores = index.scores("boats")
    assert scores.shape == (len(TOY),)
    assert int(np.argmax(scores)) == 4
    assert scores[4] > 0 and np.count_nonzero(scores) == 1


@pytest.mark.parametrize("query", ["", "   ", "the of and", "!!!"])
def test_empty_query_gives_zeros(query: str) -> None:
    index = LexicalIndex(TOY)
    scores = index.scores(query)
    assert scores.shape == (len(TOY),) and not scores.any()
    assert index.top(query, 5) == []


def test_unknown_words_give_no_hits() -> None:
    assert LexicalIndex(TOY).top("zeppelin", 5) == []


def test_empty_corpus() -> None:
    index = LexicalIndex([])
    assert len(index) == 0
    assert index.scores("harbour").shape == (0,)
    assert index.top("harbour", 3) == []
    assert index.idf("harbour") is None and index.max_idf == 1.0


def test_texts_of_only_stopwords_do_not_break_bm25() -> None:
    index = LexicalIndex(["the of and", *TOY])
    assert index.top("Shadjareh", 1)[0][0] == 2


def test_mask_restricts_results() -> None:
    index = LexicalIndex(TOY)
    mask = np.array([True, False, True, True, True])
    assert index.top("Shadjareh", 5, mask=mask) == []
    assert {i for i, _ in index.top("2021 1986 Shadjareh", 5, mask=mask)} == {0, 3}


def test_idf_is_higher_for_rarer_terms() -> None:
    index = LexicalIndex(TOY)
    rare, common = index.idf("shadjareh"), index.idf("boat")
    assert rare is not None and common is not None
    assert index.idf("zeppelin") is None
    assert index.max_idf >= rare


def test_real_report_names_and_numbers(report: Report) -> None:
    chunks = build_chunks(report)
    index = LexicalIndex([c.search_text for c in chunks])

    def best(query: str, n: int = 1) -> str:
        return " | ".join(chunks[i].chunk.text for i, _ in index.top(query, n))

    assert "Shadjareh" in best("Massoud Shadjareh")
    assert "1997" in best("founded 1997")
    # footnote 2's chunk carries the sentence citing it, so it may rank first
    assert "60%" in best("60% Lebanese voters", 2)
    assert "Grosfoguel" in best("Ramon Grosfoguel")
    assert "Pertubuhan IKRAM" in best("Pertubuhan IKRAM")


def test_bm25_scores_match_the_scipy_backend_and_scipy_still_imports() -> None:
    import json
    import subprocess
    import sys

    texts = ["the trust was founded in Kiel", "a harbour festival in Kiel each year", "tides"]
    setup = f"import sys, json\nfrom ijdqa.search.lexical import LexicalIndex, tokenize\ntexts = {texts!r}\n"
    # a fresh interpreter that builds the index before anything loads scipy: bm25s is
    # imported with scipy hidden, and scipy still imports afterwards
    ours = setup + (
        "scores = LexicalIndex(texts).scores('Kiel harbour tides')\n"
        "hidden = 'scipy' not in sys.modules\n"
        "import scipy.sparse\n"
        "print(json.dumps([hidden, [float(x) for x in scores]]))\n"
    )
    # and one where scipy is loaded first, scoring with bm25s's scipy backend
    reference = (
        "import scipy.sparse\n"
        + setup
        + (
            "import bm25s\n"
            "ref = bm25s.BM25(k1=1.5, b=0.75, csc_backend='scipy')\n"
            "ref.index([tokenize(t) for t in texts], show_progress=False)\n"
            "print(json.dumps([float(x) for x in ref.get_scores(tokenize('Kiel harbour tides'))]))\n"
        )
    )

    def run(code: str) -> object:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    hidden, scores = run(ours)
    want = run(reference)
    assert hidden is True
    assert max(scores) > 0
    assert scores == pytest.approx(want, abs=1e-6)


def test_a_contracted_question_word_is_a_stopword_not_a_term() -> None:
    from ijdqa.search.lexical import tokenize

    assert tokenize("what's the date of Khamenei's tweet, who's he") == [
        "date",
        "khamenei",
        "tweet",
    ]
