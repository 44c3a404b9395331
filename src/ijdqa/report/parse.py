"""Raw, PDF-extracted report text -> Report. Pure functions, no I/O.

The extraction conventions this parser relies on (and nothing about any one report's content):

* A line that starts with a single space opens a new page, or, when it reads like footnote
  material (a URL, a D.M.YY date, "Ibid", or the number of a pending marker), a footnote block
  that belongs to the page above it. A bare number line equal to a pending marker also opens a
  footnote block in the middle of a page.
* Footnote markers are digits glued to the end of a word, a closing quote or bracket. Markers
  run 1, 2, 3, ... in reading order, which is what tells a marker from a number in the text.
* Body lines are wrapped at a common width; a short line ending a sentence ends a paragraph, a
  long line without final punctuation at the end of a page continues on the next page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ijdqa.errors import ReportFormatError
from ijdqa.report.footnotes import NoteBlock, is_label, looks_like_note_start, resolve_footnotes
from ijdqa.report.organizations import ENTRY_RE, ORPHAN_RE, entry_name_line, parse_organizations
from ijdqa.types import Footnote, Marker, Page, Paragraph, ParagraphKind, Report

DEFAULT_SECTION = "Introduction"
_TERMINAL = ".?!:;"
_CLOSERS = "”’\"')]"
_MARKER_PREV = set(_CLOSERS) | {".", ","}
_MARKER_NEXT = set(" \t.,;:!?)]”’\"'")
FIRST_PRINTABLE = 32  # code points below are control characters
YEAR_DIGITS = 4
FIRST_YEAR, LAST_YEAR = 1800, 2099  # the years a report's marker may be glued to
SHORT_LINE = 30  # characters: shorter lines say nothing of the page width
HEADING_WORDS, HEADING_CHARS = 10, 80  # the longest heading
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}


@dataclass
class _Line:
    text: str
    page: int
    markers: list[tuple[int, int]] = field(default_factory=list)  # (column, number)


@dataclass
class _PageLines:
    number: int
    lines: list[_Line | None] = field(default_factory=list)  # None = blank line


@dataclass
class _Para:
    lines: list[_Line]
    kind: ParagraphKind
    section: str
    open_end: bool = False  # runs on to the next page

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(line.page for line in self.lines))


def parse_report(raw: str, *, name: str = "report") -> Report:
    """Parse report-style text. Raises ReportFormatError when nothing usable comes out."""
    text = _validate(raw)
    pages, blocks, warnings = _segment(text.split("\n"))
    width = _line_width(pages)
    paras = _paragraphs(pages, width)
    if not paras:
        raise ReportFormatError(f"{name}: no paragraphs found; is this a report-style text file?")
    clean, paragraphs = _assemble(paras)
    markers = [m for p in paragraphs for m in p.markers]
    footnotes, note_warnings = resolve_footnotes(blocks, markers, clean, paragraphs)
    organizations, org_warnings = parse_organizations(paragraphs)
    page_list = _pages(paragraphs, footnotes)
    warnings += note_warnings + org_warnings
    if not markers:
        warnings.append("no footnote markers were found in the text")
    return Report(
        text=clean,
        paragraphs=tuple(paragraphs),
        pages=page_list,
        footnotes=tuple(footnotes),
        organizations=tuple(organizations),
        warnings=tuple(warnings),
        name=name,
    )


def _validate(raw: str | bytes) -> str:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReportFormatError(
                f"the report is not UTF-8 text (byte {exc.start}); convert it to UTF-8 first"
            ) from exc
    if "\x00" in raw:
        raise ReportFormatError(
            "the report contains NUL bytes; it looks like binary data, not text"
        )
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    if not text.strip():
        raise ReportFormatError("the report is empty")
    controls = sum(1 for ch in text if ord(ch) < FIRST_PRINTABLE and ch not in "\n\t")
    if controls > max(8, len(text) // 100):
        raise ReportFormatError("the report is mostly control characters; it is not a text report")
    return text


# --- pass 1: pages, footnote blocks and markers -------------------------------------------


def _segment(lines: list[str]) -> tuple[list[_PageLines], list[NoteBlock], list[str]]:
    pages: list[_PageLines] = []
    blocks: list[NoteBlock] = []
    warnings: list[str] = []
    pending: list[int] = []
    expected = 1
    block: NoteBlock | None = None
    for raw in lines:
        raw = raw.rstrip()
        stripped = raw.strip()
        if not stripped:
            if block is not None:
                block.lines.append("")
            elif pages:
                pages[-1].lines.append(None)
            continue
        space_led = raw.startswith(" ") and not raw.startswith("  ")
        opens_notes = bool(pending) and (
            looks_like_note_start(stripped, pending) if space_led else is_label(stripped, pending)
        )
        if opens_notes and pages and (space_led or block is None):
            block = NoteBlock(page=pages[-1].number, pending=tuple(pending))
            blocks.append(block)
            pending = []
        elif not pages or space_led:
            pages.append(_PageLines(len(pages) + 1))
            block = None
        if block is not None:
            block.lines.append(stripped)
            continue
        clean, found, expected, missed = _strip_markers(stripped, expected)
        warnings += [f"footnote marker {n} was not found in the text" for n in missed]
        pending += [n for _, n in found]
        pages[-1].lines.append(_Line(clean, pages[-1].number, found))
    if pending:
        warnings.append("markers without a footnote block: " + ", ".join(str(n) for n in pending))
        blocks.append(NoteBlock(page=pages[-1].number, pending=tuple(pending)))
    return pages, blocks, warnings


_DIGITS = re.compile(r"\d+")


def _strip_markers(line: str, expected: int) -> tuple[str, list[tuple[int, int]], int, list[int]]:
    """Remove the footnote markers of one line; return clean line, (column, n), next expected."""
    out: list[str] = []
    found: list[tuple[int, int]] = []
    missed: list[int] = []
    pos = 0
    for match in _DIGITS.finditer(line):
        digits, start, end = match.group(), match.start(), match.end()
        nxt = line[end] if end < len(line) else " "
        prev = line[start - 1] if start else ""
        if nxt not in _MARKER_NEXT:
            continue
        for number in (expected, expected + 1):
            keep = _marker_split(digits, prev, number, strict=number != expected)
            if keep is None:
                continue
            out.append(line[pos : start + len(keep)])
            found.append((sum(len(s) for s in out), number))
            pos = end
            missed += list(range(expected, number))
            expected = number + 1
            break
    out.append(line[pos:])
    return "".join(out), found, expected, missed


def _marker_split(digits: str, prev: str, number: int, *, strict: bool) -> str | None:
    """If `digits` (preceded by `prev`) ends in marker `number`, return the digits to keep."""
    tag = str(number)
    if not digits.endswith(tag):
        return None
    if digits == tag:
        glued = prev.isalpha() or prev in _MARKER_PREV
        return "" if glued and not (strict and prev in ".,") else None
    if strict or (prev and (prev.isalnum() or prev in "-/.,")):
        return None
    keep = digits[: -len(tag)]
    if _is_year(keep) and not _is_year(digits):
        return keep
    return None


def _is_year(digits: str) -> bool:
    return len(digits) == YEAR_DIGITS and FIRST_YEAR <= int(digits) <= LAST_YEAR


# --- pass 2: paragraphs, headings, captions, sections ---------------------------------------


def _line_width(pages: list[_PageLines]) -> float:
    lengths = [
        len(line.text)
        for page in pages
        for line in page.lines
        if line and len(line.text) > SHORT_LINE
    ]
    if not lengths:
        return 80.0
    return float(
        sorted(lengths)[int(0.8 * (len(lengths) - 1))]
    )  # short list lines pull a median down


def _paragraphs(pages: list[_PageLines], width: float) -> list[_Para]:
    paras: list[_Para] = []
    section = DEFAULT_SECTION
    for page in pages:
        first_on_page = True
        for block in _blocks(page.lines):
            appendix = section.lower().startswith("appendix")
            for group in _split_block(block, width, appendix=appendix):
                para = _classify(group, width, section, appendix=appendix)
                if para.kind == "heading":
                    section = " ".join(line.text for line in group)
                    para.section = section
                if first_on_page and paras and paras[-1].open_end and para.kind == "body":
                    paras[-1].lines += para.lines
                    paras[-1].open_end = para.open_end
                elif _names_orphan(paras, para):
                    paras[-1].lines += para.lines
                else:
                    paras.append(para)
                first_on_page = False
    for para in paras:  # no final punctuation and nothing ran on: a caption standing alone
        if para.open_end and para.kind in ("body", "about"):
            para.kind, para.open_end = "caption", False
    return paras


def _names_orphan(paras: list[_Para], para: _Para) -> bool:
    """An entry printed as '100.' alone, its name on a later line: the name completes it."""
    if para.kind != "appendix" or not paras or paras[-1].kind != "appendix":
        return False
    previous = paras[-1].lines
    return (
        len(previous) == 1
        and bool(ORPHAN_RE.match(previous[0].text))
        and entry_name_line(" ".join(line.text for line in para.lines))
    )


def _blocks(lines: list[_Line | None]) -> list[list[_Line]]:
    blocks: list[list[_Line]] = [[]]
    for line in lines:
        if line is None:
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [b for b in blocks if b]


def _split_block(block: list[_Line], width: float, *, appendix: bool) -> list[list[_Line]]:
    groups: list[list[_Line]] = [[]]
    for line in block:
        if appendix and (ENTRY_RE.match(line.text) or ORPHAN_RE.match(line.text)):
            groups += [[line], []]
            continue
        groups[-1].append(line)
        if len(line.text) < 0.75 * width and _terminal(line.text):
            groups.append([])
    return [g for g in groups if g]


def _classify(lines: list[_Line], width: float, section: str, *, appendix: bool) -> _Para:
    text = " ".join(line.text for line in lines)
    lower = section.lower()
    if appendix and (ENTRY_RE.match(text) or ORPHAN_RE.match(text) or entry_name_line(text)):
        return _Para(lines, "appendix", section)
    if _terminal(text):
        kind: ParagraphKind = "about" if lower.startswith("about") else "body"
        return _Para(lines, kind, section)
    if len(lines) == 1 and not lines[0].markers and _is_heading(text):
        return _Para(lines, "heading", section)
    if len(lines[-1].text) >= 0.75 * width:
        kind = "about" if lower.startswith("about") else "body"
        return _Para(lines, kind, section, open_end=True)
    return _Para(lines, "caption", section)


def _terminal(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def _is_heading(text: str) -> bool:
    words = text.split()
    if not words or len(words) > HEADING_WORDS or len(text) > HEADING_CHARS:
        return False
    if text.isupper():
        return True
    for i, word in enumerate(words):
        core = word.strip("()[]“”\"'’,")
        if not core or core[0].isdigit():
            continue
        if i and core.lower() in _SMALL_WORDS:
            continue
        if not core[0].isupper():
            return False
    return True


# --- pass 3: the clean text ------------------------------------------------------------------


def _assemble(paras: list[_Para]) -> tuple[str, list[Paragraph]]:
    parts: list[str] = []
    out: list[Paragraph] = []
    offset = 0
    for index, para in enumerate(paras):
        text, markers = _join(para.lines, offset)
        if parts:
            parts.append("\n\n")
            offset += 2
            markers = [Marker(m.number, m.offset + 2, m.page) for m in markers]
        parts.append(text)
        out.append(
            Paragraph(
                index=index,
                kind=para.kind,
                page=para.lines[0].page,
                section=para.section,
                start=offset,
                end=offset + len(text),
                text=text,
                markers=tuple(markers),
                pages=para.pages,
            )
        )
        offset += len(text)
    return "".join(parts), out


def _join(lines: list[_Line], base: int) -> tuple[str, list[Marker]]:
    text = ""
    markers: list[Marker] = []
    for line in lines:
        if text and not (text.endswith("-") and text[-2:-1].isalpha() and line.text[:1].islower()):
            text += " "
        markers += [Marker(n, base + len(text) + col, line.page) for col, n in line.markers]
        text += line.text
    return text, markers


def _pages(paragraphs: list[Paragraph], footnotes: list[Footnote]) -> tuple[Page, ...]:
    numbers = sorted({p.page for p in paragraphs} | {f.page for f in footnotes})
    return tuple(
        Page(
            number=n,
            paragraphs=tuple(p.index for p in paragraphs if n in p.pages),
            footnotes=tuple(f.number for f in footnotes if f.page == n),
        )
        for n in numbers
    )
