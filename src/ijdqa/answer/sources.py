"""Questions about where a claim comes from: which footnote, which site, which date.

Three ways to the footnotes a question means, tried in order:
- the site or kind it names ("which footnotes cite kayhan.ir", "the youtube source");
- the date it gives ("tweets dated 19.5.20", "sources from 20 May 2020");
- the claim it describes: the report sentence that best matches the question, read with the
  markers it carries, as a reader follows a marker to its note.
Pure helpers over footnotes; the answerer supplies the sentence ranking.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlparse

from ijdqa import prompts
from ijdqa.answer.spelling import lexicon_words
from ijdqa.text import MONTHS
from ijdqa.types import Footnote, ibid_target

MOST_NOTES = 6  # footnotes listed for one site or date, at most
TWO_DIGIT_YEAR = 2  # "19.5.20": a two-digit year is this century's
_MONTHS = {m: i for i, m in enumerate(MONTHS, 1)}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})\b")
_WORDY_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+({'|'.join(_MONTHS)})|({'|'.join(_MONTHS)})\s+(\d{{1,2}})(?:st|nd|rd|th)?)"
    r"(?:,?\s+(\d{4}))?",
    re.I,
)
_KIND_WORDS = {
    "tweet": ("tweet", "tweets", "twitter"),
    "video": ("video", "videos", "youtube"),
    "news": ("news", "article", "articles", "newspaper", "outlet"),
    "pdf": ("pdf",),
}
_GENERIC_HOST_PARTS = frozenset({"www", "com", "org", "net", "co", "uk", "ir", "il", "en", "fa"})


def question_dates(question: str) -> list[tuple[int | None, int, int]]:
    """(year or None, month, day) of every date the question gives."""
    found: list[tuple[int | None, int, int]] = []
    for d, m, y in _NUMERIC_DATE.findall(question):
        found.append((int(y) + (2000 if len(y) == TWO_DIGIT_YEAR else 0), int(m), int(d)))
    for match in _WORDY_DATE.finditer(question):
        day = match.group(1) or match.group(4)
        month = _MONTHS[(match.group(2) or match.group(3)).lower()]
        found.append((int(match.group(5)) if match.group(5) else None, month, int(day)))
    return found


def _on(note: Footnote, date: tuple[int | None, int, int]) -> bool:
    if not note.date:
        return False
    when = dt.date.fromisoformat(note.date)
    year, month, day = date
    return when.month == month and when.day == day and year in (None, when.year)


_SITE_BEFORE = r"(?:cites?|cited|citing|from|on|site|website|outlet|links?)\s+(?:the\s+)?"


def _named_as_site(label: str, asked: str, *, before: bool = True) -> bool:
    """Whether a bare host label is used as the site's name ("cite kayhan", "on youtube",
    "the iranpress piece"), not as the organization's ("IHRC's complaint", "the ICT report").
    `before=False`: only a noun for a text after it names a site ("posted on Twitter" says
    where someone posted, not which source)."""
    if before and re.search(rf"\b{_SITE_BEFORE}{re.escape(label)}\b(?![’'])", asked):
        return True
    after = re.search(rf"\b{re.escape(label)}\s+", asked)  # "the iranpress piece"
    return bool(after and SOURCE_NOUNS.match(asked, after.end()))


def _labels(url: str) -> set[str]:
    host = urlparse(url).netloc.lower().removeprefix("www.")
    return host_words(url) - {host}


def host_words(url: str) -> set[str]:
    """The telling parts of a URL's host: "kayhan.ir" -> {"kayhan.ir", "kayhan"}."""
    host = urlparse(url).netloc.lower().removeprefix("www.")
    return {host} | {p for p in host.split(".") if p and p not in _GENERIC_HOST_PARTS}


def by_site_or_date(
    question: str, notes: Sequence[Footnote], *, site_words: bool = True
) -> list[Footnote]:
    """The footnotes whose site the question names, or whose date it gives (both, if it
    gives both); [] when it names neither. `site_words=False`: a bare label names a site only
    before a noun for a text ("the iranpress piece")."""
    asked = question.lower()
    words = set(re.findall(r"[\w.]+", asked)) | set(re.findall(r"[\w.-]+", asked))
    # a whole host ("kayhan.ir") names a site; a bare label ("ihrc", "kayhan") may name the
    # organization instead, so it counts only where the question asks about sites or links
    sites = {
        n.number
        for n in notes
        for u in n.urls
        if {
            w
            for w in host_words(u) & words
            if w not in _labels(u) or _named_as_site(w, asked, before=site_words)
        }
    }
    kinds = {
        n.number
        for n in notes
        if n.kind in _KIND_WORDS and words & set(_KIND_WORDS[n.kind]) and not sites
    }
    dates = question_dates(question)
    dated = {n.number for n in notes for d in dates if _on(n, d)}
    chosen = dated & (sites or kinds) if dates and (sites or kinds) else dated or sites
    return [n for n in notes if n.number in chosen][:MOST_NOTES]


def describe(note: Footnote, lookup: Mapping[int, Footnote]) -> str:
    """What a footnote says, with its kind and date: the note as printed, so a reader sees
    the URL and the date in the report's own form."""
    target = ibid_target(note, lookup)
    shown = target or note
    kind = "a tweet" if shown.kind == "tweet" else f"a {shown.kind}"
    kind_date = f" ({kind}{', ' + shown.date if shown.date else ''})"
    if target is not None:
        return prompts.render(
            "source_ibid",
            number=note.number,
            text=note.text,
            same_as=target.number,
            kind_date=kind_date,
            urls=target.text,
        )
    if shown.kind == "note":
        return prompts.render("source_note", number=note.number, text=note.text)
    return prompts.render("source_answer", number=note.number, kind_date=kind_date, urls=note.text)


_DETAILS = lexicon_words("source_details.txt")
SOURCE_NOUNS = lexicon_words("source_nouns.txt")  # nouns for a cited text ("article", "tweet")
_AUTHORS = lexicon_words("source_authors.txt")


def asks_missing_detail(
    question: str, notes: Sequence[Footnote], lookup: Mapping[int, Footnote]
) -> bool:
    """Whether the question asks for something of its sources ("the title of the video in
    footnote 2", "the Telegraph article's author") that none of the footnotes gives: each
    is a date and a link, not a note in words; an account's tweet names its author."""
    shown = [ibid_target(n, lookup) or n for n in notes]
    if not shown or any(n.kind == "note" for n in shown):
        return False
    if _DETAILS.search(question):
        return True
    return bool(_AUTHORS.search(question)) and all(n.kind != "tweet" for n in shown)
