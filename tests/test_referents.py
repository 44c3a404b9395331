"""Who a sentence's leading pronoun means, on made-up report text."""

from __future__ import annotations

from ijdqa.referents import leading_pronoun, referent, with_referent

BASE = (
    "The forum opened on a Monday. Among the speakers was Dr Lena Varga, a historian from "
    "Graz. At the start of her talk she thanked the hosts. "
    "Omar Haddad praised the volunteers. He also thanked the mayor."
)


def test_a_sentence_initial_pronoun_leads() -> None:
    assert leading_pronoun("He also thanked the mayor.") is not None


def test_an_early_pronoun_with_no_name_before_it_leads() -> None:
    match = leading_pronoun("At the start of her talk she thanked the hosts.")
    assert match is not None and match.group(0) == "her"


def test_a_pronoun_near_a_name_or_late_in_the_sentence_does_not() -> None:
    assert leading_pronoun("In her talk Lena Varga thanked the hosts.") is None  # she is named
    assert leading_pronoun("Lena Varga said her talk was short.") is None  # named first
    late = "The hosts of the forum in the old town hall on the square thanked her."
    assert leading_pronoun(late) is None


def test_an_introduction_with_was_names_the_subject() -> None:
    at = BASE.index("At the start")
    assert referent(BASE, at) == "Dr Lena Varga"
    assert referent(BASE, BASE.index("He also")) == "Omar Haddad"


def test_the_referent_goes_after_the_leading_pronoun() -> None:
    text = "At the start of her talk she thanked the hosts."
    assert with_referent(text, "Lena Varga") == (
        "At the start of her (Lena Varga) talk she thanked the hosts."
    )
    assert with_referent("The hosts thanked everyone.", "Lena Varga") == (
        "The hosts thanked everyone."
    )
