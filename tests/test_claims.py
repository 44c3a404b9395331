"""claims.py: the facts of a sentence must be those of the text it cites."""

from __future__ import annotations

import pytest

from ijdqa.claims import check, facts, names, repeated_word

PASSAGE = (
    "IHRC was founded in London in 1997 and defines itself as an organization who works with "
    "Muslims and non-Muslims. In March 2019 it counted 1,250 members, 12% of them in Iran."
)


@pytest.mark.parametrize(
    "sentence",
    [
        "IHRC was founded in London in 1997.",
        "The IHRC, founded in 1997, is based in London.",
        "In March 2019 it had 1250 members.",  # 1,250 = 1250
        "Twelve percent of its members were in Iran: 12%.",
        "Iranian members were 12 per cent of 1,250.",  # Iranian ~ Iran
        "IHRC’s members work with non-Muslims.",
        "It was founded in London.",
    ],
)
def test_a_sentence_with_the_passages_facts_passes(sentence: str) -> None:
    assert check(sentence, [PASSAGE]) is None


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("IHRC was founded in London in 1850.", "1850 is not in the cited passage"),
        ("IHRC was not founded in London.", "it negates what the cited passage states"),
        ("IHRC was never in London.", "it negates"),
        ("IHRC wasn't founded in 1997.", "it negates"),
        ("Ali Khamenei founded IHRC in 1997.", "Ali, Khamenei are not named"),
        ("IHRC was founded in Tehran in 1997.", "Tehran is not named"),
        ("IHRC was founded in May 1997.", "May is not named"),
        ("In March 2019 it counted 1,300 members.", "1300 is not in"),
        ("It counted 1,250 members, 12.5% of them in Iran.", "12.5 is not in"),
        ("1997 members were in Iran, 1250 in all: 1997%.", "1997% is not a percentage"),
        ("It had seventeen members in Iran.", "“seventeen” is not in"),
        ("A million members work with Muslims.", "“million” is not in"),
        ("IHRC IHRC IHRC IHRC IHRC IHRC.", "it repeats “IHRC”"),
    ],
)
def test_a_faked_fact_fails_with_its_reason(sentence: str, reason: str) -> None:
    got = check(sentence, [PASSAGE])
    assert got is not None and reason in got, got


def test_a_negation_counts_only_where_the_claim_rests() -> None:
    stated = "IHRC was founded in London in 1997."
    elsewhere = PASSAGE + " It does not publish accounts."
    claim = "IHRC was not founded in London in 1997."
    assert check(claim, [elsewhere]) is None  # the evidence as a whole has a negation ...
    assert "negates" in (check(claim, [elsewhere], [stated]) or "")  # ... its sentence does not
    assert check("IHRC does not publish accounts.", [elsewhere], ["It does not publish."]) is None


def test_a_fact_may_come_from_any_evidence_text() -> None:
    footnote = "17.1.20. https://example.org/x"
    assert check("It complained on 17 January 2020 in London.", [PASSAGE, footnote]) is not None
    assert check("It complained on 17.1.20 in London.", [PASSAGE, footnote]) is None


def test_names_are_capitalized_words_acronyms_months_and_leading_multiword_names() -> None:
    assert names("Ali Khamenei met the IHRC in Tehran in March.") == [
        "Ali",
        "Khamenei",
        "IHRC",
        "Tehran",
        "March",
    ]
    assert names("The report: Several groups met in London.") == ["London"]
    assert names("UN officials met. They left.") == ["UN"]
    assert names("According to it, nothing happened.") == []


def test_numbers_are_normalized() -> None:
    got = facts("On May 22nd, 2020 about 1,000 (05) people paid 3.50 dollars, 45 % of them.")
    assert got.numbers == {"22", "2020", "1000", "5", "3.5", "45"}
    assert got.percents == {"45"}
    assert got.negated is False and facts("They didn't.").negated


def test_repeated_word_needs_a_real_run() -> None:
    assert repeated_word("IHRC " * 40) == "IHRC"
    assert repeated_word("the the the") is None  # too short to tell
    assert repeated_word("IHRC was founded by IHRC people for IHRC aims.") is None
