"""The options and output helpers every `ijdqa` command shares, declared once: the common
options (before or after the command name), the chat-model options, `--no-build`, `--k`, the
progress counter on stderr, a report's warnings on stderr and JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ijdqa.config import K_MAX
from ijdqa.errors import IjdqaError

if TYPE_CHECKING:
    from ijdqa.config import Settings
    from ijdqa.types import Report


# flag, type, help: the settings every command can be given on its command line
COMMON_OPTIONS: tuple[tuple[str, type, str], ...] = (
    ("--report", Path, "a report-style text file instead of the bundled report (IJDQA_REPORT)"),
    ("--index-dir", Path, "where the index lives (default: index/; IJDQA_INDEX_DIR)"),
    ("--embedding-model", Path, "a local sentence-transformers folder (IJDQA_EMBEDDING_MODEL)"),
    (
        "--chroma-url",
        str,
        "http://HOST:PORT of a Chroma server instead of the local store (IJDQA_CHROMA_URL)",
    ),
)


def common_options(p: Any) -> None:
    """Options every command takes, before or after its name: `ijdqa --report R ask ...` and
    `ijdqa ask ... --report R` are the same. SUPPRESS leaves an option unset unless given, so
    a subcommand's parser never overwrites what the main parser read."""
    group = p.add_argument_group("common options (before or after the command)")
    for flag, kind, text in COMMON_OPTIONS:
        group.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=text)


def llm_options(p: Any) -> None:
    """Which model answers (the commands that answer: ask, eval, chat)."""
    p.add_argument(
        "--llm",
        choices=["none", "local", "openai", "ollama"],
        help="answer with a model: local = the bundled Gemma 3 270M (make llm) (IJDQA_LLM)",
    )
    p.add_argument("--llm-model", help="model name sent to the endpoint (IJDQA_LLM_MODEL)")
    p.add_argument(
        "--llm-base-url", help="OpenAI-compatible or Ollama base URL (IJDQA_LLM_BASE_URL)"
    )
    p.add_argument(
        "--llm-timeout", type=float, help="seconds before falling back (IJDQA_LLM_TIMEOUT)"
    )
    p.add_argument(
        "--llm-context",
        type=int,
        metavar="TOKENS",
        help="the model's context window; prompts are cut to fit (IJDQA_LLM_CONTEXT)",
    )


def no_build_option(p: Any) -> None:
    """`--no-build`: the commands that open the index fail instead of building it."""
    p.add_argument(
        "--no-build", action="store_true", help="fail instead of building a missing index"
    )


def k_option(value: int | None, settings: Settings) -> int:
    k = settings.k if value is None else value
    if not 1 <= k <= K_MAX:
        raise IjdqaError(f"--k must be between 1 and {K_MAX}, got {k}")
    return k


def progress(label: str) -> Callable[[int, int], None]:
    """A counter redrawn in place on a terminal; in a log, a line per quarter done."""
    tty = sys.stderr.isatty()
    shown = [-1]

    def show(done: int, total: int) -> None:
        if tty:
            end = "\n" if done >= total else ""
            print(f"\rijdqa: {label} {done}/{total}", end=end, file=sys.stderr, flush=True)
            return
        quarter = 4 * done // max(total, 1)
        if quarter > shown[0]:
            shown[0] = quarter
            print(f"ijdqa: {label} {done}/{total}", file=sys.stderr, flush=True)

    return show


def print_json(data: object) -> None:
    """Indented JSON on stdout (`--json` of every command but `ask`, which prints one line)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def warn_report(report: Report) -> None:
    """The parse's warnings about a report on stderr (not the bundled report's)."""
    if report.name == "bundled report":
        return  # its one warning (an empty appendix entry) is known and tested
    for warning in report.warnings:
        print(f"ijdqa: warning: {warning}", file=sys.stderr)
