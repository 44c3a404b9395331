"""The parser on the real report: the facts the issue lists, checked one by one."""

from __future__ import annotations

from collections import Counter

import pytest

from ijdqa.errors import ReportFormatError
from ijdqa.report.parse import parse_report
from ijdqa.types import Report


def test_twenty_four_footnotes_in_order(report: Report) -> None:
    assert [f.number for f in report.footnotes] == list(range(1, 25))
    assert [m.number for m in report.markers] == list(range(1, 25))


@pytest.mark.parametrize(
    ("number", "url_tail", "date"),
    [
        (1, "ihrc.org.uk/about/about-us/", None),
        (2, "watch?v=N8YOcHA4WPk", "2020-03-01"),
        (5, "1m-charity-cash-group-linked-iran/", "2019-10-10"),
        (8, "status/1262848383133331456", "2020-05-19"),
        (12, "status/1262513122532896771", "2020-05-19"),
        (16, "kayhan.ir/fa/issue/1860/1", "2020-05-21"),
        (21, "aimislam.com/about-us/", None),
        (22, "E2_120_12_1695082257.pdf", None),
        (23, "aimislam.com/about-us/", None),
    ],
)
def test_footnote_urls_and_dates(
    report: Report, number: int, url_tail: str, date: str | None
) -> None:
    note = report.footnote(number)
    assert note is not None
    assert note.urls[0].endswith(url_tail)
    assert note.date == date


def test_footnote_thirteen_cites_two_tweets(report: Report) -> None:
    note = report.footnote(13)
    assert note is not None and len(note.urls) == 2
    assert note.urls[1].endswith("1263751560313614336")  # no trailing ")"


def test_ibid_points_to_the_footnote_before(report: Report) -> None:
    assert [(f.number, f.same_as) for f in report.footnotes if f.same_as] == [(15, 14), (24, 23)]


def test_kinds(report: Report) -> None:
    kinds = {f.number: f.kind for f in report.footnotes}
    assert kinds[2] == "video" and kinds[8] == "tweet" and kinds[22] == "pdf"
    assert kinds[5] == "news" and kinds[1] == "web page" and kinds[7] == "note"
    assert kinds[19] == "note" and kinds[15] == "tweet"


def test_markers_sit_in_the_right_sentence(report: Report) -> None:
    cited = {f.number: f.cited_in or "" for f in report.footnotes}
    assert cited[1].endswith("cooperating with the U.N. since 2007.")
    assert "over 60% of the Lebanese voters" in cited[2]
    assert "Fly the Flag and IJD 2020 within which" in cited[6]
    assert cited[12].endswith("acts like a wolf”.")
    assert "Al-Kayhan’s front page" in cited[18]
    assert cited[22] == "The organization has a strong linkage to Iran."
    assert "photos" in cited[24]


def test_clean_text_drops_markers(report: Report) -> None:
    assert "since 2007." in report.text and "since 20071" not in report.text
    assert "IJD 2020 within" in report.text and "20206" not in report.text
    assert "like a wolf”." in report.text
    for marker in report.markers:
        # a marker sits right after a word, a quote or a bracket, never inside a word
        before = report.text[marker.offset - 1]
        assert not report.text[marker.offset : marker.offset + 1].isalnum() or before == " "


def test_sentence_across_page_and_footnote_block_is_whole(report: Report) -> None:
    assert (
        "weak points in Europe and the U.S. and the Muslims and all freedom fighters" in report.text
    )
    para = next(p for p in report.paragraphs if "freedom fighters" in p.text)
    assert para.pages == (5, 6)
    assert "Among the academics" not in para.text  # the footnote block is not in the body


def test_sections_and_captions(report: Report) -> None:
    headings = [p.text for p in report.paragraphs if p.kind == "heading"]
    for title in (
        "The IHRC in the Service of Iran",
        "Fly the Flag Campaign and 2020 IJD",
        "Summary",
        "Appendix 1",
        "ABOUT THE ICT",
    ):
        assert title in headings
    captions = [p.text for p in report.paragraphs if p.kind == "caption"]
    assert any(c.startswith("AIM conference featuring") for c in captions)
    assert any(c.startswith("A banner with speakers") for c in captions)
    summary = next(p for p in report.paragraphs if p.text.startswith("Switching IJD in 2020"))
    assert summary.section == "Summary"


def test_paragraph_offsets_match_clean_text(report: Report) -> None:
    for para in report.paragraphs:
        assert report.text[para.start : para.end] == para.text


def test_organizations(report: Report) -> None:
    orgs = report.organizations
    assert [o.number for o in orgs] == list(range(1, 113))
    countries = Counter(o.country for o in orgs)
    assert countries["Malaysia"] == 22
    assert countries["United Kingdom"] == 36  # UK, United Kingdom, in Scotland, in Britain
    by_number = {o.number: o for o in orgs}
    assert by_number[8].country == "United Kingdom"  # "Lebanese Community in Scotland"
    assert (by_number[19].city, by_number[19].country) == ("Detroit", "United States")
    assert (by_number[27].country, by_number[27].region) == ("Denmark", "Europe")
    assert by_number[31].country is None and by_number[31].region == "Europe"
    assert (by_number[109].city, by_number[109].country) == ("Sydney", "Australia")
    assert by_number[18].city is None  # "(MCE)" is an acronym, not a city
    assert by_number[100].name == "Majlis Wahdatul Muslimeen"
    assert by_number[41].repeat_of == 33
    assert any("113" in w for w in report.warnings)  # the empty entry is reported, not invented


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   \n\n  ", "empty"),
        ("abc\x00def", "binary"),
        ("\x01\x02\x03" * 50, "control"),
    ],
)
def test_unusable_input_raises_the_documented_error(raw: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        parse_report(raw)


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(ReportFormatError, match="UTF-8"):
        parse_report(b"\xff\xfe\xfa text")  # type: ignore[arg-type]


def test_text_without_footnotes_parses_with_a_warning() -> None:
    report = parse_report(" A plain page of text with no notes at all.\nAnother line here.\n")
    assert report.footnotes == ()
    assert any("no footnote markers" in w for w in report.warnings)


def test_markers_without_bodies_are_listed() -> None:
    raw = " A claim about the harbour1 and a second claim2.\n"
    report = parse_report(raw)
    assert report.footnotes == ()
    assert any("without a footnote block" in w for w in report.warnings)


def test_the_parse_cache_round_trips(report: Report) -> None:
    from ijdqa.report import cache as reportcache

    assert reportcache.loads(reportcache.dumps(report)) == report
    assert reportcache.loads("{not json") is None
    assert reportcache.loads('{"format": 999, "report": {}}') is None
