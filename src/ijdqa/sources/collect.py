"""Putting copies into the source store: `fetch_sources` downloads the cited URLs (fetch.py),
falling back to an archived copy, and `import_source` files a copy saved by hand under the URL
a footnote cites. Each copy is stored with its original bytes, its text and its provenance.

`fetch_sources(..., url_map=...)` requests `url_map[url]` in place of a cited URL, still filing
the copy under the cited URL: tests use it to send the report's real addresses to local
servers. `transport=` passes a custom httpx transport instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ijdqa.errors import SourceError
from ijdqa.sources.store import (
    DEFAULT_ARCHIVE,
    EXTENSIONS,
    STORED,
    FetchOutcome,
    SourceRecord,
    SourceStore,
    Via,
    cited_urls,
    source_record,
)
from ijdqa.types import Footnote, Report

if TYPE_CHECKING:  # the HTTP stack loads only when something is fetched or imported
    import httpx

    from ijdqa.sources.extract import Copy
    from ijdqa.sources.fetch import FetchLimits


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
    files = {"original": f"{key}.orig.{EXTENSIONS[copy.kind]}", "text": f"{key}.txt"}
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
    from ijdqa.sources.fetch import FetchLimits, make_client

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
    if previous and previous.get("status") in STORED and not run.refetch:
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
        from ijdqa.sources.fetch import fetch_copy

        return fetch_copy(client, url, run.limits)
    except SourceError as exc:
        if getattr(exc, "unreachable", False):
            run.unreachable[host] = str(exc)
        raise


def _save_failure(
    store: SourceStore, record: SourceRecord, error: str, previous: dict | None
) -> FetchOutcome:
    if previous and previous.get("status") in STORED:
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
        from ijdqa.sources.extract import read_copy

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
    return source_record(url, tuple(entry["footnotes"]), footnote.kind, entry)


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
