"""The answerer's general rules, one at a time: answer types, counted nouns, prose footnotes,
the type gap, and a follow-up's context; then what they change for real questions."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from ijdqa import prompts
from ijdqa.answer.expected import answer_type, fits_type
from ijdqa.answer.followup import split_context
from ijdqa.answer.params import PARAMS
from ijdqa.answer.places import country_of
from ijdqa.answer.question import split_compound, why_verb
from ijdqa.answer.sentences import Candidate, candidates, score, type_gap
from ijdqa.search.lexical import related_forms
from ijdqa.text import is_prose
from ijdqa.types import Chunk, Hit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the campaign run?", "time"),
        ("And when did it end?", "time"),
        ("In 2020, when did the gathering take place?", "time"),
        ("What did Shadjareh say the count showed when he signed off the gathering?", None),
        ("Whom did Khamenei say the referendum would drive away?", "person"),
        ("How many selfies were uploaded?", "number"),
        # an adjective between the question word and the kind noun
        ("On what exact date did Norway ban the ferry?", "time"),
        ("Which specific year did the choir form?", "time"),
        ("What exact number of lanterns was lit?", "number"),
        # where a thing was streamed is a platform, not a place; a city asked for is one
        ("Where was the festival streamed?", None),
        ("where were the talks broadcast", None),
        ("From which city was the festival streamed?", "place"),
        ("Where was the festival held?", "place"),
        # a terse lookup without a question word asks by its first word
        ("Exact date Norway banned the ferry?", "time"),
        ("festival stream date time", "time"),
        ("Festival hashtags?", None),  # neither first nor last word names a kind
        # the name of a person noun asks for a person
        ("What is the name of the choir's conductor representative?", "person"),
        ("choir rabbi name?", "person"),
        ("Name of the Trust's deputy chair?", "person"),
        ("What is the name of the festival's web channel?", None),
    ],
)
def test_answer_type_reads_the_question_word_not_a_subordinate_when(question, kind) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "sentence", "fits"),
    [
        ("How many selfies were uploaded?", "It ran under two main hashtags.", False),
        ("How many selfies were uploaded?", "Some 300 selfies were uploaded.", True),
        ("How many other users were they asked to tag?", "They tag five other users.", True),
        ("For how many years had IJD been held?", "a first in its 41 years.", True),
        ("For how many years had IJD been held?", "It was held in 2020.", False),  # a year
        # a share is no count, unless a share (or how much) is asked
        ("How many seats does the party hold?", "The party won 40% of the seats.", False),
        ("What share of the seats does the party hold?", "The party won 40% of the seats.", True),
        ("How much support does the party have?", "It has 40 percent support.", True),
        # "number of X" counts X as "how many X" does
        ("number of selfies posted", "Members were asked to tag five other users.", False),
        ("number of selfies posted", "Some 300 selfies were posted.", True),
        # a list row's position and the pronoun "one" count nothing
        ("Age of the chairman?", "16. Jaaferiya Youth, United Kingdom", False),
        ("Age of the chairman?", "The chairman, 61, spoke last.", True),
        ("Trust funding amount", "In light of this one must reexamine the grants.", False),
        ("Trust funding amount", "The Trust received 5,000 pounds.", True),
    ],
)
def test_a_count_must_count_what_was_asked_about(question, sentence, fits) -> None:
    assert fits_type(sentence, question, answer_type(question)) is fits


@pytest.mark.parametrize(
    ("sentence", "fits"),
    [
        ("The Trust was founded in Saltmere in 1986.", True),
        ("The festival was streamed on Facebook and YouTube.", False),  # names, not a city
        ("The choirs came from Norway and Portugal.", False),  # countries
    ],
)
def test_a_city_is_where_something_is(sentence, fits) -> None:
    assert fits_type(sentence, "From which city was it run?", "place") is fits


_ACTIVISTS = "Which harbour activists spoke at the festival?"
_GOVERNMENTS = "Which governments besides the UN condemned the ban?"


@pytest.mark.parametrize(
    ("question", "kind", "sentence", "fits"),
    [
        # the group named as a kind, and a demonym before a noun: no one is named
        (
            _ACTIVISTS,
            "person",
            "Among the guests were Norwegian folk singers, harbour activists and others.",
            False,
        ),
        (
            _ACTIVISTS,
            "person",
            "Among the guests were harbour activists, among them Ada Lind.",
            True,
        ),
        # "which N" asks for a named instance, one the question does not name
        (_GOVERNMENTS, "name", "The international community condemned the ban.", False),
        (_GOVERNMENTS, "name", "Norway and the EU condemned the ban.", True),
        (_GOVERNMENTS, "name", "The U.N. condemned the ban.", False),
    ],
)
def test_which_asks_for_one_named(question, kind, sentence, fits) -> None:
    assert answer_type(question) == kind
    assert fits_type(sentence, question, kind) is fits


@pytest.mark.parametrize(
    ("text", "prose"),
    [
        ("20.5.20. https://twitter.com/x/status/1", False),
        ("Ibid.", False),
        ("#FlyTheFlag; #AlQudsDay2020;", False),
        ("20.5.20. https://t.co/x. In another tweet he advised them to keep going.", True),
        ("Among the attendees was a well known cleric from the city.", True),
    ],
)
def test_is_prose(text: str, prose: bool) -> None:
    assert is_prose(text) is prose


def _cand(text: str, coverage: float, similarity: float) -> Candidate:
    chunk = Chunk("c", text, "body", 1, "S", 0, len(text), ())
    return Candidate(chunk, 0, len(text), text, 0, coverage=coverage, similarity=similarity)


def test_type_gap_needs_a_full_match_without_the_asked_kind() -> None:
    full = _cand("X was founded in London in 1997.", 1.0, 0.75)
    weak = _cand("Y, a leader of Z, backs X.", 0.4, 0.5)
    strong = _cand("X was founded by Jane Roe in 1997.", 0.9, 0.7)
    assert type_gap([full, weak], [weak])  # the best says everything but who: refuse
    assert not type_gap([full, strong], [strong])  # one that fits is close enough
    assert not type_gap([full, weak], [full, weak])  # the best fits
    partial = _cand("X works in London.", 0.5, 0.75)
    assert not type_gap([partial, weak], [weak])  # the best does not cover the question


def test_a_followups_context_counts_less_than_the_question() -> None:
    own, context = split_context("In what language? (context: Which newspaper printed it?)")
    assert (own, context) == ("In what language?", "Which newspaper printed it?")
    idf = {"languag": 3.0, "newspap": 3.0, "print": 3.0}.get
    cands = [_cand("It is a Farsi language daily.", 0, 0), _cand("The newspaper printed it.", 0, 0)]
    scored = score(
        "In what language? (context: Which newspaper printed it?)",
        cands,
        idf=idf,
        max_idf=3.0,
        embed=lambda texts: np.zeros((len(texts), 2), dtype=np.float32),
        query_vector=np.zeros(2, dtype=np.float32),
    )
    by_text = {c.text: c.coverage for c in scored}
    assert by_text["It is a Farsi language daily."] > by_text["The newspaper printed it."]
    assert scored[0].unknown == 0  # "context" itself is no question word


def _scored_alone(question: str, cand: Candidate, idf: dict[str, float]) -> Candidate:
    """One candidate scored on words alone (every vector zero, so similarity is 0)."""
    return score(
        question,
        [cand],
        idf=idf.get,
        max_idf=max(idf.values()),
        embed=lambda texts: np.zeros((len(texts), 2), dtype=np.float32),
        query_vector=np.zeros(2, dtype=np.float32),
    )[0]


def test_a_name_only_the_sentence_before_holds_counts_half() -> None:
    text = "The Orlan Trust was set up in Kiel. Its web site posts essays on tidal law."
    chunk = Chunk("c", text, "body", 1, "S", 0, len(text), ())
    first, second = candidates([Hit(chunk, 1.0)], usable=lambda c: True)
    assert (first.before, second.before) == ("", first.text)
    idf = {"orlan": 3.0, "trust": 2.0, "web": 1.0, "site": 1.0, "post": 1.0}
    question = "What does the Orlan Trust's web site post?"
    scored = _scored_alone(question, second, idf)
    assert scored.credits["orlan"] == PARAMS.before_credit  # a name: from the sentence before
    assert scored.credits["site"] == 1.0
    bare = _scored_alone(question, replace(second, before=""), idf)
    assert bare.credits["orlan"] == 0.0
    assert bare.coverage < scored.coverage


def test_two_question_words_the_sentence_writes_as_one_are_both_held() -> None:
    cand = _cand("The Ahlulbayt Mission opened in Leeds.", 0, 0)
    idf = {"ahlul": 3.0, "bayt": 3.0, "mission": 2.0, "open": 1.0}
    split = _scored_alone("when did the ahlul bayt mission open", cand, idf)
    assert split.credits["ahlul"] == split.credits["bayt"] == 1.0
    apart = _scored_alone("when did the ahlul mission open", cand, idf)
    assert apart.credits["ahlul"] == 0.0  # one half alone is not the word
    assert split.coverage > apart.coverage


def test_a_question_word_the_sentence_writes_as_two_is_held() -> None:
    cand = _cand("The Trust's web site posts essays on tidal law.", 0, 0)
    idf = {"trust": 3.0, "websit": 2.0, "essay": 2.0, "post": 1.0}
    joined = _scored_alone("what essays does the trust website post", cand, idf)
    assert joined.credits["websit"] == 1.0
    other = _scored_alone("what essays does the trust webpage post", cand, idf)
    assert other.credits.get("webpag", 0.0) == 0.0  # only the two words written as one
    assert joined.coverage > other.coverage


def test_who_are_asks_for_actors_of_any_kind() -> None:
    sentence = "The Trust's criticism is addressed at the harbour board, Norway and the EU."
    assert fits_type(sentence, "Who are the main targets of the Trust's criticism?", "person")
    assert not fits_type(sentence, "Who founded the Trust?", "person")  # one founder, a person
    plain = "The Trust's criticism is addressed at everyone who builds on the quays."
    assert not fits_type(plain, "Who are the main targets of the Trust's criticism?", "person")


# --- on the real report ----------------------------------------------------------------------


def test_the_report_says_when_and_where_but_not_who(assistant) -> None:
    answer = assistant.ask("Who founded the IHRC?")
    assert answer.refused and answer.text.startswith(prompts.refusal())
    assert any("1997" in h.chunk.text for h in answer.see_also)  # what it does say is near


def test_a_footnote_with_prose_can_answer(assistant) -> None:
    answer = assistant.ask("What did Khamenei advise the Palestinians in his other tweet?")
    assert not answer.refused and "jihadi activity" in answer.text
    assert 13 in {f.number for c in answer.citations for f in c.footnotes}
    # the prose sentence of the note, not its leading "20.5.20. https://..." citation
    assert answer.citations[0].quote.startswith("In another tweet he advised")


def test_a_count_of_something_else_is_no_answer(assistant) -> None:
    answer = assistant.ask("How many selfies were uploaded under the #FlyTheFlag hashtag?")
    assert answer.refused
    asked = assistant.ask("How many other users were participants asked to tag?")
    assert not asked.refused and "five" in asked.text


@pytest.mark.parametrize(
    "question",
    [
        "Why did Khamenei praise Israel in his Fly the Flag tweets?",  # he praised others
        "Why did the U.N. suspend the IHRC's cooperation status in 2020?",  # never said
        # the report says he condemned it: the premise's verb is missing
        "Why did Massoud Shadjareh support the British government's plan to designate "
        "Hezbollah's political wing as terrorist?",
    ],
)
def test_a_why_question_whose_premise_the_report_never_states_is_refused(
    assistant, question: str
) -> None:
    assert assistant.ask(question).refused


def test_a_why_question_whose_premise_is_stated_is_answered(assistant) -> None:
    answer = assistant.ask("Why was the 2020 IJD held almost exclusively online?")
    assert not answer.refused and "COVID-19" in answer.text


@pytest.mark.parametrize(
    ("word", "country"),
    [
        ("Nigerian", "Nigeria"),
        ("Iranian", "Iran"),
        ("Malaysian", "Malaysia"),
        ("Indian", "India"),
        # no suffix trimmed gives these: the irregular forms are listed
        ("Peruvian", "Peru"),
        ("Portuguese", "Portugal"),
        ("Greek", "Greece"),
        # names news writers use for a country
        ("the Islamic Republic", "Iran"),
        ("Down Under", "Australia"),
    ],
)
def test_a_demonym_names_the_longest_country_that_fits(word: str, country: str) -> None:
    assert country_of(word) == country


def test_two_questions_in_one_are_answered_part_by_part(assistant) -> None:
    assert split_compound("When and where was the IHRC founded?") == [
        "When and where was the IHRC founded?"
    ]
    question = "Where is the ICT located and how is it funded?"
    assert split_compound(question) == ["Where is the ICT located?", "how is it funded?"]
    answer = assistant.ask(question)
    assert not answer.refused
    assert "Herzliya" in answer.text and "private donations" in answer.text
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", answer.text)]
    assert markers == list(range(1, len(answer.citations) + 1))  # numbered through
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes))  # nothing said twice
    mixed = assistant.ask(
        "Which member of the Zakzaky family attended the gathering, "
        "and which Nigerian organizations are among the partners?"
    )
    assert "Free Zakzaky Campaign" in mixed.text  # the appendix part, counted in code


@pytest.mark.parametrize(
    ("a", "b", "related"),
    [
        ("lead", "leader", True),
        ("attend", "attende", True),
        ("part", "particip", False),  # adds too much: another word
        ("lead", "lead", False),  # the same word is no related form
        ("led", "lede", False),  # too short to tell
    ],
)
def test_related_forms(a: str, b: str, related: bool) -> None:
    assert related_forms(a, b) is related


def test_a_related_form_counts_and_is_not_unknown(assistant) -> None:
    lexical = assistant.index.lexical
    assert lexical.idf("attend") is None and lexical.related("attend")  # "attendees" only
    answer = assistant.ask("Who leads the IHRC?")  # the report says "IHRC's leader"
    assert not answer.refused and "Massoud Shadjareh" in answer.text


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("Why did Massoud Shadjareh support the plan?", "support"),
        ("Why did the U.N. suspend the IHRC?", "suspend"),
        ("Why was the 2020 IJD held online?", None),  # passive: the coverage rule alone
        ("What did he support?", None),
    ],
)
def test_why_verb(question: str, verb: str | None) -> None:
    assert why_verb(question) == verb


def test_a_cited_prose_footnote_is_followed_for_the_names(assistant) -> None:
    assert answer_type("Which western academics took part?") == "person"
    answer = assistant.ask("Which western academics took part in the online IJD gathering?")
    assert not answer.refused
    for name in ("Ramon Grosfoguel", "Ilan Pappe", "Haim Bereshit"):
        assert name in answer.text
    body, note = answer.citations[0], answer.citations[-1]
    assert body.kind == "body" and note.kind == "footnote"
    # the note is the footnote the body sentence cites, by the number printed in the report
    assert {f.number for f in note.footnotes} <= {f.number for f in body.footnotes}
    assert len(answer.citations) <= 4


def test_words_the_question_quotes_anchor_the_sentence() -> None:
    sentence = "It is likely he wished to “drive bullies like Netanyahu” away."
    question = "Whom did he say the referendum would “drive” away?"
    assert not fits_type(sentence, question, "person")  # one name alone is no person ...
    assert fits_type(sentence, question, "person", anchored=True)  # ... unless quoted
    assert not fits_type("It was founded in London.", "Who founded it?", "person", anchored=True)


def test_a_noun_naming_the_asked_kind_is_held_by_a_value_of_that_kind() -> None:
    idf = {"orlan": 3.0, "trust": 2.0, "found": 1.5, "year": 1.0, "citi": 1.0}
    dated = _cand("The Orlan Trust was founded in Kiel in 1988.", 0, 0)
    undated = _cand("The Orlan Trust was founded by fishermen.", 0, 0)
    question = "Orlan Trust founded year and city"
    held = _scored_alone(question, dated, idf)
    assert held.credits["year"] == 1.0  # 1988 answers "year"
    assert held.credits["citi"] == 1.0  # "in Kiel" answers "city"
    lacking = _scored_alone(question, undated, idf)
    assert lacking.credits["year"] == lacking.credits["citi"] == 0.0
    assert held.coverage > lacking.coverage


def test_a_terse_question_asks_for_the_kind_its_last_word_names() -> None:
    assert answer_type("Orlan Trust: country?") == "place"
    assert answer_type("harbour festival founding year") == "time"
    assert answer_type("harbour festival history") is None
    # a noun inside the question is no question word: "this year's" asks for no year
    assert answer_type("What peace plan formed the backdrop to this year's festival?") is None


def test_a_word_used_for_the_sentences_counts_as_a_synonym() -> None:
    idf = {"orlan": 3.0, "trust": 2.0, "establish": 1.5, "kill": 1.0}
    cand = _cand("The Orlan Trust was founded in Kiel in 1988.", 0, 0)
    scored = _scored_alone("When was the Orlan Trust established?", cand, idf)
    assert scored.credits["establish"] == PARAMS.synonym_credit
    other = _scored_alone("When was the Orlan Trust killed?", cand, idf)
    assert other.credits["kill"] == 0.0  # no word of its family
    assert scored.coverage > other.coverage


@pytest.mark.parametrize(
    ("asked", "written"),
    [
        ("internet", "online"),
        ("scrubbed", "deleted"),
        ("payback", "revenge"),
        ("proposal", "initiative"),
        ("ex", "former"),
        ("refrained", "avoids"),
    ],
)
def test_general_english_families_meet_the_reports_word(asked: str, written: str) -> None:
    from ijdqa.answer.vocabulary import credit
    from ijdqa.search.lexical import stem, tokenize

    assert credit(stem(asked), set(tokenize(f"the {written} one"))) == PARAMS.synonym_credit
    assert credit(stem(asked), set(tokenize("the harbour festival"))) == 0.0


@pytest.mark.parametrize(
    ("check", "sentence", "question", "expected"),
    [
        # a deed asked about is not told by its aim ("pressed X to reopen it")
        (
            "aim",
            "The Trust pressed the Council to reopen the quay.",
            "Did the Council reopen the quay?",
            True,
        ),
        ("aim", "The Council reopened the quay in May.", "Did the Council reopen the quay?", False),
        (
            "aim",
            "The Trust asked to reopen it and the Council reopened it.",
            "Did the Council reopen it?",
            False,
        ),
        (
            "aim",
            "The Trust pressed the Council to reopen the quay.",
            "When did the Council reopen it?",
            False,
        ),
        # typed in lower case, with an adverb or "end up" before the deed
        (
            "aim",
            "The Trust pressed the U.K. to reopen the quay.",
            "did the uk actually reopen the quay",
            True,
        ),
        (
            "aim",
            "The Trust pressed the U.K. to reopen the quay.",
            "did the uk end up reopening it",
            True,
        ),
        ("aim", "The U.K. reopened the quay.", "did the uk actually reopen the quay", False),
        # what lies beyond the items a question sets aside must be named
        (
            "beyond",
            "The choir sang in Danish, Dutch and other languages.",
            "Apart from Danish and Dutch, which languages did it sing in?",
            True,
        ),
        (
            "beyond",
            "The choir sang in Danish, Dutch and Frisian.",
            "Apart from Danish and Dutch, which languages did it sing in?",
            False,
        ),
        (
            "beyond",
            "The choir sang in Danish, Dutch and other languages.",
            "Besides Danish, which languages did it sing in?",
            False,
        ),
        (
            "beyond",
            "The choir sang in Danish, Dutch and other languages.",
            "Which languages did the choir sing in?",
            False,
        ),
    ],
)
def test_a_sentence_that_names_the_asked_thing_only_as_an_aim_or_as_others(
    check, sentence, question, expected
) -> None:
    from ijdqa.answer.deeds import only_beyond_unnamed, only_intended

    predicate = {"aim": only_intended, "beyond": only_beyond_unnamed}[check]
    assert predicate(sentence, question) is expected


@pytest.mark.parametrize(
    ("sentence", "untold"),
    [
        ("A letter by the mayor was read to the crowd.", True),  # read, by no one named
        ("The mayor's letter was read by her deputy.", False),
        ("Her deputy read the mayor's letter.", False),
    ],
)
def test_who_did_it_is_not_told_by_a_passive_without_its_doer(sentence, untold) -> None:
    from ijdqa.answer.deeds import agent_untold

    assert agent_untold(sentence, "Who read out the mayor's letter?") is untold


def test_a_link_between_two_parties_is_no_question_about_sources() -> None:
    from ijdqa.answer.question import wants_source

    assert not wants_source("What did the Trust's website post that shows the link to Kiel?")
    assert not wants_source("What examples does the report give to show that link?")
    assert wants_source("What is the link for footnote 4?")
    assert wants_source("Which link backs the claim about the grant?")


def test_a_speaker_citing_a_figure_is_no_question_about_sources() -> None:
    from ijdqa.answer.question import wants_source

    assert not wants_source("The mayor spoke next; he cited a figure for the repairs. What was it?")
    assert wants_source("Which source is cited for the mayor's figure?")


def test_a_topic_heading_the_question_is_what_it_refers_to() -> None:
    from ijdqa.answer.question import with_topic

    assert with_topic("Orlan Trust: when was it founded, and who runs its web site?") == (
        "when was Orlan Trust founded, and who runs Orlan Trust’s web site?"
    )
    assert with_topic("Quick one: when was the Trust founded?") == (
        "Quick one: when was the Trust founded?"  # no pronoun: nothing to read as the topic
    )


def test_what_the_report_says_a_name_is_describes_it() -> None:
    from ijdqa.answer.aliases import find_aliases, profiles

    text = (
        "In May the Orlan Tidal Trust (OTT), a Danish coastal charity, held a festival. "
        "The OTT was founded in Kiel in 1988. Dr. Mira Holt, a marine lawyer, spoke."
    )
    found = profiles([text], find_aliases([text]))
    assert "Danish coastal charity" in found["OTT"]
    assert "marine lawyer" in found["Holt"]
    assert "Kiel" not in found["OTT"]  # the defining sentence only
    # a description before the name defines it too
    before = profiles(["It was welcomed by the mayor of the Danish port, Lene Vad, at once."], {})
    assert "mayor of the Danish port" in before["Vad"]


def test_a_country_in_any_form_is_one_word_for_telling_what_a_question_describes() -> None:
    from ijdqa.answer.places import with_countries

    assert with_countries("the leader of the Islamic Republic") == "the leader of Iran"
    assert with_countries("Iran's leader, the Iranian cleric") == "Iran's leader, the Iran cleric"
    assert with_countries("the harbour") == "the harbour"


def test_a_question_describing_a_name_is_credited_by_what_the_report_says_it_is() -> None:
    idf = {"danish": 3.0, "charity": 3.0, "coastal": 2.0, "found": 1.0, "ott": 3.0}
    cand = _cand("The OTT was founded in Kiel in 1988.", 0, 0)
    question = "When was the Danish charity founded?"
    described = score(
        question,
        [cand],
        idf=idf.get,
        max_idf=3.0,
        embed=lambda texts: np.zeros((len(texts), 2), dtype=np.float32),
        query_vector=np.zeros(2, dtype=np.float32),
        profiles={"ott": frozenset({"danish", "coastal", "chariti"})},
    )[0]
    bare = _scored_alone(question, cand, idf)
    assert described.credits["danish"] == PARAMS.profile_credit
    assert bare.credits["danish"] == 0.0
    assert described.coverage > bare.coverage


@pytest.mark.parametrize(
    ("question", "sentence", "term"),
    [
        ("When was the Orlan Trust set up?", "The Orlan Trust was founded in 1988.", "establish"),
        ("Who closed the festival?", "The mayor signed off the festival.", "close"),
        ("When is the festival held each year?", "The annual festival is held in June.", "annual"),
        ("When did the festival kick off?", "The festival started in June.", "start"),
    ],
)
def test_a_phrase_is_matched_as_the_word_it_stands_for(question, sentence, term) -> None:
    from ijdqa.answer.vocabulary import query_terms
    from ijdqa.search.lexical import stem

    idf = {t: 1.0 for t in query_terms(question)}
    scored = _scored_alone(question, _cand(sentence, 0, 0), idf)
    assert scored.credits[stem(term)] > 0
    assert stem("establish") not in query_terms("Who set the date of the festival?")


def test_a_dotted_acronym_is_the_one_people_type() -> None:
    from ijdqa.search.lexical import tokenize

    assert tokenize("the U.S. and the U.N.") == tokenize("the US and the UN")
    assert tokenize("U.S.") != tokenize("U.K.")


@pytest.mark.parametrize(
    ("question", "written"),
    [
        ("fn5 source?", "footnote 5 source?"),
        ("who is the prof in fn 19", "who is the prof in footnote 19"),
        ("what does footnote #4 cite", "what does footnote 4 cite"),
        ("note no. 7 says what", "footnote 7 says what"),
        ("what does the footnote say", "what does the footnote say"),
    ],
)
def test_a_footnote_named_in_short_is_read_as_a_footnote(question, written) -> None:
    from ijdqa.answer.question import explicit_footnote, with_footnote_word

    assert with_footnote_word(question) == written
    assert explicit_footnote(with_footnote_word(question)) == explicit_footnote(written)


def test_a_topic_after_about_is_what_the_question_refers_to() -> None:
    from ijdqa.answer.question import split_compound, with_topic

    asked = with_topic(
        "Two quick things about the 2021 festival: where was it streamed, and roughly how"
        " many groups backed it?"
    )
    assert asked == (
        "where was the 2021 festival streamed, and roughly how many groups backed the 2021"
        " festival?"
    )
    assert split_compound(asked) == [
        "where was the 2021 festival streamed?",
        "roughly how many groups backed the 2021 festival?",
    ]


@pytest.mark.parametrize(
    ("question", "claim"),
    [
        (
            "Which outside document does the report rely on when it asserts that the Trust"
            " took a grant?",
            "the Trust took a grant?",
        ),
        (
            "What source is given for the claim that the parade was cancelled twice?",
            "the parade was cancelled twice?",
        ),
        ("What newspaper piece underpins the grant figure?", None),  # no clause: as asked
        ("which account posted that one?", None),
        ("were does the report get the grant figure from?", None),
    ],
)
def test_a_source_question_asks_about_the_claim_after_that(question, claim) -> None:
    from ijdqa.answer.question import wants_source
    from ijdqa.answer.source_answers import stated_claim

    assert wants_source(question)
    assert stated_claim(question) == (claim or question)


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Mira Holt speech content?", True),
        ("What were the main points of Mira Holt's speech?", True),
        ("what was actually in the mayor's letter", True),
        ("Whose speech was read out?", False),  # who, not what was said
        ("When was the letter sent?", False),
    ],
)
def test_the_content_of_a_speech_is_what_its_speaker_said(question, asks) -> None:
    from ijdqa.answer.expected import asks_statement, reports_statement

    assert asks_statement(question) is asks
    # "A speech by X was read" says that she spoke, not what she said
    assert not reports_statement("A speech by Mira Holt was read to the crowd as well.")


def test_a_word_for_a_kind_of_thing_is_held_by_a_thing_of_that_kind() -> None:
    from ijdqa.answer.vocabulary import credit
    from ijdqa.search.lexical import tokenize

    have = set(tokenize("The mayor said the council acts like a wolf on Twitter."))
    assert credit(tokenize("animal")[0], have) == PARAMS.synonym_credit
    assert credit(tokenize("platform")[0], have) == PARAMS.synonym_credit
    # one way only: a question's "wolf" is not held by a sentence's "animal"
    assert credit(tokenize("wolf")[0], set(tokenize("a dangerous animal"))) == 0.0


def test_a_country_a_question_names_is_held_by_its_demonym() -> None:
    from ijdqa.answer.places import country_terms, is_place_word

    cand = _cand("He said over 60% of Norwegian voters back the Trust.", 0, 0)
    idf = {"norway": 3.0, "voter": 2.0, "trust": 1.0}
    scored = _scored_alone("What share of Norway's voters back the Trust?", cand, idf)
    assert scored.credits["norway"] == 1.0
    assert country_terms("the Lebanese political system") == frozenset({"lebanon"})
    assert is_place_word("Lebanon's") and not is_place_word("Trust's")


def test_an_example_after_the_best_sentence_joins_it() -> None:
    from ijdqa.answer.sentences import select

    first = "Its web site also points to this tie."
    second = "For example, the site posts essays on tidal law."
    third = "The weather was fine."
    text = f"{first} {second} {third}"
    chunk = Chunk("c", text, "body", 1, "S", 0, len(text), ())
    at = [0, len(first) + 1, len(first) + len(second) + 2]
    cands = [
        Candidate(chunk, s, s + len(t), t, 0, coverage=c, similarity=0.5)
        for s, t, c in zip(at, (first, second, third), (0.9, 0.05, 0.05), strict=True)
    ]
    chosen = select(cands)
    assert [c.text for c in chosen] == [first, second]  # the example goes on; the weather not
