"""A stored source that contradicts the report on a number or a name (issue 12): both are
shown, each labelled; the report is never silently overruled, under any scope.

The sources are imported through the Python API into a private index folder (a copy of the
repository's, so only the sources' few passages are embedded).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ijdqa.app import Assistant, build_assistant
from ijdqa.app_corpus import load_report
from ijdqa.citations import disagreement
from ijdqa.config import Settings
from ijdqa.sources.collect import import_source
from ijdqa.sources.store import SourceStore
from ijdqa.types import Citation

# footnote 2 backs "... enjoys the support of over 60% of the Lebanese voters"
VIDEO = (
    "Transcript\n\nShadjareh said that Hezbollah is a legitimate organization acting within "
    "the Lebanese political system and enjoys the support of over 35% of the Lebanese voters.\n"
)
# footnote 10 backs "... the apartheid has been eliminated in South Africa"
TWEET = (
    "Tweet\n\nThe Zionist regime will collapse in the same way the apartheid has been "
    "eliminated in Rhodesia.\n"
)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, shared_index: Path) -> Path:
    """The session's index copied, with two imported sources added to the copy."""
    folder = tmp_path_factory.mktemp("index")
    for name in ("encoder", "reports", "report-cache"):
        shutil.copytree(shared_index / name, folder / name)
    report = load_report(None)
    store = SourceStore(folder / "sources")
    for number, text in ((2, VIDEO), (10, TWEET)):
        path = folder.parent / f"fn{number}.txt"
        path.write_text(text, encoding="utf-8")
        note = report.footnote(number)
        assert note is not None
        import_source(path, note, store, footnotes=report.footnotes)
    return folder


@pytest.fixture(scope="module")
def helper(index_dir: Path) -> Assistant:
    return build_assistant(Settings(_env_file=None, index_dir=index_dir))


def test_a_source_giving_another_number_is_shown_beside_the_report(helper: Assistant) -> None:
    answer = helper.ask("What percentage of Lebanese voters did he claim support Hezbollah?")
    assert "60%" in answer.text and "35%" not in answer.text  # the answer stays the report's
    [note] = [n for n in answer.notes if "its cited source" in n]
    assert "the report says 60%" in note and "says 35%" in note
    assert "imported copy, not fetched" in (answer.citations[0].source_status or "")


def test_a_source_naming_another_place_is_shown_beside_the_report(helper: Assistant) -> None:
    answer = helper.ask("To what did Khamenei compare the expected collapse of the Zionist regime?")
    assert "South Africa" in answer.text and "Rhodesia" not in answer.text
    [note] = [n for n in answer.notes if "its cited source" in n]
    assert "the report says South, Africa" in note and "says Rhodesia" in note


def test_a_source_passage_as_the_answer_comes_with_what_the_report_says(
    helper: Assistant,
) -> None:
    """--scope sources: the source's sentence answers, and the note quotes the report's."""
    answer = helper.ask(
        "What share of the Lebanese voters supports Hezbollah?", filters={"scope": "sources"}
    )
    assert answer.citations and answer.citations[0].kind == "source" and "35%" in answer.text
    [note] = [n for n in answer.notes if "the report is not overruled" in n]
    assert "says 35%" in note and "the report says 60%" in note and "footnote 2" in note
    assert "over 60% of the Lebanese voters" in note  # the report's own sentence, shown


def test_agreeing_or_unrelated_sources_add_no_note(helper: Assistant) -> None:
    quote = "He promised that the regime will collapse as the apartheid did in South Africa."

    def cite(excerpt: str) -> Citation:
        return Citation(1, "c", quote, 0, len(quote), 1, "s", "body", "report",
                        source_excerpt=excerpt, source_status="source's own words: u")  # fmt: skip

    # same place, more names around it; another topic altogether; a name in another slot
    assert (
        disagreement(
            cite("The regime will collapse as apartheid did in South Africa, said Ali Khamenei.")
        )
        is None
    )
    assert disagreement(cite("Founded in London in 1997 as a charity.")) is None
    assert (
        disagreement(cite("Ali Khamenei promised the regime will collapse as apartheid did."))
        is None
    )
    assert (
        disagreement(cite("The regime will collapse as the apartheid did in Namibia.")) is not None
    )
