"""Settings: a keyword that names no setting is an error naming it and what it may have meant;
an IJDQA_* variable that names none is a warning, and the command goes on; a value out of
range is a SettingsError too, the same message the CLI prints."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from ijdqa.config import Settings, unknown_variables
from ijdqa.errors import IjdqaError, SettingsError
from support import run


@pytest.fixture()
def no_stray_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment without IJDQA_* variables other than the session's index folder."""
    for name in list(os.environ):
        if name.upper().startswith("IJDQA_") and name != "IJDQA_INDEX_DIR":
            monkeypatch.delenv(name)


def test_a_misspelt_keyword_is_an_error_naming_it_and_the_setting_meant() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings(_env_file=None, llm_modle="x")
    assert str(raised.value) == "unknown setting 'llm_modle'; did you mean llm_model?"
    assert isinstance(raised.value, IjdqaError)


def test_a_keyword_like_no_setting_lists_them_all() -> None:
    with pytest.raises(SettingsError, match="unknown setting 'k_typo'") as raised:
        Settings(_env_file=None, k_typo=3)
    listed = str(raised.value).split("the settings are ", 1)[1].split(", ")
    assert listed == list(Settings.model_fields)


def test_known_keywords_and_pydantic_settings_options_still_work(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, index_dir=tmp_path, k=3)
    assert settings.index_dir == tmp_path and settings.k == 3


def test_a_value_out_of_range_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match=r"invalid setting \(k: .*1\); check the IJDQA_"):
        Settings(_env_file=None, k=0)


def test_an_unknown_variable_is_a_warning_naming_the_setting_meant(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, no_stray_variables: None
) -> None:
    monkeypatch.setenv("IJDQA_LLM_MODLE", "x")
    monkeypatch.setenv("IJDQA_K", "4")
    with caplog.at_level(logging.WARNING, logger="ijdqa.config"):
        settings = Settings(_env_file=None)
    assert settings.k == 4 and settings.llm_model == "local-model"  # the typo is not read
    assert [r.getMessage() for r in caplog.records] == [
        "warning: IJDQA_LLM_MODLE names no setting and is ignored; did you mean IJDQA_LLM_MODEL?"
    ]


def test_known_variables_warn_of_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, no_stray_variables: None
) -> None:
    monkeypatch.setenv("ijdqa_host", "0.0.0.0")  # read without regard to case, as pydantic does
    with caplog.at_level(logging.WARNING, logger="ijdqa.config"):
        assert Settings(_env_file=None).host == "0.0.0.0"
    assert caplog.records == []


def test_unknown_variables_are_matched_without_regard_to_case() -> None:
    environ = {"IJDQA_K": "1", "ijdqa_Port": "2", "Ijdqa_Kk": "3", "IJDQA_": "4", "PATH": "/"}
    assert unknown_variables(environ, Settings.model_fields) == ["IJDQA_", "Ijdqa_Kk"]


def test_the_cli_reports_an_unknown_variable_and_goes_on() -> None:
    result = run("footnotes", "--json", env={**os.environ, "IJDQA_REPORTT": "x"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[")
    assert result.stderr.splitlines() == [
        "ijdqa: warning: IJDQA_REPORTT names no setting and is ignored; did you mean IJDQA_REPORT?"
    ]
