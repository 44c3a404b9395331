"""Footnote blocks -> numbered Footnotes. Pure.

A block is the run of lines after a page's text. Each body may be preceded by its number on a
line of its own; the extraction drops some numbers and prints others out of place, so numbers
come from the markers the block answers (its `pending` markers, in reading order): labelled
bodies keep their label, unlabelled bodies take the remaining numbers in order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ijdqa.text import sentence_at
from ijdqa.types import Footnote, FootnoteKind, Marker, Paragraph

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()\"]+")
DATE_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})\.?(?=\s|$|\))")
_LABEL_RE = re.compile(r"^\d{1,3}$")
_IBID_RE = re.compile(r"^ibid\b\.?", re.IGNORECASE)
_NEWS_PATH = re.compile(r"/(19|20)\d\d/\d{1,2}/|/news/|/issue/|/article", re.IGNORECASE)


@dataclass
class NoteBlock:
    page: int
    pending: tuple[int, ...]
    lines: list[str] = field(default_factory=list)


@dataclass
class _Body:
    lines: list[str]
    label: int | None = None

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def is_label(line: str, pending: list[int] | tuple[int, ...]) -> bool:
    return bool(_LABEL_RE.match(line)) and int(line) in pending


def looks_like_note_start(line: str, pending: list[int] | tuple[int, ...]) -> bool:
    return _starts_body(line) or is_label(line, pending)


def _starts_body(line: str) -> bool:
    return bool(URL_RE.match(line) or DATE_RE.match(line) or _IBID_RE.match(line))


def split_bodies(lines: list[str]) -> tuple[list[_Body], list[int]]:
    """Split a block into bodies; return them and the labels printed with no body after them."""
    bodies: list[_Body] = []
    dangling: list[int] = []
    label: int | None = None
    for line in (ln for ln in lines if ln):
        if _LABEL_RE.match(line):
            if label is not None:
                dangling.append(label)
            label = int(line)
            continue
        current = bodies[-1] if bodies else None
        opens = label is not None or current is None or _starts_body(line)
        if (
            current is not None
            and label is None
            and current.text.count("(") > current.text.count(")")
        ):
            opens = False
        if opens:
            bodies.append(_Body([line], label))
            label = None
        else:
            current.lines.append(line)  # type: ignore[union-attr]
    if label is not None:
        dangling.append(label)
    return bodies, dangling


def _number_bodies(block: NoteBlock) -> tuple[list[tuple[int, _Body]], list[str]]:
    bodies, _dangling = split_bodies(block.lines)
    warnings: list[str] = []
    taken = {b.label for b in bodies if b.label is not None}
    free = [n for n in block.pending if n not in taken]
    numbered: list[tuple[int, _Body]] = []
    for body in bodies:
        if body.label is not None:
            if body.label not in block.pending:
                warnings.append(f"page {block.page}: footnote {body.label} has no marker")
            numbered.append((body.label, body))
        elif free:
            numbered.append((free.pop(0), body))
        else:
            warnings.append(f"page {block.page}: a footnote body has no number: {body.text[:60]!r}")
    for n in free:
        warnings.append(f"page {block.page}: marker {n} has no footnote body")
    return numbered, warnings


def resolve_footnotes(
    blocks: list[NoteBlock], markers: list[Marker], clean: str, paragraphs: list[Paragraph]
) -> tuple[list[Footnote], list[str]]:
    warnings: list[str] = []
    numbered: dict[int, tuple[int, _Body]] = {}
    for block in blocks:
        pairs, block_warnings = _number_bodies(block)
        warnings += block_warnings
        for number, body in pairs:
            if number in numbered:
                warnings.append(f"footnote {number} is printed twice; the first is kept")
                continue
            numbered[number] = (block.page, body)
    by_marker = {m.number: m for m in markers}
    footnotes: list[Footnote] = []
    for number in sorted(numbered):
        page, body = numbered[number]
        marker = by_marker.get(number)
        text = body.text
        # "Ibid." repeats the note printed just before it: the previous one parsed (a note
        # lost to a damaged extraction is skipped, never pointed at)
        previous = footnotes[-1] if footnotes and _IBID_RE.match(text) else None
        same_as = previous.number if previous else None
        kind = previous.kind if previous else _kind(text)
        footnotes.append(
            Footnote(
                number=number,
                text=text,
                urls=extract_urls(text),
                date=parse_date(text),
                kind=kind,
                same_as=same_as,
                page=page,
                cited_in=_cited_in(marker, paragraphs) if marker else None,
                marker_offset=marker.offset if marker else None,
            )
        )
    return footnotes, warnings


def extract_urls(text: str) -> tuple[str, ...]:
    urls = (m.group().rstrip(".,;:") for m in URL_RE.finditer(text))
    return tuple(dict.fromkeys(urls))


CENTURY = 100  # a year below this is written with two digits
PIVOT_YEAR = 70  # two-digit years below it are 20xx, the others 19xx


def parse_date(text: str) -> str | None:
    """The first D.M.YY (or D.M.YYYY) date in `text`, as ISO; None when there is none."""
    for match in DATE_RE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        if year < CENTURY:
            year += 2000 if year < PIVOT_YEAR else 1900
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


def _kind(text: str) -> FootnoteKind:
    urls = extract_urls(text)
    if not urls:
        return "note"
    url = urls[0] if "://" in urls[0] else "http://" + urls[0]
    parsed = urlparse(url)
    host = parsed.netloc.lower().removeprefix("www.")
    if host in {"twitter.com", "x.com", "mobile.twitter.com"}:
        return "tweet"
    if host in {"youtube.com", "youtu.be", "m.youtube.com", "vimeo.com"}:
        return "video"
    if parsed.path.lower().endswith(".pdf"):
        return "pdf"
    if _NEWS_PATH.search(parsed.path) or any(w in host for w in ("news", "press", "times")):
        return "news"
    return "web page"


def _cited_in(marker: Marker, paragraphs: list[Paragraph]) -> str | None:
    para = next((p for p in paragraphs if p.start <= marker.offset <= p.end), None)
    if para is None:
        return None
    start, end = sentence_at(para.text, marker.offset - para.start)
    return para.text[start:end]
