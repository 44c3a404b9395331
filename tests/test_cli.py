"""The CLI through its real console entry point (a subprocess), as users and scripts call it."""

from __future__ import annotations

import json

import pytest

from support import DATA, run


def test_footnotes_json_contract() -> None:
    result = run("footnotes", "--json")
    assert result.returncode == 0, result.stderr
    notes = json.loads(result.stdout)
    assert len(notes) == 24
    assert set(notes[0]) == {
        "number",
        "text",
        "urls",
        "date",
        "kind",
        "same_as",
        "page",
        "cited_in",
    }
    assert notes[14]["same_as"] == 14 and notes[23]["same_as"] == 23
    assert notes[1]["date"] == "2020-03-01"


def test_organizations_by_country_accepts_common_forms() -> None:
    malaysia = json.loads(run("organizations", "--country", "malaysia", "--json").stdout)
    assert len(malaysia) == 22
    assert set(malaysia[0]) == {"number", "name", "country", "city", "region", "page", "repeat_of"}
    uk = json.loads(run("organizations", "--country", "Britain", "--json").stdout)
    assert (
        len(uk) == len(json.loads(run("organizations", "--country", "UK", "--json").stdout)) == 36
    )
    usa = json.loads(run("organizations", "--country", "USA", "--json").stdout)
    assert {o["country"] for o in usa} == {"United States"}


def test_report_page_json_has_marker_offsets() -> None:
    pages = json.loads(run("report", "--page", "2", "--json").stdout)
    assert pages[0]["page"] == 2
    markers = [m["number"] for p in pages[0]["paragraphs"] for m in p["markers"]]
    assert markers == [6, 7]


def test_another_report_via_flag_and_environment() -> None:
    result = run("--report", str(DATA / "synthetic_report.txt"), "footnotes", "--json")
    assert len(json.loads(result.stdout)) == 17
    import os

    env = {**os.environ, "IJDQA_REPORT": str(DATA / "synthetic_report.txt")}
    assert len(json.loads(run("footnotes", "--json", env=env).stdout)) == 17


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01binary\x00", "binary"), (b"\xff\xfe\xfd", "UTF-8")],
)
def test_bad_report_files_give_one_line_and_nonzero_exit(tmp_path, content, message) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = run("--report", str(path), "footnotes")
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_report_and_bad_page() -> None:
    missing = run("--report", "/nonexistent/report.txt", "footnotes")
    assert missing.returncode == 1 and "not found" in missing.stderr
    page = run("report", "--page", "999")
    assert page.returncode == 1 and "no page 999" in page.stderr


def test_bad_setting_in_environment_is_reported() -> None:
    import os

    result = run("footnotes", env={**os.environ, "IJDQA_K": "many"})
    assert result.returncode == 1 and "IJDQA_" in result.stderr and "Traceback" not in result.stderr
