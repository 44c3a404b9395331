"""`ijdqa ask`: one question, several, or a batch file; as text, Markdown or JSON (docs/json.md).

A batch file holds one question a line, or JSON Lines `{"question": ..., "history": [...],
"id": ...}` (the two may mix; blank lines are skipped). Every question gets one result, in
order; a line that cannot be read or answered gets an error result and the batch goes on.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ijdqa.cli_options import (
    common_options,
    k_option,
    llm_options,
    no_build_option,
    progress,
)
from ijdqa.errors import IjdqaError, QueryError
from ijdqa.fileio import read_capped

if TYPE_CHECKING:
    from ijdqa.app import Assistant
    from ijdqa.config import Settings
    from ijdqa.types import Answer, Footnote, Turn

FORMATS = ("text", "markdown", "json")
MAX_BATCH_BYTES = 20_000_000  # a batch is questions, not a corpus
MAX_HISTORY_BYTES = 5_000_000  # like the report; 10,000 turns are 0.6 MB


@dataclass(frozen=True)
class Item:
    """One question of a run: where it came from (batch line) and what to ask."""

    question: str | None
    history: tuple[Turn, ...] = ()
    id: object = None
    line: int | None = None
    error: str | None = None  # set when the line itself is unusable


def add_ask(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer questions with footnote-level citations")
    p.add_argument("question", nargs="*", help="the question (quote it); several are asked in turn")
    p.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help="questions from FILE: one a line, or JSONL {question, history?, id?}; - is stdin",
    )
    p.add_argument("--k", type=int, default=None, help="how many passages to read (default 6)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--format", choices=FORMATS, dest="format", help="output (default text)")
    fmt.add_argument(
        "--json", dest="format", action="store_const", const="json", help="--format json"
    )
    fmt.add_argument(
        "--markdown",
        dest="format",
        action="store_const",
        const="markdown",
        help="--format markdown",
    )
    p.add_argument(
        "--history", type=Path, help="a JSON file of earlier turns [{role, content}, ...]"
    )
    p.add_argument(
        "--scope", choices=["report", "sources", "all"], help="what to answer from (default report)"
    )
    common_options(p)
    llm_options(p)
    no_build_option(p)
    p.set_defaults(handler=cmd_ask)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.app import build_assistant

    history = read_history(args.history) if args.history else ()
    items = list(_items(args, history))
    if not items:
        raise QueryError("give a question, or --batch FILE with one question a line")
    k = k_option(args.k, settings)
    assistant = build_assistant(settings, build=not args.no_build, progress=progress("embedding"))
    lookup = assistant.report.footnote_map
    several = args.batch is not None or len(items) > 1
    failed = 0
    for n, item in enumerate(items, 1):
        answer, error = _answer(assistant, item, k=k, scope=args.scope, keep_going=several)
        failed += error is not None
        out = render(args.format or "text", item, answer, error, lookup, n=n if several else None)
        print(out, end="", flush=True)
    if failed:
        print(f"ijdqa: {failed} of {len(items)} question(s) failed", file=sys.stderr)
    return 1 if failed else 0


def _answer(
    assistant: Assistant, item: Item, *, k: int, scope: str | None, keep_going: bool
) -> tuple[Answer | None, str | None]:
    """The answer, or (in a batch) the error message in its place; alone, an error is raised."""
    if item.error is not None:
        return None, item.error
    filters = {"scope": scope} if scope else None
    try:
        answer = assistant.ask(item.question or "", history=item.history, k=k, filters=filters)
    except IjdqaError as exc:  # one bad question is one error result, not the end of the batch
        if not keep_going:
            raise
        return None, str(exc)
    return answer, None


# --- reading questions -------------------------------------------------------------------


def _items(args: argparse.Namespace, history: tuple[Turn, ...]) -> Iterator[Item]:
    for question in args.question:
        yield Item(question, history)
    if args.batch is not None:
        yield from batch_items(_read_batch(args.batch), history)


def _read_batch(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read(MAX_BATCH_BYTES + 1)[:MAX_BATCH_BYTES]
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BATCH_BYTES + 1)
    except OSError as exc:
        raise IjdqaError(f"cannot read batch file {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BATCH_BYTES:
        raise IjdqaError(f"batch file {path} is over {MAX_BATCH_BYTES // 1_000_000} MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IjdqaError(f"batch file {path} is not UTF-8 text (byte {exc.start})") from exc


def batch_items(text: str, history: tuple[Turn, ...] = ()) -> Iterator[Item]:
    """One Item per non-blank line: a plain question, or a JSON object with `question`."""
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if not line.startswith("{"):
            yield Item(line, history, line=number)
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            yield Item(None, line=number, error=f"line {number}: not valid JSON ({exc})")
            continue
        yield _json_item(data, number, history)


def _json_item(data: Any, number: int, history: tuple[Turn, ...]) -> Item:
    ident = data.get("id") if isinstance(data, dict) else None
    if not isinstance(ident, str | int | float | type(None)) or isinstance(ident, bool):
        ident = None
    question = data.get("question") if isinstance(data, dict) else None
    if not isinstance(question, str):
        error = f'line {number}: a JSON line needs a "question" string'
        return Item(None, id=ident, line=number, error=error)
    try:
        turns = parse_history(data["history"], f"line {number}") if "history" in data else history
    except IjdqaError as exc:
        return Item(question, id=ident, line=number, error=str(exc))
    return Item(question, turns, id=ident, line=number)


def read_history(path: Path) -> tuple[Turn, ...]:
    """A bounded read: `--history /dev/zero` or a 20 GB file stops at the cap with one line."""
    try:
        raw = read_capped(path, MAX_HISTORY_BYTES)
    except OSError as exc:
        raise IjdqaError(f"cannot read history {path}: {exc}") from exc
    if raw is None:
        raise IjdqaError(
            f"history {path} is over {MAX_HISTORY_BYTES // 1_000_000} MB; "
            "pass the recent turns of the conversation, not a whole archive"
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise IjdqaError(f"cannot read history {path}: {exc}") from exc
    return parse_history(data, str(path))


def parse_history(data: object, where: str) -> tuple[Turn, ...]:
    """A JSON array of {role, content} -> Turns; anything else is one clear error."""
    from ijdqa.types import Turn

    if not isinstance(data, list) or not all(
        isinstance(t, dict) and isinstance(t.get("content"), str) for t in data
    ):
        raise IjdqaError(f"{where}: history must be a JSON array of {{role, content}} objects")
    return tuple(Turn(str(t.get("role", "user")), t["content"]) for t in data)


# --- writing results ---------------------------------------------------------------------

_FOOTNOTE_LABEL = re.compile(r"\[\^(\d+)\]")


def render(
    fmt: str,
    item: Item,
    answer: Answer | None,
    error: str | None,
    lookup: Mapping[int, Footnote],
    *,
    n: int | None = None,
) -> str:
    """One result as text, Markdown or a JSON line; `n` numbers the results of a batch."""
    if fmt == "json":
        return json.dumps(result_dict(item, answer, error, lookup, batch=n is not None)) + "\n"
    from ijdqa.render import render_markdown, render_plain

    title = item.question if item.question is not None else f"(line {item.line})"
    if fmt == "markdown":
        body = f"**Error:** {error}\n" if answer is None else render_markdown(answer, lookup)
        if n is None:
            return body
        # footnote labels of one paste must be unique: [^1] of question 2 becomes [^2-1]
        body = _FOOTNOTE_LABEL.sub(lambda m: f"[^{n}-{m.group(1)}]", body)
        return f"### {n}. {title}\n\n{body}\n"
    body = f"error: {error}" if answer is None else render_plain(answer, lookup)
    return f"{body}\n" if n is None else f"Q{n}: {title}\n{body}\n\n"


def result_dict(
    item: Item,
    answer: Answer | None,
    error: str | None,
    lookup: Mapping[int, Footnote],
    *,
    batch: bool,
) -> dict[str, object]:
    from ijdqa.render import answer_dict

    head: dict[str, object] = {"id": item.id, "line": item.line} if batch else {}
    if answer is None:
        return {**head, "question": item.question, "error": error}
    return {**head, **answer_dict(answer, lookup)}
