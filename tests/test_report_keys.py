"""Builds keyed by the report's sha256 (issue 12): two reports' indexes live side by side in one
index folder, switching between them rebuilds nothing, and an index of the older one-report
layout is taken over without embedding again.

The reports: the first page of tests/data/synthetic_report.txt and a smaller one written here,
footnotes and all. The encoder is copied from the session's index (conftest.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ijdqa import app_index, cli
from ijdqa.app import build_assistant
from ijdqa.app_corpus import load_corpus
from ijdqa.app_index import ensure_index, report_index_dir
from ijdqa.config import Settings
from ijdqa.errors import IndexNotBuiltError
from ijdqa.search.build import BuildResult
from support import copy_encoder

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = """\
 In April 2019 the Northfell Valley Archive, a volunteer society that has collected the letters and
photographs of the upland farms of Northfell since 1972, opened a reading room in the old mill at Brackenby.
The archive holds about 4,800 letters, most of them written by shepherds and their families between 1880 and
1950, and it lends them to schools in the valley every winter. The society describes itself as an open
group of readers and keepers who want the valley to remember its own voice1.

The Reading Room

The reading room was paid for by a grant of 65,000 pounds from the county heritage fund2. Its first keeper
was Ingrid Haldane, a retired teacher from Brackenby who had catalogued the letters by hand for twenty
years. In its first season the room welcomed 1,250 visitors, a third of them from outside the valley3.
1
https://www.northfellarchive.org.uk/about/
2
12.3.19. https://www.countyheritage.gov.uk/grants/2019/northfell-reading-room
3
The society's annual letter to its members, October 2019.
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("reports")
    harbour = folder / "harbour.txt"
    lines = (ROOT / "tests" / "data" / "synthetic_report.txt").read_text(encoding="utf-8")
    harbour.write_text("\n".join(lines.split("\n")[21:47]) + "\n", encoding="utf-8")
    archive = folder / "archive.txt"
    archive.write_text(ARCHIVE, encoding="utf-8")
    return harbour, archive


@pytest.fixture(scope="module")
def encoder(shared_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder holding only the prepared encoder (the session's index's)."""
    return copy_encoder(shared_index, tmp_path_factory.mktemp("encoder"))


def index_folder(encoder: Path, dst: Path) -> Path:
    dst.mkdir()
    (dst / "encoder").symlink_to(encoder / "encoder", target_is_directory=True)
    return dst


def settings(index_dir: Path, report: Path) -> Settings:
    return Settings(_env_file=None, index_dir=index_dir, report=report)


def build(index_dir: Path, report: Path, **kwargs: bool) -> BuildResult:
    return ensure_index(settings(index_dir, report), load_corpus(report, index_dir), **kwargs)


def test_two_reports_live_side_by_side_and_switching_back_rebuilds_nothing(
    reports: tuple[Path, Path], encoder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harbour, archive = reports
    index_dir = index_folder(encoder, tmp_path / "index")
    first = build(index_dir, harbour)
    other = build(index_dir, archive)
    assert first.rebuilt and other.rebuilt and first.build_id != other.build_id
    folders = {report_index_dir(index_dir, load_corpus(r, index_dir)) for r in reports}
    assert {p for p in (index_dir / "reports").iterdir()} == folders  # two, side by side

    # each answers from its own text, whichever was built last
    for report, question, fact, foreign in (
        (harbour, "When was the Trust founded?", "1986", "Northfell"),
        (archive, "How many letters does the archive hold?", "4,800", "Saltmere"),
    ):
        own = report.read_text(encoding="utf-8")
        answer = build_assistant(settings(index_dir, report), build=False).ask(question)
        assert not answer.refused and fact in answer.text, answer.text
        assert answer.citations and all(" ".join(c.quote.split()) for c in answer.citations)
        assert all(c.quote.split()[0] in own for c in answer.citations)
        assert foreign not in answer.text

    # back to the first: up to date, nothing embedded, the same build; `ijdqa index` says which
    again = build(index_dir, harbour)
    assert not again.rebuilt and again.embedded == 0 and again.build_id == first.build_id
    code = cli.main(["--report", str(harbour), "index", "--json", "--index-dir", str(index_dir)])
    shown = json.loads(capsys.readouterr().out)
    assert code == 0 and shown["rebuilt"] is False and shown["build_id"] == first.build_id
    assert shown["report"] == str(harbour)
    assert len(shown["report_sha256"]) == 64 and shown["index"].endswith(
        shown["report_sha256"][:16]
    )
    code = cli.main(["--report", str(archive), "index", "--index-dir", str(index_dir)])
    text = capsys.readouterr().out
    assert code == 0 and "up to date" in text and f"build {other.build_id}" in text
    assert str(archive) in text


def test_an_index_of_the_older_layout_is_taken_over_without_embedding(
    reports: tuple[Path, Path], encoder: Path, tmp_path: Path
) -> None:
    """CURRENT and builds/ in the index folder itself (before builds were keyed): `--no-build`
    says to run `ijdqa index`; a build reuses every vector, then removes the old layout."""
    _, archive = reports
    index_dir = index_folder(encoder, tmp_path / "index")
    build(index_dir, archive)
    keyed = report_index_dir(index_dir, load_corpus(archive, index_dir))
    for name in ("CURRENT", "builds"):
        (keyed / name).rename(index_dir / name)
    shutil.rmtree(index_dir / "reports")

    with pytest.raises(IndexNotBuiltError, match="ijdqa index"):
        build_assistant(settings(index_dir, archive), build=False)
    taken = build(index_dir, archive)
    assert taken.rebuilt and taken.embedded == 0
    assert not (index_dir / "CURRENT").exists() and not (index_dir / "builds").exists()
    answer = build_assistant(settings(index_dir, archive), build=False).ask(
        "How many letters does the archive hold?"
    )
    assert "4,800" in answer.text


def test_the_least_recently_built_reports_are_removed_beyond_the_limit(
    encoder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = index_folder(encoder, tmp_path / "index")
    monkeypatch.setattr(app_index, "MAX_REPORTS", 2)
    variants, embedded = [], []
    for n, place in enumerate(("Brackenby", "Ashwick", "Carrow")):
        path = tmp_path / f"variant{n}.txt"
        path.write_text(ARCHIVE.replace("Brackenby", place), encoding="utf-8")
        variants.append(report_index_dir(index_dir, load_corpus(path, index_dir)))
        embedded.append(build(index_dir, path).embedded)
    # the other reports' vectors are reused: a variant embeds only the texts it changed
    assert 0 < embedded[1] < embedded[0] and 0 < embedded[2] < embedded[0]
    assert sorted((index_dir / "reports").iterdir()) == sorted(variants[1:])


def test_a_report_indexes_only_the_stored_sources_it_cites(
    reports: tuple[Path, Path], encoder: Path, tmp_path: Path
) -> None:
    """The sources folder is shared by the reports of an index folder: a copy imported for one
    report's footnote is no evidence in another report's index."""
    from ijdqa.sources.collect import import_source
    from ijdqa.sources.store import SourceStore

    harbour, archive = reports
    index_dir = index_folder(encoder, tmp_path / "index")
    page = tmp_path / "about.txt"
    page.write_text("About\n\nThe Trust keeps a list of its partners on this page.\n")
    notes = load_corpus(harbour, index_dir).report.footnotes
    import_source(page, notes[0], SourceStore(index_dir / "sources"), footnotes=notes)
    with_source = load_corpus(harbour, index_dir)
    assert [s.footnotes for s in with_source.sources] == [(notes[0].number,)]
    assert load_corpus(archive, index_dir).sources == ()
