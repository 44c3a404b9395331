"""The report's cited sources: list them, fetch or import copies, and hand their text to the index.

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

`fetch_sources(..., url_map=...)` requests `url_map[url]` in place of a cited URL, still filing
the copy under the cited URL: tests use it to send the report's real addresses to local
servers. `transport=` passes a custom httpx transport instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from ijdqa.errors import SourceError
from ijdqa.fileio import atomic_write
from ijdqa.types import Footnote, Report, footnote_urls

if TYPE_CHECKING:  # the HTTP stack loads only when something is fetched or imported
    import httpx

    from ijdqa.fetch import Copy, FetchLimits, Kind

Status = Literal["not fetched", "fetched", "failed", "imported"]
Via = Literal["original", "archive", "import"]

DEFAULT_ARCHIVE = "https://web.archive.org/web/2020/"
_GOOD = ("fetched", "imported")
_EXT: dict[Kind, str] = {"html": "html", "pdf": "pdf", "text": "txt", "json": "json"}


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
    return [_record(url, tuple(n), kinds[url], store.entry(url)) for url, n in citing.items()]


def _record(url: str, footnotes: tuple[int, ...], kind: str, entry: dict | None) -> SourceRecord:
    if entry is None:
        return SourceRecord(url, footnotes, kind)
    good = entry.get("status") in _GOOD
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


# Storing ------------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry(url: str, footnotes: Iterable[int], **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(
        (
            *("bytes", "sha256", "content_type", "title", "error", "note", "via"),
            *("final_url", "http_status", "fetched_at", "imported_at", "file_name", "files"),
        )
    )
    return {"url": url, "footnotes": sorted(set(footnotes)), **base, **fields}


def _save_copy(
    store: SourceStore, url: str, footnotes: Iterable[int], copy: Copy, **fields: Any
) -> dict[str, Any]:
    key = store.key(url)
    files = {"original": f"{key}.orig.{_EXT[copy.kind]}", "text": f"{key}.txt"}
    store.write_file(files["original"], copy.original)
    store.write_file(files["text"], copy.text.encode("utf-8"))
    previous = store.entry(url)
    entry = _entry(
        url,
        footnotes,
        bytes=len(copy.original),
        sha256=hashlib.sha256(copy.original).hexdigest(),
        content_type=copy.content_type,
        title=copy.title,
        files=files,
        **fields,
    )
    store.put(url, entry)
    old = (previous or {}).get("files") or {}
    if old.get("original") and old["original"] != files["original"]:
        (store.root / old["original"]).unlink(missing_ok=True)
    return entry


# Fetching -----------------------------------------------------------------------------------


@dataclass
class _Run:
    store: SourceStore
    limits: FetchLimits
    url_map: Mapping[str, str]
    archive_base: str | None
    refetch: bool
    unreachable: dict[str, str] = field(default_factory=dict)


def fetch_sources(
    records: Iterable[SourceRecord],
    store: SourceStore,
    *,
    transport: httpx.BaseTransport | None = None,
    url_map: Mapping[str, str] | None = None,
    allow_private: bool = False,
    archive_base: str | None = DEFAULT_ARCHIVE,
    timeout: float = 10.0,
    max_bytes: int = 5_000_000,
    max_redirects: int = 5,
    refetch: bool = False,
    progress: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    """Fetch each record's URL (and nothing else); on failure try `archive_base + url`.

    Records already fetched or imported are skipped unless `refetch`. A failure never replaces
    a good copy. Each outcome is saved to the manifest before the next URL is tried, and passed
    to `progress`. `archive_base=None` disables the archive fallback.
    """
    from ijdqa.fetch import FetchLimits, make_client

    limits = FetchLimits(timeout, max_bytes, max_redirects, allow_private)
    run = _Run(store, limits, url_map or {}, archive_base, refetch)
    outcomes: list[FetchOutcome] = []
    with make_client(timeout=timeout, transport=transport) as client:
        for record in records:
            outcome = _fetch_one(client, record, run)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    return outcomes


def _fetch_one(client: httpx.Client, record: SourceRecord, run: _Run) -> FetchOutcome:
    url, store = record.url, run.store
    previous = store.entry(url)
    if previous and previous.get("status") in _GOOD and not run.refetch:
        if sorted(record.footnotes) != previous.get("footnotes"):
            store.put(url, {**previous, "footnotes": sorted(record.footnotes)})
        return FetchOutcome(
            url, "skipped", previous.get("via"), note=f"already {previous['status']}"
        )
    attempts: list[tuple[Via, str]] = [("original", run.url_map.get(url, url))]
    if run.archive_base:
        attempts.append(("archive", run.archive_base + url))
    errors: list[str] = []
    for via, target in attempts:
        try:
            copy = _get(client, target, run)
        except SourceError as exc:
            errors.append(f"{via}: {exc}" if len(attempts) > 1 else str(exc))
            continue
        note = f"original failed ({errors[0].removeprefix('original: ')})" if errors else None
        fields = {
            "status": "fetched",
            "via": via,
            "final_url": copy.final_url,
            "http_status": copy.status,
            "fetched_at": _now(),
            "note": note,
        }
        _save_copy(store, url, record.footnotes, copy, **fields)
        size = len(copy.original)
        return FetchOutcome(url, "fetched", via, None, note, copy.title, size, copy.final_url)
    return _save_failure(store, record, "; ".join(errors), previous)


def _get(client: httpx.Client, url: str, run: _Run) -> Copy:
    host = urlsplit(url).netloc.lower()
    if host in run.unreachable:
        raise SourceError(f"skipped: {host} was unreachable earlier ({run.unreachable[host]})")
    try:
        from ijdqa.fetch import fetch_copy

        return fetch_copy(client, url, run.limits)
    except SourceError as exc:
        if getattr(exc, "unreachable", False):
            run.unreachable[host] = str(exc)
        raise


def _save_failure(
    store: SourceStore, record: SourceRecord, error: str, previous: dict | None
) -> FetchOutcome:
    if previous and previous.get("status") in _GOOD:
        when = previous.get("fetched_at") or previous.get("imported_at")
        note = f"kept the copy from {when}"
        return FetchOutcome(record.url, "failed", error=error, note=note)
    store.put(
        record.url,
        _entry(record.url, record.footnotes, status="failed", error=error, fetched_at=_now()),
    )
    return FetchOutcome(record.url, "failed", error=error)


# Importing ----------------------------------------------------------------------------------


def import_source(
    path: Path, footnote: Footnote, store: SourceStore, *, footnotes: Sequence[Footnote] = ()
) -> SourceRecord:
    """Store a saved copy (HTML, PDF or text) of the URL a footnote cites.

    For an Ibid footnote without a URL of its own, the URL comes from the footnote it repeats,
    found in `footnotes` or else in the manifest.
    """
    url, citing = _import_target(footnote, footnotes, store)
    data = _read_copy(Path(path))
    try:
        from ijdqa.fetch import read_copy

        copy = read_copy(data, suffix=Path(path).suffix.lower(), url=url)
    except SourceError as exc:
        raise SourceError(f"cannot import {path}: {exc}") from exc
    existing = store.entry(url)
    numbers = {*citing, *((existing or {}).get("footnotes") or [])}
    fields = {
        "status": "imported",
        "via": "import",
        "note": f"imported from {Path(path).name}",
        "file_name": Path(path).name,
        "imported_at": _now(),
    }
    entry = _save_copy(store, url, numbers, copy, **fields)
    return _record(url, tuple(entry["footnotes"]), footnote.kind, entry)


def _import_target(
    footnote: Footnote, footnotes: Sequence[Footnote], store: SourceStore
) -> tuple[str, set[int]]:
    urls = cited_urls(footnote, Report.of_footnotes(footnotes).footnote_map)
    if urls:
        citing = {footnote.number}
        if not footnote.urls and footnote.same_as is not None:
            citing.add(footnote.same_as)
        return urls[0], citing
    if footnote.same_as is not None:
        for url, entry in store.entries.items():
            if footnote.same_as in (entry.get("footnotes") or []):
                return url, {footnote.number, footnote.same_as}
        raise SourceError(
            f"footnote {footnote.number} repeats footnote {footnote.same_as} (Ibid.), whose URL "
            "is unknown; pass the report's footnotes so it can be found"
        )
    raise SourceError(f"footnote {footnote.number} cites no URL, so there is nothing to import")


def _read_copy(path: Path) -> bytes:
    if not path.exists():
        raise SourceError(f"no such file: {path}")
    if not path.is_file():
        raise SourceError(f"not a file: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not data.strip():
        raise SourceError(f"{path} is empty")
    return data


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
        if entry.get("status") in _GOOD
    ]
    return sorted(texts, key=lambda t: (min(t.footnotes, default=10**9), t.url))
