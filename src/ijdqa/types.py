"""Frozen value types shared by every layer. No behaviour beyond small derived properties,
and the one place an "Ibid." footnote is followed to the footnote it repeats (`ibid_chain`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

ParagraphKind = Literal["body", "heading", "caption", "appendix", "about"]
ChunkKind = Literal["body", "caption", "footnote", "appendix", "about", "source"]
FootnoteKind = Literal["tweet", "video", "news", "web page", "pdf", "note"]


@dataclass(frozen=True)
class Turn:
    """One message of a conversation: a user's question or an assistant's answer."""

    role: str
    content: str


@dataclass(frozen=True)
class Pending:
    """Words a model has written that are not checked yet (the sentence still being written).

    A stream shows them provisionally; they are replaced by the checked text once the sentence
    completes (kept, with its citation markers) or dropped (unsupported). Never part of an answer.
    """

    text: str


@dataclass(frozen=True)
class Marker:
    """A footnote marker: its number and its character offset in the clean text."""

    number: int
    offset: int
    page: int


@dataclass(frozen=True)
class Paragraph:
    """A paragraph, heading, caption or appendix entry of the clean text."""

    index: int
    kind: ParagraphKind
    page: int
    section: str
    start: int
    end: int
    text: str
    markers: tuple[Marker, ...] = ()
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Page:
    number: int
    paragraphs: tuple[int, ...]
    footnotes: tuple[int, ...]


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str
    urls: tuple[str, ...]
    date: str | None
    kind: FootnoteKind
    same_as: int | None
    page: int
    cited_in: str | None
    marker_offset: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "text": self.text,
            "urls": list(self.urls),
            "date": self.date,
            "kind": self.kind,
            "same_as": self.same_as,
            "page": self.page,
            "cited_in": self.cited_in,
        }


def ibid_chain(note: Footnote, notes: Mapping[int, Footnote]) -> list[Footnote]:
    """`note`, then the footnote it repeats (Ibid.), then the one that one repeats, and so on;
    it stops at a footnote that is no Ibid, is not in `notes` or was already reached."""
    chain, seen = [note], {note.number}
    while chain[-1].same_as is not None:
        repeated = notes.get(chain[-1].same_as)
        if repeated is None or repeated.number in seen:
            break
        chain.append(repeated)
        seen.add(repeated.number)
    return chain


def ibid_target(note: Footnote, notes: Mapping[int, Footnote]) -> Footnote | None:
    """The footnote an Ibid repeats (the end of its chain); None for a footnote that is no
    Ibid or whose target is unknown."""
    chain = ibid_chain(note, notes)
    return chain[-1] if len(chain) > 1 else None


def footnote_urls(notes: Iterable[Footnote], lookup: Mapping[int, Footnote]) -> list[str]:
    """The URLs behind footnotes, each once, as printed: a footnote's own, then (for an Ibid)
    those of the footnotes it repeats."""
    urls: list[str] = []
    for note in notes:
        for link in ibid_chain(note, lookup):
            urls += [u for u in link.urls if u not in urls]
    return urls


@dataclass(frozen=True)
class Organization:
    number: int
    name: str
    country: str | None
    city: str | None
    region: str | None
    page: int
    line: str
    repeat_of: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "name": self.name,
            "country": self.country,
            "city": self.city,
            "region": self.region,
            "page": self.page,
            "repeat_of": self.repeat_of,
        }


@dataclass(frozen=True)
class Report:
    """The parsed report. `text` is the clean text: markers removed, lines and pages joined."""

    text: str
    paragraphs: tuple[Paragraph, ...]
    pages: tuple[Page, ...]
    footnotes: tuple[Footnote, ...]
    organizations: tuple[Organization, ...]
    warnings: tuple[str, ...] = ()
    name: str = "report"

    @property
    def markers(self) -> tuple[Marker, ...]:
        return tuple(m for p in self.paragraphs for m in p.markers)

    @cached_property
    def footnote_map(self) -> Mapping[int, Footnote]:
        """Number -> footnote, built once per report."""
        return {f.number: f for f in self.footnotes}

    def footnote(self, number: int) -> Footnote | None:
        return self.footnote_map.get(number)

    def resolve(self, number: int) -> Footnote | None:
        """The footnote whose source footnote `number` cites: itself, or for an Ibid the one
        it repeats (followed to the end of a chain of Ibids)."""
        note = self.footnote_map.get(number)
        return ibid_chain(note, self.footnote_map)[-1] if note else None

    @classmethod
    def of_footnotes(cls, notes: Iterable[Footnote]) -> Report:
        """A report that holds only footnotes: enough to follow the Ibids among them."""
        return cls(text="", paragraphs=(), pages=(), footnotes=tuple(notes), organizations=())


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit with a stable, content-derived id."""

    chunk_id: str
    text: str
    kind: ChunkKind
    page: int
    section: str
    start: int
    end: int
    footnotes: tuple[int, ...] = ()
    source: str = "report"
    organizations: tuple[int, ...] = ()


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    """One marker [n] of an answer: a verbatim quote, where it sits, and the footnotes behind it."""

    marker: int
    chunk_id: str
    quote: str
    start: int
    end: int
    page: int
    section: str
    kind: ChunkKind
    source: str
    footnotes: tuple[Footnote, ...] = ()
    context: str = ""
    source_excerpt: str | None = None
    source_status: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "marker": self.marker,
            "chunk_id": self.chunk_id,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "section": self.section,
            "kind": self.kind,
            "source": self.source,
            "footnotes": [f.as_dict() for f in self.footnotes],
            "source_excerpt": self.source_excerpt,
            "source_status": self.source_status,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    refused: bool = False
    see_also: tuple[Hit, ...] = ()
    answerer: str = "extractive"
    notes: tuple[str, ...] = ()
    dropped_markers: int = 0
    unsupported: tuple[str, ...] = ()
    resolved_question: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
