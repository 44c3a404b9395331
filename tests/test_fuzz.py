"""Fuzzing with hypothesis (bounded: fixed max_examples, no deadline).

- the report parser on mutated real report text (lines dropped, duplicated, shuffled, digits
  glued to words, pages opened and closed, text cut off): it returns a Report whose offsets hold,
  or raises ReportFormatError, and nothing else;
- the citation renderers (plain, Markdown, JSON, and the web chat's HTML) on arbitrary text with
  HTML and JavaScript in it: no crash, quotes verbatim, nothing executable in the HTML.

Each test writes its counts to test-output/reliability/fuzz.json (see bench/reliability.py).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ijdqa import web_render as render
from ijdqa import web_report
from ijdqa.errors import ReportFormatError
from ijdqa.render import render_json, render_markdown, render_plain
from ijdqa.report import cache as reportcache
from ijdqa.report.parse import parse_report
from ijdqa.types import Answer, Citation, Footnote, Report
from support import ROOT, record

RAW = (ROOT / "src" / "ijdqa" / "data" / "report.txt").read_text(encoding="utf-8")
LINES = RAW.split("\n")
PARSER_EXAMPLES = 150
RENDER_EXAMPLES = 300


# --- the report parser ------------------------------------------------------------------------

OPERATIONS = ("drop", "duplicate", "shuffle", "digits", "open_page", "close_page", "cut", "noise")
NOISE = ["\x0c", "\r", "\t", "\u200f", "\u202e", "\x07", "  ", "Ibid", "https://x.org/1", "1.2.20."]


@st.composite
def mutated_reports(draw: st.DrawFn) -> tuple[str, tuple[str, ...]]:
    """The real report with 1-10 random edits; returns the text and the edits' names."""
    lines = list(LINES)
    done: list[str] = []
    for _ in range(draw(st.integers(1, 10))):
        op = draw(st.sampled_from(OPERATIONS))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        n = draw(st.integers(1, 12))
        done.append(op)
        if op == "drop":
            del lines[at : at + n]
        elif op == "duplicate":
            lines[at:at] = lines[at : at + n]
        elif op == "shuffle":
            lines[at : at + n] = draw(st.permutations(lines[at : at + n]))
        elif op == "digits" and lines:
            words = lines[at].split(" ")
            for i in draw(st.lists(st.integers(0, max(len(words) - 1, 0)), max_size=4)):
                words[i] += str(draw(st.integers(0, 130)))
            lines[at] = " ".join(words)
        elif op == "open_page" and lines:
            lines[at] = " " + lines[at]
        elif op == "close_page" and lines:
            lines[at] = lines[at].lstrip()
        elif op == "cut":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
        elif op == "noise" and lines:
            col = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:col] + draw(st.sampled_from(NOISE)) + lines[at][col:]
    return "\n".join(lines), tuple(done)


def check_report(report: Report) -> None:
    """The invariants every consumer of a Report relies on."""
    text = report.text
    assert "\r" not in text and "\x0c" not in text
    assert text == "\n\n".join(p.text for p in report.paragraphs)
    previous_end, previous_marker = -2, 0
    for i, para in enumerate(report.paragraphs):
        assert para.index == i and para.page >= 1 and para.section
        assert 0 <= para.start <= para.end <= len(text)
        assert text[para.start : para.end] == para.text
        assert para.start == previous_end + 2  # joined by one blank line, in order
        previous_end = para.end
        for marker in para.markers:
            assert para.start <= marker.offset <= para.end
            assert marker.number > previous_marker  # markers run 1, 2, 3 ... in reading order
            previous_marker = marker.number
    numbers = [f.number for f in report.footnotes]
    assert len(numbers) == len(set(numbers)) and all(n >= 1 for n in numbers)
    for note in report.footnotes:
        assert note.marker_offset is None or 0 <= note.marker_offset <= len(text)
        assert note.same_as is None or note.same_as in numbers
    for page in report.pages:
        assert all(0 <= i < len(report.paragraphs) for i in page.paragraphs)
    assert reportcache.loads(reportcache.dumps(report)) == report  # the parse cache round-trips


def test_the_unmutated_report_meets_the_invariants() -> None:
    check_report(parse_report(RAW))


def test_parser_on_mutated_real_report() -> None:
    seen: Counter[str] = Counter()

    @settings(
        max_examples=PARSER_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated_reports())
    def parse(mutated: tuple[str, tuple[str, ...]]) -> None:
        raw, ops = mutated
        seen["examples"] += 1
        seen.update(f"op:{op}" for op in ops)
        try:
            report = parse_report(raw)
        except ReportFormatError:
            seen["rejected"] += 1
            return
        check_report(report)
        seen["parsed"] += 1

    parse()
    edits = sum(v for k, v in seen.items() if k.startswith("op:"))
    record(
        "fuzz",
        "report parser on the real report, mutated (drop, duplicate, shuffle lines; digits "
        "glued to words; pages opened/closed; cut off; control and bidi characters)",
        f"{seen['examples']} reports, {edits} edits",
        f"{seen['parsed']} parsed with every invariant holding (paragraph offsets slice the "
        f"text, markers in range and in order, footnote numbers unique, cache round-trips); "
        f"{seen['rejected']} rejected with ReportFormatError; 0 other exceptions",
    )


def test_parser_on_arbitrary_bytes_decoded() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=PARSER_EXAMPLES, deadline=None)
    @given(st.binary(max_size=3000))
    def parse(data: bytes) -> None:
        seen["examples"] += 1
        try:
            report = parse_report(data.decode("utf-8", "surrogateescape"))
        except ReportFormatError:
            seen["rejected"] += 1
            return
        check_report(report)
        seen["parsed"] += 1

    parse()
    record(
        "fuzz",
        "report parser on random bytes (decoded with surrogateescape)",
        f"{seen['examples']} inputs up to 3 KB",
        f"{seen['parsed']} parsed with every invariant holding; {seen['rejected']} rejected "
        "with ReportFormatError; 0 other exceptions",
    )


# --- the citation renderers -----------------------------------------------------------------

ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "</mark></div><script>",
    '"><svg onload=alert(1)>',
    "&lt;script&gt;",
    "${alert(1)}",
    "{{constructor.constructor('alert(1)')()}}",
    "$$x$$",
    "[1]",
    "[^2]",
    "[99]",
    "\n",
    'https://e.org/?q=<script>&a="1"',
    "javascript:alert(1)",
    "\u202e",
]
hostile = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(ATTACKS)), max_size=6).map(
    "".join
)
ALLOWED_TAGS = {
    "a", "blockquote", "br", "details", "div", "h3", "h4", "li", "mark", "p", "span", "summary",
    "sup", "ul",
}  # fmt: skip
TAG_RE = re.compile(r"<\s*/?\s*([a-zA-Z][\w:-]*)")
HREF_RE = re.compile(r'href="([^"]*)"')


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    notes = []
    for n in range(1, draw(st.integers(0, 3)) + 1):
        url = draw(st.one_of(st.just("https://example.org/a?b=1&c=2"), hostile))
        notes.append(
            Footnote(n, draw(hostile), (url,), None, "web page", None, 1, draw(hostile), None)
        )
    citations = []
    for marker in range(1, draw(st.integers(0, 4)) + 1):
        quote = draw(hostile.filter(bool))
        before, after = draw(hostile), draw(hostile)
        kind = draw(st.sampled_from(["body", "caption", "footnote", "source"]))
        citations.append(
            Citation(
                marker=marker,
                chunk_id=f"c{marker}",
                quote=quote,
                start=len(before),
                end=len(before) + len(quote),
                page=draw(st.integers(1, 20)),
                section=draw(hostile),
                kind=kind,
                source=draw(hostile) if kind == "source" else "report",
                footnotes=tuple(notes),
                context=before + quote + after,
                source_excerpt=draw(st.none() | hostile),
                source_status=draw(st.none() | hostile),
            )
        )
    markers = " ".join(f"[{c.marker}]" for c in citations)
    return Answer(
        question=draw(hostile),
        text=draw(hostile) + " " + markers,
        citations=tuple(citations),
        refused=draw(st.booleans()) and not citations,
        notes=tuple(draw(st.lists(hostile, max_size=2))),
        resolved_question=draw(st.none() | hostile),
    )


def check_html(page: str) -> None:
    """Only our own markup: known tags, no handlers, links to #anchors or http(s) only."""
    assert {t.lower() for t in TAG_RE.findall(page)} <= ALLOWED_TAGS, page
    assert "<script" not in page.lower() and "$" not in page and "{" not in page
    bare = re.sub(r'"[^"]*"', '""', page)  # attribute values are quoted and escaped
    assert not re.search(r"<[^>]*\son\w+\s*=", bare)  # no event-handler attribute in a tag
    for href in HREF_RE.findall(page):
        assert href.startswith(("#", "http://", "https://")), href


def test_citation_renderers_on_hostile_text() -> None:
    seen: Counter[str] = Counter()

    @settings(
        max_examples=RENDER_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(answers())
    def show(answer: Answer) -> None:
        seen["examples"] += 1
        seen["citations"] += len(answer.citations)
        lookup = Report.of_footnotes(f for c in answer.citations for f in c.footnotes).footnote_map
        plain, markdown = render_plain(answer, lookup), render_markdown(answer, lookup)
        data = json.loads(render_json(answer))
        assert data["answer"] == answer.text
        assert [c["quote"] for c in data["citations"]] == [c.quote for c in answer.citations]
        for c in answer.citations:
            assert f"“{c.quote}”" in plain
            assert f"“{c.quote.replace(chr(10), ' ')}”" in markdown

        bubble = render.answer_html(answer, turn=1)
        cards = render.citation_cards(answer, lookup, turn=1)
        panel = render.panel_html([render.PanelEntry(1, answer.question, cards)])
        asked = render.question_html(answer.question)
        for page in (bubble, cards, panel, asked, render.error_html(answer.text)):
            check_html(page)
        if not answer.refused:
            marked = re.findall(r"<mark>(.*?)</mark>", cards, flags=re.S)
            assert [html.unescape(m) for m in marked] == [c.quote for c in answer.citations]
        shown = re.sub(r"<[^>]+>", "", asked.replace("<br>", "\n"))
        assert html.unescape(shown) == answer.question

    show()
    record(
        "fuzz",
        "citation renderers (plain, Markdown, JSON, web HTML: answer bubble, citation cards, "
        "panel, question) on arbitrary text mixed with HTML/JS attacks",
        f"{seen['examples']} answers, {seen['citations']} citations",
        "no crash; every quote verbatim in plain/JSON (and in the web card's <mark>, "
        "unescaped); only our own tags, no <script>, no event handlers, links only #… or "
        "http(s)",
    )


def test_report_page_view_on_hostile_report() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(ATTACKS), min_size=1, max_size=5), st.integers(0, 50))
    def show(attacks: list[str], line: int) -> None:
        seen["examples"] += 1
        lines = list(LINES)
        at = line % len(lines)
        lines[at] = lines[at] + " " + " ".join(a.replace("\n", " ") for a in attacks)
        try:
            report = parse_report("\n".join(lines))
        except ReportFormatError:
            return
        for page in report.pages:
            check_html(web_report.page_html(report, page.number))
        for row in web_report.footnote_rows(report):
            assert len(row) == len(web_report.FOOTNOTE_HEADERS)

    show()
    record(
        "fuzz",
        "web report-page view of a report with HTML/JS planted in its lines",
        f"{seen['examples']} reports, every page rendered",
        "no crash; only our own tags, no <script>, no event handlers",
    )


def test_external_links_are_http_only() -> None:
    assert 'href="https://www.x.org/a"' in render.external_link("www.x.org/a")
    assert 'href="http://x.org/?a=1&amp;b=2"' in render.external_link("http://x.org/?a=1&b=2")
    for url in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/relative"):
        shown = render.external_link(url)
        assert "href" not in shown and "<script" not in shown
