"""Every constant of sentence scoring and selection, each with its reason, in one place.

They shape which sentence ranks first and which join it; whether to answer at all is not
among them: that is the calibrated decision (decide.py), fitted on the dev set.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoringParams:
    # --- a sentence's score: half embedding similarity, half weighted word coverage -------
    similarity_weight: float = 0.5
    coverage_weight: float = 0.5
    # a later search rank is a little less likely to hold the answer
    rank_penalty: float = 0.01
    # table rows and captions match names well but rarely state a fact in prose
    list_kind_penalty: float = 0.08
    # each question word no corpus text uses (after spelling correction) lowers every score
    unknown_penalty: float = 0.06
    # a sentence holding words the question quotes ("would “drive” away") is what it points at
    quote_bonus: float = 0.15
    # --- coverage --------------------------------------------------------------------------
    # a follow-up's earlier question helps find the passage but is not what is asked now
    context_weight: float = 0.25
    # a question word a sentence holds only in a related form ("leads" for "leader")
    related_credit: float = 0.8
    # a word the question uses for the sentence's ("established" for "founded",
    # lexicon/synonyms.txt): likelier than a related form to mean something else
    synonym_credit: float = 0.7
    # a name the question uses that only the sentence before holds: the sentence may go on
    # about it ("Its web site ...") or about something else, so half
    before_credit: float = 0.5
    # a question word that only what the report says a name the sentence holds is gives
    # ("the London-based rights commission" for "IHRC was founded in London"): half, as
    # the description may fit another name too
    profile_credit: float = 0.5
    # a question shares this many words with what the report says a name is, more than
    # with any other name's: it describes that name, and the search looks for it too
    described_terms: int = 2
    # the least weight of a word, so a word in every text still counts a little
    least_weight: float = 0.05
    # --- selection ---------------------------------------------------------------------------
    # the least score of a first sentence; below it no sentence is a candidate answer
    floor: float = 0.42
    # an answer's sentences chosen by score (a followed footnote may add one)
    most_sentences: int = 3
    # another sentence joins when it scores this share of the best one ...
    close_ratio: float = 0.8
    # ... or covers question words the chosen ones do not, scoring at least this share
    adds_ratio: float = 0.6
    # two sentences sharing this share of their words say the same thing: keep one
    overlap_limit: float = 0.7
    # --- the asked kind of answer ---------------------------------------------------------------
    # the best sentence covers (nearly) all the question's words: a fitting sentence that
    # matches the question much worse than it is no answer ("who founded X?" where the report
    # gives only when X was founded)
    full_coverage: float = 0.9
    gap_ratio: float = 0.6
    # a why-question's premise is stated when a sentence covers this share of its words
    premise_coverage: float = 0.75
    # a count of the table's rows the report's prose gives joins a table total when its
    # sentence covers this share of the question: half, so it is about what was asked
    stated_count_coverage: float = 0.5


PARAMS = ScoringParams()
