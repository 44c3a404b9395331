"""The store of the report's cited sources: list them with their status, and hand the text of
the copies to the index.

A `SourceStore` keeps everything under one folder (the index's `sources/`):

    manifest.json          one entry per cited URL, written atomically (fileio.atomic_write)
    <key>.orig.<ext>       the original bytes, as fetched or imported (html, pdf, txt or json)
    <key>.txt              the extracted text

where <key> is the first 16 hex digits of the sha256 of the URL. A manifest entry holds: url,
footnotes, status ("fetched" | "failed" | "imported"; a URL without an entry is "not fetched"),
bytes, sha256 (of the original), content_type, title, error, note, via ("original" | "archive"
| "import"), files {"original", "text"}, and how the copy got there (its provenance):

- fetched: fetched_at (ISO 8601, UTC), final_url (after redirects), http_status;
- imported: imported_at, file_name (the imported file's own name); fetched_at stays null.

`provenance_label` turns that into the words every citation of the source shows: "fetched
2026-12-01T10:00:00Z from URL (HTTP 200, text/html, sha256 ...)" or "imported copy, not
fetched: FILE (sha256 ..., imported ...)". A copy imported under a cited URL is never
presented as that URL's page.

Fetched text is data. It is stored and indexed as text and never interpreted; only control
characters are removed from it.


Fetching and importing copies into the store is collect.py's job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ijdqa.errors import SourceError
from ijdqa.fileio import atomic_write
from ijdqa.types import Footnote, Report, footnote_urls

if TYPE_CHECKING:  # the HTTP stack loads only when something is fetched or imported
    from ijdqa.sources.extract import Kind

Status = Literal["not fetched", "fetched", "failed", "imported"]
Via = Literal["original", "archive", "import"]

DEFAULT_ARCHIVE = "https://web.archive.org/web/2020/"
STORED = ("fetched", "imported")
EXTENSIONS: dict[Kind, str] = {"html": "html", "pdf": "pdf", "text": "txt", "json": "json"}


@dataclass(frozen=True)
class SourceRecord:
    """A cited URL, the footnotes citing it, and what the store knows about it."""

    url: str
    footnotes: tuple[int, ...]
    kind: str = "web page"
    status: Status = "not fetched"
    title: str | None = None
    error: str | None = None
    via: Via | None = None
    fetched_at: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    sha256: str | None = None
    imported_at: str | None = None
    file_name: str | None = None
    provenance: str | None = None  # provenance_label of the stored copy, if any

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "footnotes": list(self.footnotes)}


@dataclass(frozen=True)
class FetchOutcome:
    """What one fetch attempt did. `status` "skipped": a good copy was already stored."""

    url: str
    status: Literal["fetched", "failed", "skipped"]
    via: Via | None = None
    error: str | None = None
    note: str | None = None
    title: str | None = None
    bytes: int | None = None
    final_url: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class SourceText:
    """The extracted text of a fetched or imported source: what the indexer chunks."""

    url: str
    footnotes: tuple[int, ...]
    title: str | None
    text: str
    status: Status
    provenance: str = ""  # provenance_label: how the copy got here


class SourceStore:
    """Source copies and their manifest under `root`. Creating one reads and writes nothing."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._entries: dict[str, dict[str, Any]] | None = None

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def entry(self, url: str) -> dict[str, Any] | None:
        return self.entries.get(url)

    def put(self, url: str, entry: dict[str, Any]) -> None:
        self.entries[url] = entry
        payload = {"version": 1, "sources": dict(sorted(self.entries.items()))}
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        self.write_file(self.manifest_path.name, text.encode("utf-8"))

    def write_file(self, name: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write(self.root / name, data)

    def read_text(self, entry: dict[str, Any]) -> str:
        path = self.root / entry["files"]["text"]
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SourceError(
                f"{path} is missing or unreadable; fetch or import {entry['url']} again"
            ) from exc

    @staticmethod
    def key(url: str) -> str:
        return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            raw = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:  # e.g. --index-dir names a file
            raise SourceError(f"cannot read {self.manifest_path}: {exc}") from exc
        try:
            sources = json.loads(raw)["sources"]
            if not isinstance(sources, dict):
                raise TypeError("sources is not an object")
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(
                f"{self.manifest_path} is not a valid sources manifest ({exc}); "
                "delete it and fetch the sources again"
            ) from exc
        return sources


# Listing ------------------------------------------------------------------------------------


def source_url(raw: str) -> str:
    """A cited URL in fetchable form: `www.example.org/x` -> `https://www.example.org/x`."""
    raw = raw.strip()
    return raw if "://" in raw else "https://" + raw


def cited_urls(footnote: Footnote, by_number: Mapping[int, Footnote]) -> tuple[str, ...]:
    """The URLs a footnote cites, in fetchable form: its own, then (for an Ibid) those of the
    footnotes it repeats."""
    return tuple(dict.fromkeys(source_url(u) for u in footnote_urls([footnote], by_number)))


def list_sources(footnotes: Iterable[Footnote], store: SourceStore) -> list[SourceRecord]:
    """Every cited URL once, in order of first citation, with its footnotes and stored status."""
    notes = sorted(footnotes, key=lambda f: f.number)
    by_number = Report.of_footnotes(notes).footnote_map
    citing: dict[str, list[int]] = {}
    kinds: dict[str, str] = {}
    for note in notes:
        for url in cited_urls(note, by_number):
            numbers = citing.setdefault(url, [])
            if note.number not in numbers:
                numbers.append(note.number)
            kinds.setdefault(url, note.kind)
    return [source_record(url, tuple(n), kinds[url], store.entry(url)) for url, n in citing.items()]


def source_record(
    url: str, footnotes: tuple[int, ...], kind: str, entry: dict | None
) -> SourceRecord:
    if entry is None:
        return SourceRecord(url, footnotes, kind)
    good = entry.get("status") in STORED
    return SourceRecord(
        url,
        footnotes,
        kind,
        status=entry.get("status", "not fetched"),
        title=entry.get("title"),
        error=entry.get("error"),
        via=entry.get("via"),
        fetched_at=entry.get("fetched_at"),
        final_url=entry.get("final_url"),
        http_status=entry.get("http_status"),
        content_type=entry.get("content_type"),
        sha256=entry.get("sha256"),
        imported_at=entry.get("imported_at"),
        file_name=entry.get("file_name"),
        provenance=provenance_label(entry) if good else None,
    )


def provenance_label(entry: Mapping[str, Any]) -> str:
    """How a stored copy got here, in the words its citations show."""
    digest = f"sha256 {str(entry.get('sha256') or '?')[:16]}…"
    if entry.get("status") == "imported":
        note = str(entry.get("note") or "")
        name = entry.get("file_name") or note.removeprefix("imported from ") or "a local file"
        when = entry.get("imported_at") or entry.get("fetched_at") or "?"
        return f"imported copy, not fetched: {name} ({digest}, imported {when})"
    where = entry.get("final_url") or entry.get("url")
    details = ", ".join(
        str(part)
        for part in (
            f"HTTP {entry['http_status']}" if entry.get("http_status") else None,
            entry.get("content_type"),
            digest,
        )
        if part
    )
    archive = " (a Wayback Machine copy)" if entry.get("via") == "archive" else ""
    return f"fetched {entry.get('fetched_at') or '?'} from {where}{archive} ({details})"


# Reading ------------------------------------------------------------------------------------


def indexed_texts(store: SourceStore) -> list[SourceText]:
    """The text of every fetched or imported source, ordered by first citing footnote."""
    texts = [
        SourceText(
            url,
            tuple(entry.get("footnotes") or ()),
            entry.get("title"),
            store.read_text(entry),
            entry["status"],
            provenance_label(entry),
        )
        for url, entry in store.entries.items()
        if entry.get("status") in STORED
    ]
    return sorted(texts, key=lambda t: (min(t.footnotes, default=10**9), t.url))
