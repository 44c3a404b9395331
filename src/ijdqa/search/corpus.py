"""Report (+ fetched sources) -> retrievable chunks with stable, content-derived ids. Pure.

Body text is cut at sentence boundaries into windows of at most `max_chars` characters; a
sentence longer than that is a chunk of its own, never split. Captions, footnote bodies and
appendix entries are chunks of their own. Each chunk's `text` is a verbatim span of its base
text (the clean report text, a footnote's text or a source's extracted text); `search_text`
adds the context that retrieval needs (section title, the sentence a footnote is cited in, an
organization's country) without changing what is quoted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from ijdqa.referents import leading_pronoun, referent
from ijdqa.report.organizations import adjectives
from ijdqa.text import is_prose, sentence_spans
from ijdqa.types import Chunk, ChunkKind, Footnote, Organization, Paragraph, Report

DEFAULT_MAX_CHARS = 600
CHUNKER_VERSION = "8"  # 7, 8: a pronoun among the first words leads a sentence too (referents)


class SourceDocument(Protocol):
    """Extracted text of one cited source, and the footnotes that cite it."""

    @property
    def url(self) -> str: ...
    @property
    def footnotes(self) -> tuple[int, ...]: ...
    @property
    def title(self) -> str | None: ...
    @property
    def text(self) -> str: ...


class CorpusView:
    """Every text a chunk points into and a citation may quote: report, footnote bodies, sources."""

    def __init__(
        self,
        report: Report,
        sources: Mapping[str, str] | None = None,
        provenance: Mapping[str, str] | None = None,
    ) -> None:
        self.report = report
        self.sources = dict(sources or {})
        # url -> how its stored copy got here (sources.store.provenance_label): every citation of a
        # source shows it, so an imported file never passes for the page at the cited URL
        self.provenance = dict(provenance or {})

    def base(self, chunk: Chunk) -> str | None:
        """The text a chunk's offsets point into: the report, a footnote's body or a source's
        extracted text (None when the chunk's footnote or source is not known here)."""
        if chunk.kind == "footnote":
            note = self.report.footnote(chunk.footnotes[0]) if chunk.footnotes else None
            return note.text if note else None
        if chunk.kind == "source":
            return self.sources.get(chunk.source)
        return self.report.text

    def footnote(self, number: int) -> Footnote | None:
        return self.report.footnote(number)

    def footnotes_in(self, start: int, end: int) -> tuple[Footnote, ...]:
        """Footnotes whose markers sit inside [start, end] of the clean report text."""
        numbers = [m.number for m in self.report.markers if start <= m.offset <= end]
        return tuple(n for n in map(self.report.footnote, numbers) if n is not None)

    def paragraph_at(self, offset: int) -> str:
        for para in self.report.paragraphs:
            if para.start <= offset <= para.end:
                return para.text
        return ""


@dataclass(frozen=True)
class IndexedChunk:
    chunk: Chunk
    search_text: str
    # scoring texts of the chunk's sentences (see sentence_units), embedded at build time
    sentences: tuple[str, ...] = ()


def chunk_id(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:16]


def build_chunks(
    report: Report,
    sources: Sequence[SourceDocument] = (),
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[IndexedChunk]:
    out: list[IndexedChunk] = []
    orgs = {o.line: o for o in report.organizations}
    for para in report.paragraphs:
        if para.kind == "heading":
            continue
        if para.kind == "appendix":
            org = orgs.get(para.text)
            if org is not None:
                out.append(_appendix_chunk(para, org))
            continue
        out += _paragraph_chunks(para, max_chars)
    out += [_footnote_chunk(f) for f in report.footnotes]
    for source in sources:
        out += _source_chunks(source, max_chars)
    view = CorpusView(report, {s.url: s.text for s in sources})
    return _unique_ids(
        [
            _with_sentences(item, view.base(item.chunk)) if _prose(item.chunk) else item
            for item in out
        ]
    )


def _prose(chunk: Chunk) -> bool:
    """Whether the chunk's sentences are prose worth embedding at build time.

    Appendix entries are table rows and most footnotes are a URL or "Ibid": the answerer
    rarely scores them as sentences, so their vectors are made on first use instead (the
    build embeds about a third fewer texts for this report).
    """
    if chunk.kind == "appendix":
        return False
    return chunk.kind != "footnote" or is_prose(chunk.text)


def _unique_ids(items: list[IndexedChunk]) -> list[IndexedChunk]:
    """Ids hash kind and text, not offsets (an edit elsewhere must not change them); the n-th
    repeat of the same text gets n mixed in, so ids stay unique."""
    seen: dict[str, int] = {}
    out = []
    for item in items:
        n = seen.get(item.chunk.chunk_id, 0)
        seen[item.chunk.chunk_id] = n + 1
        if n:
            chunk = replace(item.chunk, chunk_id=chunk_id(item.chunk.chunk_id, n))
            item = IndexedChunk(chunk, item.search_text, item.sentences)
        out.append(item)
    return out


def _with_sentences(item: IndexedChunk, base: str | None) -> IndexedChunk:
    units = sentence_units(item.chunk, base)
    return IndexedChunk(
        item.chunk,
        item.search_text,
        tuple(
            scoring_text(item.chunk.text[s - item.chunk.start : e - item.chunk.start], who)
            for s, e, who in units
        ),
    )


def sentence_units(chunk: Chunk, base: str | None) -> list[tuple[int, int, str | None]]:
    """(start, end, referent) of each sentence of a chunk, offsets into its base text.

    The referent is who a leading "He"/"She" means (referents.leading_pronoun), read from the base
    text before it.
    """
    units: list[tuple[int, int, str | None]] = []
    for s, e in sentence_spans(chunk.text) or ((0, len(chunk.text)),):
        text = chunk.text[s:e]
        who = (
            referent(base, chunk.start + s) if base is not None and leading_pronoun(text) else None
        )
        units.append((chunk.start + s, chunk.start + e, who))
    return units


def scoring_text(sentence: str, who: str | None) -> str:
    """What a sentence is matched on: the sentence, prefixed by who its pronoun means."""
    return f"{who}: {sentence}" if who else sentence


def _make(
    text: str, kind: ChunkKind, para: Paragraph, start: int, footnotes: tuple[int, ...]
) -> Chunk:
    return Chunk(
        chunk_id=chunk_id("report", kind, text),
        text=text,
        kind=kind,
        page=para.page,
        section=para.section,
        start=start,
        end=start + len(text),
        footnotes=footnotes,
    )


def _paragraph_chunks(para: Paragraph, max_chars: int) -> list[IndexedChunk]:
    kind: ChunkKind = (
        "caption" if para.kind == "caption" else "about" if para.kind == "about" else "body"
    )
    out = []
    for start, end in _windows(para.text, max_chars):
        text = para.text[start:end]
        begin = para.start + start
        markers = tuple(m.number for m in para.markers if begin <= m.offset <= begin + len(text))
        chunk = _make(text, kind, para, begin, markers)
        names = _referents(para.text, start, end)
        about = f" ({', '.join(names)})" if names else ""
        out.append(IndexedChunk(chunk, f"{para.section}{about}. {text}"))
    return out


def _referents(text: str, start: int, end: int) -> list[str]:
    """Names the pronoun-led sentences of text[start:end] refer to, so search finds them."""
    names = []
    for s, e in sentence_spans(text):
        if start <= s < end and leading_pronoun(text[s:e]):
            name = referent(text, s)
            if name and name not in names:
                names.append(name)
    return names


def _windows(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Consecutive sentence runs of at most max_chars (a longer sentence stands alone)."""
    windows: list[tuple[int, int]] = []
    for start, end in sentence_spans(text) or ((0, len(text)),):
        if windows and end - windows[-1][0] <= max_chars:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _appendix_chunk(para: Paragraph, org: Organization) -> IndexedChunk:
    chunk = _make(para.text, "appendix", para, para.start, ())
    chunk = Chunk(**{**chunk.__dict__, "organizations": (org.number,)})
    place = ", ".join(x for x in (org.city, org.country, org.region) if x)
    if org.country:
        place += " " + " ".join(adjectives(org.country))
    search = (
        f"{para.section}: partner organization of the conference. {para.text}. Location: {place}"
    )
    return IndexedChunk(chunk, search)


def _footnote_chunk(note: Footnote) -> IndexedChunk:
    chunk = Chunk(
        chunk_id=chunk_id("report", "footnote", note.number, note.text),
        text=note.text,
        kind="footnote",
        page=note.page,
        section=f"Footnote {note.number}",
        start=0,
        end=len(note.text),
        footnotes=(note.number,),
    )
    search = f"Footnote {note.number}, the source of: {note.cited_in or ''} {note.text}"
    return IndexedChunk(chunk, search)


def _source_chunks(source: SourceDocument, max_chars: int) -> list[IndexedChunk]:
    out = []
    for start, end in _windows(source.text, max_chars):
        text = source.text[start:end]
        chunk = Chunk(
            chunk_id=chunk_id(source.url, "source", text),
            text=text,
            kind="source",
            page=0,
            section=source.title or source.url,
            start=start,
            end=end,
            footnotes=source.footnotes,
            source=source.url,
        )
        out.append(IndexedChunk(chunk, f"{source.title or source.url}. {text}"))
    return out


def corpus_hash(chunks: Iterable[IndexedChunk]) -> str:
    digest = hashlib.sha256()
    for item in chunks:
        digest.update(item.chunk.chunk_id.encode())
        digest.update(hashlib.sha256(item.search_text.encode("utf-8")).digest())
    return digest.hexdigest()
