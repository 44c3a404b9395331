"""The footnote model: Report.footnote / Report.resolve and the one Ibid walk (types.ibid_chain)
that the renderers, the web page and the source list all follow."""

from __future__ import annotations

from ijdqa.render import citation_sources, describe_footnote
from ijdqa.sources.store import cited_urls
from ijdqa.types import Footnote, Report, footnote_urls, ibid_chain, ibid_target
from ijdqa.web_render import footnote_html


def note(
    number: int, text: str, urls: tuple[str, ...] = (), same_as: int | None = None
) -> Footnote:
    kind = "note" if not urls and same_as is None else "web page"
    return Footnote(number, text, urls, None, kind, same_as, 1, None, None)


SOURCE = note(3, "www.a.example/x", ("www.a.example/x",))
IBID = note(4, "Ibid.", same_as=3)
IBID_OF_IBID = note(5, "Ibid.", same_as=4)  # a second Ibid in a row repeats the first one
OWN_AND_IBID = note(6, "Ibid., and https://b.example/y", ("https://b.example/y",), same_as=3)
LOOP_A = note(8, "Ibid.", same_as=9)
LOOP_B = note(9, "Ibid.", same_as=8)
DANGLING = note(10, "Ibid.", same_as=99)
REPORT = Report.of_footnotes((SOURCE, IBID, IBID_OF_IBID, OWN_AND_IBID, LOOP_A, LOOP_B, DANGLING))


def test_footnote_looks_up_by_number() -> None:
    assert REPORT.footnote(4) is IBID
    assert REPORT.footnote(7) is None
    assert REPORT.footnote_map[3] is SOURCE


def test_resolve_follows_a_chain_of_ibids_to_the_footnote_with_the_source() -> None:
    assert REPORT.resolve(3) is SOURCE  # not an Ibid: itself
    assert REPORT.resolve(4) is SOURCE
    assert REPORT.resolve(5) is SOURCE  # two steps, not one
    assert REPORT.resolve(42) is None


def test_a_loop_or_a_missing_target_ends_the_walk() -> None:
    assert [n.number for n in ibid_chain(LOOP_A, REPORT.footnote_map)] == [8, 9]
    assert REPORT.resolve(10) is DANGLING
    assert ibid_target(DANGLING, REPORT.footnote_map) is None
    assert ibid_target(IBID_OF_IBID, REPORT.footnote_map) is SOURCE


def test_urls_are_a_footnotes_own_then_those_it_repeats() -> None:
    lookup = REPORT.footnote_map
    assert footnote_urls([IBID_OF_IBID], lookup) == ["www.a.example/x"]
    assert footnote_urls([OWN_AND_IBID], lookup) == ["https://b.example/y", "www.a.example/x"]
    assert footnote_urls([SOURCE, IBID], lookup) == ["www.a.example/x"]  # each once
    # the source list asks the same walk, in fetchable form
    assert cited_urls(IBID_OF_IBID, lookup) == ("https://www.a.example/x",)


def test_every_rendering_names_the_same_target_for_a_chained_ibid() -> None:
    lookup = REPORT.footnote_map
    assert describe_footnote(IBID_OF_IBID, lookup) == "fn 5 (Ibid: fn 3) www.a.example/x"
    [source] = citation_sources((IBID_OF_IBID,), lookup)
    assert source["url"] == "www.a.example/x" and "footnote 3" in str(source["note"])
    html = footnote_html(IBID_OF_IBID, lookup)
    assert "repeats footnote 3" in html and "www.a.example/x" in html


def test_a_note_without_url_is_described_by_its_text() -> None:
    prose = note(11, "The speakers were A and B.")
    assert describe_footnote(prose, {11: prose}) == "fn 11 note: The speakers were A and B."
