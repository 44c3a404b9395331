"""What the index is built from: the report's text (the bundled one, or a file, read with a
size cap), its parse (cached under the index folder for this exact text), and the stored copies
of the sources it cites, together a `Corpus` with the fingerprints that key its builds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ijdqa.errors import ReportError, ReportFormatError
from ijdqa.fileio import atomic_write, read_capped
from ijdqa.report import cache as reportcache
from ijdqa.report.parse import parse_report
from ijdqa.search.corpus import CHUNKER_VERSION
from ijdqa.types import Report

if TYPE_CHECKING:
    from ijdqa.sources.store import SourceText


BUNDLED_REPORT = "report.txt"
MAX_REPORT_BYTES = 5_000_000  # 230 times the bundled report


def read_report_text(path: Path | None) -> tuple[str, str]:
    """The text of the report at `path` (or the bundled one) and a display name."""
    if path is None:
        data = resources.files("ijdqa").joinpath("data", BUNDLED_REPORT).read_bytes()
        name = "bundled report"
    else:
        path = Path(path)
        if not path.exists():
            raise ReportError(f"report file not found: {path}")
        if path.is_dir():
            raise ReportError(f"{path} is a folder; give the path of a report text file")
        try:
            capped = read_capped(path, MAX_REPORT_BYTES)  # /dev/zero or 20 GB stops here
        except OSError as exc:
            raise ReportError(f"cannot read {path}: {exc.strerror}") from exc
        if capped is None:
            raise ReportFormatError(
                f"{path} is over {MAX_REPORT_BYTES // 1_000_000} MB; ijdqa reads one report "
                "(the bundled one is 21 KB), not a library: split or trim the file"
            )
        data = capped
        name = str(path)
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        raise ReportFormatError(
            f"{name} is not UTF-8 text (undecodable byte at {exc.start}); is it a binary file?"
        ) from exc


def load_report(path: Path | None = None) -> Report:
    text, name = read_report_text(path)
    return parse_report(text, name=name)


@dataclass(frozen=True)
class Corpus:
    """Everything the index is built from, with a cheap fingerprint of the inputs and the
    sha256 of the report's text (which keys its builds)."""

    report: Report
    sources: tuple[SourceText, ...]
    inputs: str
    report_sha256: str = ""


def load_corpus(report_path: Path | None, index_dir: Path) -> Corpus:
    text, name = read_report_text(report_path)
    report = _parsed(text, name, index_dir)
    sources = _cited_sources(_source_texts(index_dir / "sources"), report)
    digest = hashlib.sha256(text.encode("utf-8"))
    for source in sources:
        digest.update(f"\x1f{source.url}\x1f{source.footnotes}\x1f{source.text}".encode())
    digest.update(f"\x1fchunker={CHUNKER_VERSION}".encode())
    report_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Corpus(report, sources, digest.hexdigest(), report_sha256)


def _cited_sources(sources: tuple[SourceText, ...], report: Report) -> tuple[SourceText, ...]:
    """The stored sources this report cites, each under footnotes of this report that cite
    it: the sources folder is shared by the reports of an index folder, and one report's
    copies (or footnote numbers) are not another's."""
    if not sources:
        return ()
    from ijdqa.sources.store import cited_urls

    citing: dict[str, list[int]] = {}
    for note in report.footnotes:
        for url in cited_urls(note, report.footnote_map):
            citing.setdefault(url, []).append(note.number)
    kept = []
    for source in sources:
        numbers = citing.get(source.url)
        if numbers:
            own = tuple(n for n in source.footnotes if n in numbers) or tuple(numbers)
            kept.append(source if own == source.footnotes else replace(source, footnotes=own))
    return tuple(kept)


def _parsed(text: str, name: str, index_dir: Path) -> Report:
    """Parse the report, or read the parse cached under the index folder for this exact text."""
    key = hashlib.sha256(f"{name}\x1f{text}".encode()).hexdigest()[:24]
    cache = index_dir / "report-cache" / f"{key}.json"
    try:
        cached = reportcache.loads(cache.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):  # missing, unreadable or garbled: parse again
        cached = None
    if cached is not None:
        return cached
    report = parse_report(text, name=name)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache, reportcache.dumps(report))
    except OSError:
        pass  # a read-only index folder only costs the parse next time
    return report


def _source_texts(root: Path) -> tuple[SourceText, ...]:
    if not (root / "manifest.json").exists():
        return ()  # nothing fetched or imported: skip importing the HTTP stack
    from ijdqa.sources.store import SourceStore, indexed_texts

    return tuple(indexed_texts(SourceStore(root)))


def sources_by_url(corpus: Corpus) -> dict[str, str]:
    return {s.url: s.text for s in corpus.sources}


def provenance_by_url(corpus: Corpus) -> dict[str, str]:
    return {s.url: s.provenance for s in corpus.sources if s.provenance}
