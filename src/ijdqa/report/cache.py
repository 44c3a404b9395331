"""A parsed Report as JSON, so a cold `ijdqa ask` need not parse the report again. Pure."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ijdqa.types import Footnote, Marker, Organization, Page, Paragraph, Report

FORMAT = 1


def dumps(report: Report) -> str:
    return json.dumps({"format": FORMAT, "report": asdict(report)}, ensure_ascii=False)


def loads(text: str) -> Report | None:
    """The cached Report, or None when the text is not a cache this version wrote."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            return None
        return _report(data["report"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _report(d: dict[str, Any]) -> Report:
    return Report(
        text=d["text"],
        paragraphs=tuple(_paragraph(p) for p in d["paragraphs"]),
        pages=tuple(
            Page(p["number"], tuple(p["paragraphs"]), tuple(p["footnotes"])) for p in d["pages"]
        ),
        footnotes=tuple(Footnote(**{**f, "urls": tuple(f["urls"])}) for f in d["footnotes"]),
        organizations=tuple(Organization(**o) for o in d["organizations"]),
        warnings=tuple(d["warnings"]),
        name=d["name"],
    )


def _paragraph(p: dict[str, Any]) -> Paragraph:
    markers = tuple(Marker(**m) for m in p["markers"])
    return Paragraph(**{**p, "markers": markers, "pages": tuple(p["pages"])})
