"""The extractive answerer's composed sentences checked against their citations (issue 12):
counts and lists over the appendix table, footnote descriptions, referents put into quotes,
multi-part answers. Every cited claim must say only what it cites (answer/composed.py, which
uses claims.check); a claim that does not is dropped into `unsupported`, never shown as cited.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from ijdqa.answer import composed
from ijdqa.types import Answer, Turn

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rows(assistant) -> composed.Rows:
    return composed.Rows(assistant.index.chunks, assistant.report.organizations)


def problems(answer: Answer, assistant, rows: composed.Rows) -> list[str]:
    return [f"{c.text} => {why}" for c, why in composed.problems(answer, assistant.view, rows)]


def checked(answer: Answer, assistant, rows: composed.Rows) -> Answer:
    return composed.checked(answer, assistant.view, rows, lambda a: replace(a, refused=True))


@pytest.mark.slow
def test_every_cited_claim_of_every_dev_answer_is_backed_by_its_citations(
    assistant, rows: composed.Rows
) -> None:
    """A property over the dev set: each cited claim of each answer (composed or quoted) passes
    the claim check against its citations, and none had to be dropped to get there."""
    failing, dropped, claims = [], [], 0
    for line in (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        history = [Turn(t["role"], t["content"]) for t in row.get("history", [])]
        answer = assistant.ask(row["question"], history=history)
        claims += len(composed.claims_of(answer.text)) if answer.citations else 0
        failing += [f"{row['id']}: {p}" for p in problems(answer, assistant, rows)]
        dropped += [f"{row['id']}: {u}" for u in answer.unsupported]
    assert claims > 300  # the property held over something
    assert not failing, failing[:5]
    assert not dropped, dropped[:5]


def test_a_corrupted_count_or_row_of_a_table_answer_is_caught(assistant, rows) -> None:
    answer = assistant.ask("How many Iranian organizations appear in the partner list?")
    head = answer.text.split("\n")[0]
    count = re.search(r"\d+", head)
    assert count and not problems(answer, assistant, rows)
    wrong = int(count.group()) + 1
    corrupted = replace(
        answer, text=answer.text.replace(head, head.replace(count.group(), str(wrong)), 1)
    )
    [found] = problems(corrupted, assistant, rows)
    assert f"{wrong} is not in the cited passage" in found
    kept = checked(corrupted, assistant, rows)
    assert str(wrong) not in kept.text.split("\n")[0]  # the heading is gone ...
    assert len(kept.citations) == len(answer.citations)  # ... its rows, each cited, stay
    assert any(u.startswith(head.replace(count.group(), str(wrong))) for u in kept.unsupported)
    assert "(dropped: " in kept.unsupported[-1]
    # a row put in another country than its entry gives
    line = answer.text.split("\n")[1]
    moved = replace(answer, text=answer.text.replace(line, line.replace("(Iran)", "(Iraq)")))
    assert any("Iraq is not named" in p for p in problems(moved, assistant, rows))


def test_a_count_whose_citation_does_not_cover_its_rows_is_caught(assistant, rows) -> None:
    """A breakdown over the whole table rests on a citation of the whole table: cite one row
    only, and its counts have nothing to rest on."""
    answer = assistant.ask("country with the most partners")
    [table] = answer.citations
    assert len(rows.covered(table)) == len(assistant.report.organizations)
    assert not problems(answer, assistant, rows)
    first = next(c for c in assistant.ask("which ones are in sydney").citations)
    narrow = replace(answer, citations=(replace(first, marker=table.marker),))
    [found] = problems(narrow, assistant, rows)
    assert "not in the cited passage" in found
    assert checked(narrow, assistant, rows).refused  # nothing cited is left: refused


def test_a_total_that_miscounts_its_rows_is_dropped_and_the_answer_refused(assistant, rows) -> None:
    answer = assistant.ask("how many partner orgs in total")
    total = str(len(assistant.report.organizations))
    assert total in answer.text and not problems(answer, assistant, rows)
    wrong = replace(answer, text=answer.text.replace(total, str(int(total) + 10), 1))
    kept = checked(wrong, assistant, rows)
    assert kept.refused and kept.unsupported and str(int(total) + 10) in kept.unsupported[0]


def test_a_corrupted_footnote_description_or_referent_is_caught(assistant, rows) -> None:
    source = assistant.ask("What date does footnote 2 give?")
    date = re.search(r"\d{4}-\d{2}-\d{2}", source.text)
    assert date and not problems(source, assistant, rows)
    year = date.group()[:4]
    moved = replace(
        source,
        text=source.text.replace(date.group(), date.group().replace(year, str(int(year) - 3))),
    )
    assert any(str(int(year) - 3) in p for p in problems(moved, assistant, rows))

    quote = assistant.ask(
        "To what did Khamenei compare the expected collapse of the Zionist regime?"
    )
    who = re.search(r"\((Ali Khamenei|Khamenei)\)", quote.text)
    assert who and not problems(quote, assistant, rows)
    other = replace(quote, text=quote.text.replace(who.group(), "(Boris Johnson)"))
    assert any("Boris" in p and "not named" in p for p in problems(other, assistant, rows))
    negated = replace(quote, text=quote.text.replace(" promised ", " never promised ", 1))
    assert any("negates" in p for p in problems(negated, assistant, rows))


def test_the_answerer_drops_a_miscounted_heading_it_composed(assistant, monkeypatch) -> None:
    """Wired in: a count template that miscounts makes the answerer drop its own heading."""
    from ijdqa import prompts

    real = prompts.render

    def miscount(name: str, **values: object) -> str:
        if name == "organizations_count":
            values = {**values, "count": int(str(values["count"])) + 1}
        return real(name, **values)

    monkeypatch.setattr("ijdqa.answer.answerer.prompts.render", miscount)
    answer = assistant.answerer.answer("Which partner organizations are based in Kedah?")
    assert answer.citations and not answer.refused
    assert not answer.text.startswith("Appendix 1 lists")  # the heading went ...
    assert answer.text.startswith("- ")  # ... the rows stayed
    assert len(answer.unsupported) == 1 and "is not in the cited passage" in answer.unsupported[0]


def test_headings_and_own_statements_are_read_as_claims_or_not(assistant) -> None:
    text = (
        'On "who was there": the report does not say. Appendix 1 lists 2 partner organizations '
        "in Nigeria:\n- 13. A (Nigeria) [1]\n- 48. B (Nigeria) [2]"
    )
    found = {c.text: c.markers for c in composed.claims_of(text)}
    assert found == {
        "- 13. A (Nigeria)": (1,),
        "- 48. B (Nigeria)": (2,),
        "Appendix 1 lists 2 partner organizations in Nigeria:": (1, 2),
    }
