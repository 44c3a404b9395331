"""Reading the text of a source copy, fetched or saved by hand. Pure: no network.

`read_copy` turns the bytes of a copy into a `Copy`: its kind, sniffed from the bytes first (PDF
magic, HTML tags), then the declared type or file extension; its title; and its text (HTML
through trafilatura's main-content extraction, PDF through pypdf, text as is), with control
characters removed. The text is data and is never interpreted.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from ijdqa.errors import SourceError

_HTML_TAG = re.compile(rb"<(!doctype\s+html|html|head|body|article|div|p|title|meta)[\s>/]", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SUFFIX_TYPES = {
    ".pdf": "application/pdf",
    ".json": "application/json",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".txt": "text/plain",
}

Kind = Literal["html", "pdf", "text", "json"]
MEDIA: dict[Kind, str] = {
    "html": "text/html",
    "pdf": "application/pdf",
    "text": "text/plain",
    "json": "application/json",
}


@dataclass(frozen=True)
class Copy:
    """A source copy: its original bytes and what was read from them."""

    original: bytes
    kind: Kind
    content_type: str
    title: str | None
    text: str
    final_url: str | None = None
    status: int | None = None  # the HTTP status it was served with; None for an import


def read_copy(
    data: bytes,
    *,
    content_type: str = "",
    charset: str | None = None,
    suffix: str = "",
    url: str | None = None,
    final_url: str | None = None,
    status: int | None = None,
) -> Copy:
    """A Copy of `data`. Raises SourceError when it holds no readable text."""
    kind = sniff_kind(data, content_type=content_type, suffix=suffix)
    title, text = extract(data, kind, charset=charset, url=url)
    return Copy(data, kind, content_type or MEDIA[kind], title, text, final_url, status)


def sniff_kind(data: bytes, *, content_type: str = "", suffix: str = "") -> Kind:
    """The kind of a copy, from its bytes first, then its declared type or file extension."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    declared = content_type or _SUFFIX_TYPES.get(suffix, "")
    if declared == "application/xhtml+xml":
        declared = "text/html"
    for kind, media in MEDIA.items():
        if declared == media:
            return kind
    return "html" if _HTML_TAG.search(data[:4096]) else "text"


def extract(
    data: bytes, kind: Kind, *, charset: str | None = None, url: str | None = None
) -> tuple[str | None, str]:
    """(title, text) of a copy. Raises SourceError when it holds no readable text."""
    title: str | None
    if kind == "pdf":
        title, text = _extract_pdf(data)
    else:
        decoded = decode(data, charset)
        if kind == "html":  # without a declared charset, trafilatura reads <meta charset> itself
            title, text = _extract_html(decoded if charset else data, url)
        elif kind == "json":
            title, text = _extract_json(decoded)
        else:
            title, text = None, decoded
    text = clean_text(text)
    if not text:
        raise SourceError(f"no readable text in the {kind} copy")
    title = clean_text(title) if title else None
    return title or None, text


def decode(data: bytes, charset: str | None = None) -> str:
    """Text from bytes: BOM, declared charset, UTF-8, then Windows-1252. Refuses binary data."""
    boms = {b"\xef\xbb\xbf": "utf-8-sig", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}
    encodings = [enc for bom, enc in boms.items() if data.startswith(bom)]
    for encoding in [*encodings, charset, "utf-8", "cp1252"]:
        if not encoding:
            continue
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
        head = text[:8192]
        if len(_CONTROL.findall(head)) > max(2, 0.1 * len(head)):  # a stray NUL is no reason
            raise SourceError("binary data, not HTML, PDF or text")
        return text
    raise SourceError("undecodable data: neither UTF-8 nor Windows-1252 text")


def clean_text(text: str) -> str:
    """Drop NUL and other control characters, unify newlines, trim blank runs."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _extract_html(data: bytes | str, url: str | None) -> tuple[str | None, str]:
    import trafilatura  # heavy; only needed when there is HTML to read

    try:
        doc: Any = None
        for recall in (False, True):  # a second, more lenient pass when the first finds nothing
            doc = trafilatura.bare_extraction(
                data, url=url, with_metadata=True, include_comments=False, favor_recall=recall
            )
            doc = doc.as_dict() if hasattr(doc, "as_dict") else doc
            if isinstance(doc, dict) and str(doc.get("text") or "").strip():
                break
    except Exception as exc:  # trafilatura/lxml raise many kinds on malformed input
        raise SourceError(f"cannot read the HTML: {first_line(exc)}") from exc
    if not isinstance(doc, dict):
        return None, ""
    return doc.get("title"), str(doc.get("text") or "")


def _extract_pdf(data: bytes) -> tuple[str | None, str]:
    from pypdf import PdfReader

    try:  # the CLI silences pypdf's log of each flaw: the SourceError below says it once
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        title = reader.metadata.title if reader.metadata else None
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise SourceError(f"not a readable PDF: {str(exc)[:200]}") from exc
    return (str(title) if title else None), text


def _extract_json(decoded: str) -> tuple[str | None, str]:
    try:
        obj = json.loads(decoded)
    except ValueError as exc:
        raise SourceError(f"invalid JSON: {exc}") from exc
    if isinstance(obj, dict) and isinstance(obj.get("html"), str):  # an oEmbed answer
        title, text = _extract_html(obj["html"], obj.get("url"))
        return obj.get("title") or obj.get("author_name") or title, text
    return None, json.dumps(obj, ensure_ascii=False, indent=1)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, at most 300 characters."""
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__
