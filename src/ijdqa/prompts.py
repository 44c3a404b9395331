"""Prompts and answer templates, loaded from ijdqa/prompts/*.txt (package data, so they ship in
the wheel); named sentinels tests and eval check."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from ijdqa.errors import PackageDataError

REFUSAL_FILE = "refusal"


@lru_cache(maxsize=64)
def template(name: str) -> str:
    """The text of ijdqa/prompts/<name>.txt, without its final newline."""
    try:
        text = (
            resources.files("ijdqa").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")
        )
    except FileNotFoundError as exc:
        raise PackageDataError(
            f"no prompt template named {name!r} in ijdqa/prompts/: reinstall ijdqa"
        ) from exc
    return text.rstrip("\n")


def render(name: str, **values: object) -> str:
    return template(name).format(**values)


def refusal() -> str:
    """The fixed sentence every refusal starts with (the sentinel)."""
    return template(REFUSAL_FILE)
