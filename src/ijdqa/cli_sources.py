"""`ijdqa sources ...`: list, fetch and import the report's cited sources."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ijdqa.cli_options import common_options, print_json
from ijdqa.errors import IjdqaError

if TYPE_CHECKING:
    from ijdqa.config import Settings


def add_sources(sub: Any) -> None:
    p = sub.add_parser("sources", help="the cited sources: list, fetch, import")
    common_options(p)
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=cmd_sources)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    fetch = actions.add_parser(
        "fetch", help="download the cited URLs (only those) and extract their text"
    )
    fetch.add_argument(
        "--only", type=int, nargs="+", metavar="N", help="only the sources of these footnotes"
    )
    fetch.add_argument("--refetch", action="store_true", help="fetch again what is already fetched")
    fetch.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request (default 10)"
    )
    fetch.add_argument(
        "--no-archive", action="store_true", help="do not try the Wayback Machine copy"
    )
    fetch.add_argument(
        "--archive-base", default=None, help="archive prefix (default the Wayback Machine)"
    )
    fetch.add_argument(
        "--allow-private", action="store_true", help="allow private and loopback addresses"
    )
    fetch.add_argument("--json", action="store_true", help="print the outcome per URL as JSON")
    fetch.set_defaults(handler=cmd_sources_fetch)
    add = actions.add_parser("add", help="import a saved copy (HTML, PDF, text) for a footnote")
    add.add_argument("file", type=Path, help="the saved copy")
    add.add_argument("--footnote", type=int, required=True, help="the footnote it is the source of")
    add.add_argument("--json", action="store_true", help="print the record as JSON")
    add.set_defaults(handler=cmd_sources_add)
    for action in (fetch, add):  # the common options after the action too
        common_options(action)


def _store_and_report(settings: Settings) -> tuple[Any, Any]:
    from ijdqa.app_corpus import load_report
    from ijdqa.sources.store import SourceStore

    return SourceStore(settings.index_dir / "sources"), load_report(settings.report)


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.sources.store import list_sources

    store, report = _store_and_report(settings)
    records = list_sources(report.footnotes, store)
    if args.json:
        print_json([r.as_dict() for r in records])
        return 0
    for r in records:
        notes = ",".join(str(n) for n in r.footnotes)
        detail = r.error or r.title or ""
        print(f"[fn {notes}] {r.status:11} {r.url}{'  — ' + detail if detail else ''}")
        if r.provenance:  # how the stored copy got here: fetched (when, from where) or imported
            print(f"    {r.provenance}")
    print(f"{len(records)} cited source(s)", file=sys.stderr)
    return 0


def cmd_sources_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.sources.collect import fetch_sources
    from ijdqa.sources.store import DEFAULT_ARCHIVE, list_sources

    store, report = _store_and_report(settings)
    records = list_sources(report.footnotes, store)
    if args.only:
        wanted = set(args.only)
        unknown = wanted - {f.number for f in report.footnotes}
        if unknown:
            raise IjdqaError(f"no footnote {', '.join(map(str, sorted(unknown)))} in the report")
        records = [r for r in records if wanted & set(r.footnotes)]
    if not records:
        raise IjdqaError("no cited URL to fetch for those footnotes")
    total = len(records)
    done = 0

    def progress(outcome: Any) -> None:
        nonlocal done
        done += 1
        reason = f" ({outcome.error})" if outcome.error else ""
        print(f"[{done}/{total}] {outcome.status}: {outcome.url}{reason}", file=sys.stderr)

    outcomes = fetch_sources(
        records,
        store,
        allow_private=args.allow_private,
        archive_base=None if args.no_archive else (args.archive_base or DEFAULT_ARCHIVE),
        timeout=args.timeout,
        refetch=args.refetch,
        progress=progress,
    )
    if args.json:
        print_json([o.as_dict() for o in outcomes])
    failed = [o for o in outcomes if o.status == "failed"]
    print(
        f"{total - len(failed)} of {total} source(s) available; the index picks them up on the next question",
        file=sys.stderr,
    )
    return 1 if failed else 0


def cmd_sources_add(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.sources.collect import import_source

    store, report = _store_and_report(settings)
    note = report.footnote(args.footnote)
    if note is None:
        raise IjdqaError(
            f"no footnote {args.footnote}; the report has footnotes 1 to {len(report.footnotes)}"
        )
    record = import_source(args.file, note, store, footnotes=report.footnotes)
    if args.json:
        print_json(record.as_dict())
    else:
        print(f"imported {args.file} as the source of footnote {args.footnote}: {record.url}")
    return 0
