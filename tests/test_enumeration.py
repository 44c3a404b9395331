"""Lists inside sentences and the questions that ask for their members (enumeration.py), and
the answers they make on the second report (tests/data/synthetic_report.txt)."""

from __future__ import annotations

import pytest

from ijdqa.answer.enumeration import counted_noun, enumeration, listed_noun


def test_a_semicolon_list_of_titled_names_reads_as_its_names() -> None:
    listed = enumeration(
        "Among the speakers were Dr. Mara Quell, a historian of the port; Prof. Ivo Brandt, "
        "a former harbour master since 2004; Sheikh Adil Noor, head of the Seamen’s Mission."
    )
    assert listed is not None
    assert listed.lead == "Among the speakers were"
    assert listed.items == ("Dr. Mara Quell", "Prof. Ivo Brandt", "Sheikh Adil Noor")


def test_a_series_of_names_with_a_final_and() -> None:
    listed = enumeration("The choirs came from Bergen, Lisbon and Mombasa, cities with ties.")
    assert listed is not None
    assert listed.items == ("Bergen", "Lisbon", "Mombasa")
    assert listed.lead == "The choirs came from" and listed.tail.startswith("cities")
    # a sentence's opening word is no item when a common word follows it
    opened = enumeration("In Norway, Portugal and Kenya the festival was streamed.")
    assert opened is not None and opened.items == ("Norway", "Portugal", "Kenya")
    # several words to a name
    multi = enumeration("It was praised in Asia, Africa, South America and Europe.")
    assert multi is not None and multi.items == ("Asia", "Africa", "South America", "Europe")


@pytest.mark.parametrize(
    "sentence",
    [
        "The Trust was founded in 1986 by dock workers.",  # no list
        "Volunteers came from the lifeboat station, the music college and the choirs.",
        "The parade was cancelled; the quays were empty.",  # parts that open with no name
        "Only Bergen sent a choir.",  # one name is no list
    ],
)
def test_sentences_that_list_no_names(sentence: str) -> None:
    assert enumeration(sentence) is None


@pytest.mark.parametrize(
    ("question", "counted", "listed"),
    [
        ("How many academics are named as participants?", "academics", None),
        (
            "what's the number of university scholars identified by name",
            "university scholars",
            None,
        ),
        ("How many continents did he name?", "continents", None),
        ("How many organizations supported the festival?", None, None),  # counts, names none
        # places counted need no naming verb: the places a sentence lists answer
        ("In how many cities did the choirs live?", "cities", None),
        ("How many sailors came from abroad?", None, None),  # people: a number, not names
        ("name the professors who spoke at the event", None, "professors"),
        ("list the choirs that took part", None, "choirs"),
        ("Who were the western academics at the conference?", None, "western academics"),
        ("Who founded the Trust?", None, None),
    ],
)
def test_questions_asking_for_the_members_of_a_group(question, counted, listed) -> None:
    assert counted_noun(question) == counted
    assert listed_noun(question) == listed


@pytest.mark.slow
def test_members_a_note_lists_are_named_and_counted_with_a_checkable_citation(
    second_assistant,
) -> None:
    answer = second_assistant.ask("Name the cities the choirs from abroad came from")
    assert answer.text.startswith("The report names 3 cities: Bergen; Lisbon; Mombasa.")
    (citation,) = answer.citations
    assert citation.quote in second_assistant.view.report.footnote(15).text
    assert [n.number for n in citation.footnotes] == [15]
    counted = second_assistant.ask("How many cities are named as the choirs' home ports?")
    assert "3 cities" in counted.text and not counted.unsupported
    # a footnote named by number: the names it lists, not the note as a source
    in_note = second_assistant.ask("Number of cities named in footnote 15?")
    assert in_note.text.startswith("The report names 3 cities")
    assert [n.number for c in in_note.citations for n in c.footnotes] == [15]
    lived = second_assistant.ask("From how many cities did the choirs from abroad come?")
    assert "3 cities" in lived.text and not lived.refused


@pytest.mark.slow
def test_a_list_of_something_else_is_no_list_of_the_asked_group(second_assistant) -> None:
    # note 15 lists where the choirs came from, not choirs; note 14 names no volunteer
    for question in ("Name the choirs that sang from abroad", "How many volunteers are named?"):
        assert "The report names" not in second_assistant.ask(question).text
