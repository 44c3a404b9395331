"""fileio.atomic_write, the one way ijdqa replaces a file (index manifest and CURRENT, the
sources manifest and copies, the parse cache, eval run files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ijdqa.fileio import atomic_write


def test_atomic_write_replaces_text_or_bytes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    atomic_write(path, "first")
    atomic_write(path, "zweite Fassung ü")
    assert path.read_text(encoding="utf-8") == "zweite Fassung ü"
    atomic_write(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "CURRENT"
    atomic_write(path, "old")

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["CURRENT"]
