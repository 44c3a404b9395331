"""`ijdqa footnotes`, `ijdqa organizations`, `ijdqa report`: the report as parsed, no index."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ijdqa.cli_options import common_options, print_json, warn_report
from ijdqa.errors import IjdqaError

if TYPE_CHECKING:
    from ijdqa.config import Settings
    from ijdqa.types import Report


def add_footnotes(sub: Any) -> None:
    p = sub.add_parser("footnotes", help="list the report's footnotes")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    common_options(p)
    p.set_defaults(handler=cmd_footnotes)


def cmd_footnotes(args: argparse.Namespace, settings: Settings) -> int:
    report = _report(settings)
    if args.json:
        print_json([f.as_dict() for f in report.footnotes])
        return 0
    for f in report.footnotes:
        extra = f" (Ibid: same as {f.same_as})" if f.same_as else ""
        print(f"[{f.number}] p.{f.page} {f.date or '-':10} {f.kind:8} {f.text}{extra}")
    return 0


def add_organizations(sub: Any) -> None:
    p = sub.add_parser("organizations", help="list the partner organizations of the appendix")
    p.add_argument("--country", help="only this country (UK, Britain, USA ... are understood)")
    p.add_argument("--region", help="only this region as printed (Europe, Asia, Africa)")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    common_options(p)
    p.set_defaults(handler=cmd_organizations)


def cmd_organizations(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.report.organizations import filter_organizations

    report = _report(settings)
    orgs = filter_organizations(report.organizations, country=args.country, region=args.region)
    if args.json:
        print_json([o.as_dict() for o in orgs])
        return 0
    for o in orgs:
        where = ", ".join(x for x in (o.city, o.country, o.region) if x)
        repeat = f" (repeats {o.repeat_of})" if o.repeat_of else ""
        print(f"{o.number:4}. {o.name} — {where or 'location not given'}{repeat}")
    print(f"{len(orgs)} organization(s)", file=sys.stderr)
    return 0


def add_report(sub: Any) -> None:
    p = sub.add_parser("report", help="print the clean report text, or its pages as JSON")
    p.add_argument("--page", type=int, help="only this page")
    p.add_argument("--json", action="store_true", help="pages with paragraphs and marker offsets")
    common_options(p)
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    report = _report(settings)
    pages = report.pages
    if args.page is not None:
        pages = tuple(p for p in pages if p.number == args.page)
        if not pages:
            raise IjdqaError(f"no page {args.page}; the report has pages 1 to {len(report.pages)}")
    if args.json:
        print_json([_page_json(report, page.number) for page in pages])
        return 0
    if args.page is None:
        print(report.text)
        return 0
    for para in report.paragraphs:
        if para.page == args.page:
            print(para.text + "\n")
    return 0


def _page_json(report: Report, number: int) -> dict[str, object]:
    paras = [p for p in report.paragraphs if p.page == number]
    return {
        "page": number,
        "paragraphs": [
            {
                "index": p.index,
                "kind": p.kind,
                "section": p.section,
                "start": p.start,
                "end": p.end,
                "text": p.text,
                "markers": [{"number": m.number, "offset": m.offset} for m in p.markers],
            }
            for p in paras
        ],
        "footnotes": [f.number for f in report.footnotes if f.page == number],
    }


def _report(settings: Settings) -> Report:
    from ijdqa.app_corpus import load_report

    report = load_report(settings.report)
    warn_report(report)
    return report
