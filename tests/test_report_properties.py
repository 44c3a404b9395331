"""Property tests: generated report-style texts, and arbitrary text, through the parser."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ijdqa.errors import ReportFormatError
from ijdqa.report.parse import parse_report

WORDS = ["harbour", "festival", "council", "campaign", "river", "lantern", "board", "city", "quay"]

sentences = st.lists(st.sampled_from(WORDS), min_size=4, max_size=9).map(
    lambda ws: " ".join(ws).capitalize()
)
notes = st.lists(
    st.tuples(sentences, st.integers(1, 28), st.integers(1, 12), st.integers(1000, 9999)),
    min_size=1,
    max_size=8,
)


def render(items: list[tuple[str, int, int, int]]) -> str:
    """One page per item: a sentence carrying marker n, then a footnote block for it."""
    lines: list[str] = []
    for n, (sentence, day, month, ident) in enumerate(items, start=1):
        lines.append(f" {sentence} about item {ident} of the report{n}.")
        lines.append(f" {day}.{month}.21. https://example.org/item/{ident}/{n}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes, st.data())
def test_removing_a_paragraph_and_its_footnote_renumbers(items, data) -> None:
    full = parse_report(render(items))
    assert [f.number for f in full.footnotes] == list(range(1, len(items) + 1))
    drop = data.draw(st.integers(0, len(items) - 1))
    rest = items[:drop] + items[drop + 1 :]
    if not rest:
        return
    shorter = parse_report(render(rest))
    assert [f.number for f in shorter.footnotes] == list(range(1, len(rest) + 1))
    kept = [f for f in full.footnotes if f.number != drop + 1]
    for before, after in zip(kept, shorter.footnotes, strict=True):
        # the same body and the same citing sentence, under the new number
        assert before.text.split("/")[-2] == after.text.split("/")[-2]
        assert before.cited_in == after.cited_in
        assert before.date == after.date


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_or_raises_the_documented_error(raw: str) -> None:
    try:
        report = parse_report(raw)
    except ReportFormatError:
        return
    for para in report.paragraphs:
        assert report.text[para.start : para.end] == para.text
    for marker in report.markers:
        assert 0 <= marker.offset <= len(report.text)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                " ",
                "12",
                "3.4.20.",
                "Ibid",
                "https://x.org/a",
                "1. A, UK",
                "Appendix 1",
                "word9",
                "100.",
                "(see",
                ")",
                "”7",
                "\n",
                "a",
            ]
        ),
        max_size=60,
    )
)
def test_report_shaped_noise_never_crashes(parts: list[str]) -> None:
    with contextlib.suppress(ReportFormatError):
        parse_report(" ".join(parts).replace(" \n ", "\n "))
