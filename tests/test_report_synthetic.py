"""The same parser on a second, synthetic report (another topic, 17 footnotes, same quirks)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ijdqa.report.parse import parse_report
from ijdqa.types import Report
from support import DATA

EXPECTED = json.loads((DATA / "synthetic_expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def synthetic() -> Report:
    return parse_report(
        (DATA / "synthetic_report.txt").read_text(encoding="utf-8"), name="synthetic"
    )


def test_footnote_numbers(synthetic: Report) -> None:
    assert [f.number for f in synthetic.footnotes] == list(range(1, EXPECTED["footnote_count"] + 1))
    assert [m.number for m in synthetic.markers] == list(range(1, EXPECTED["footnote_count"] + 1))


@pytest.mark.parametrize("want", EXPECTED["footnotes"], ids=lambda f: f"footnote-{f['number']}")
def test_each_footnote(synthetic: Report, want: dict) -> None:
    got = synthetic.footnote(want["number"])
    assert got is not None
    assert list(got.urls) == want["urls"]
    assert got.date == want["date"]
    assert got.kind == want["kind"]
    assert got.same_as == want["same_as"]
    assert got.page == want["page"]
    assert want["marker_sentence_contains"] in (got.cited_in or "")


def test_clean_text(synthetic: Report) -> None:
    for phrase in EXPECTED["clean_text_contains"]:
        assert phrase in synthetic.text
    for phrase in EXPECTED["clean_text_not_contains"]:
        assert phrase not in synthetic.text


def test_pages_headings_captions(synthetic: Report) -> None:
    assert len(synthetic.pages) == EXPECTED["page_count"]
    headings = [p.text for p in synthetic.paragraphs if p.kind == "heading"]
    assert headings == EXPECTED["headings"]
    captions = " | ".join(p.text for p in synthetic.paragraphs if p.kind == "caption")
    for caption in EXPECTED["captions_contain"]:
        assert caption in captions


def test_organizations(synthetic: Report) -> None:
    orgs = synthetic.organizations
    assert len(orgs) == EXPECTED["organization_count"]
    assert dict(Counter(o.country for o in orgs)) == EXPECTED["organizations_by_country"]
    got = {o.number: o for o in orgs}
    for want in EXPECTED["organizations"]:
        org = got[want["number"]]
        assert (org.name, org.country, org.city, org.region) == (
            want["name"],
            want["country"],
            want["city"],
            want["region"],
        ), want
    assert [[o.repeat_of, o.number] for o in orgs if o.repeat_of] == EXPECTED["duplicate_pairs"]
    names = {o.name for o in orgs}
    assert not names & set(EXPECTED["not_organizations"])
    for number in EXPECTED["empty_entry_numbers"]:
        assert number not in got
        assert any(str(number) in w for w in synthetic.warnings)
