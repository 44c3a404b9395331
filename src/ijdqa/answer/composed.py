"""Claim checks on the extractive answer's own sentences (issue 12).

The extractive answerer quotes the report, but it also composes: a referent put into a quote
("He (Ali Khamenei) said ..."), a footnote described ("The report cites footnote 2 (a video,
2020-03-01): ..."), a count or breakdown over the appendix table ("Appendix 1 lists 7 partner
organizations in Iran:"), parts of a two-part question joined. Every such sentence that
carries a citation goes through the same check as an LLM's (`claims.check`): each number,
date, year, percentage and name in it must be in what it cites, and a negation must be in the
quote it rests on. A claim that fails is taken out of the answer and listed in `unsupported`
with its reason; it is never shown as cited.

What a citation backs (`evidence`): its quote and the paragraph around it, its page and
section, and the footnotes it carries (number, text, date; an Ibid's target too). A citation
of table rows also backs what those rows are, read by the table's parse: each row's number,
name, city, country and the regions its country lies in (lexicon/regions.txt), and the counts
that follow from the rows it covers: how many, how many distinct, how many countries, and how
many per country, region and city (with their share of the rows covered). A quote that lists
names ("Among them were Prof. A, ...; Prof. B, ...", enumeration.py) backs how many it lists.
So a count is
checkable only by the rows it counts: its citations must cover them. A list's heading
("Appendix 1 lists 3 partner organizations in Kedah:") carries no marker of its own and rests
on the rows listed under it.

The answerer's own statements of absence (the refusal sentences) cite nothing and are no
claims.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ijdqa import claims, prompts
from ijdqa.answer.enumeration import enumeration
from ijdqa.answer.places import region_of, regions_of
from ijdqa.citations import MARKER_RE, keep_valid
from ijdqa.search.corpus import CorpusView
from ijdqa.types import Answer, Chunk, Citation, Organization

_GROUP_RE = re.compile(r"(?:\s*\[\d{1,3}\])+")
_ITEM_RE = re.compile(r"^\s*[-•*]\s")  # a list line


@dataclass(frozen=True)
class Claim:
    """One cited statement of an answer: its text (markers removed) and the markers it rests
    on; `start`/`end` locate it in the answer text (a list heading: its own line only)."""

    text: str
    markers: tuple[int, ...]
    start: int
    end: int


class Rows:
    """Which table rows a citation covers: those whose entry lies inside its quote."""

    def __init__(self, chunks: Iterable[Chunk], organizations: Sequence[Organization]) -> None:
        by_number = {o.number: o for o in organizations}
        self._entries = sorted(
            (c.start, c.end, by_number[n])
            for c in chunks
            if c.kind == "appendix" and c.source == "report"
            for n in c.organizations
            if n in by_number
        )

    def covered(self, citation: Citation) -> list[Organization]:
        if citation.kind != "appendix" or citation.source != "report":
            return []
        return [o for s, e, o in self._entries if citation.start <= s and e <= citation.end]


def claims_of(text: str) -> list[Claim]:
    """The cited statements of an answer: each run of text closed by a group of markers, and
    each list heading (a line ending in ":" over list lines) with the markers of its list."""
    found: list[Claim] = []
    pos = 0
    for group in _GROUP_RE.finditer(text):
        markers = tuple(int(n) for n in MARKER_RE.findall(group.group()))
        run = text[pos : group.start()]
        offset = pos
        pos = group.end()
        lines = run.split("\n")
        last = lines[-1]
        start = offset + len(run) - len(last)
        body = _without_own_statements(last)
        if body.strip():
            found.append(Claim(body.strip(), markers, start + len(last) - len(body), group.end()))
    return found + _headings(text, found)


def _headings(text: str, cited: Sequence[Claim]) -> list[Claim]:
    """List headings, each resting on the markers of the list lines right under it."""
    out: list[Claim] = []
    lines = text.split("\n")
    at = 0
    spans = []
    for line in lines:
        spans.append((at, at + len(line)))
        at += len(line) + 1
    for i, line in enumerate(lines):
        after = [g.end() for g in _GROUP_RE.finditer(line)]  # a part's list after another's
        head = _without_own_statements(line[after[-1] if after else 0 :]).strip()
        if not head.endswith(":") or i + 1 >= len(lines) or not _ITEM_RE.match(lines[i + 1]):
            continue
        markers: list[int] = []
        for item in lines[i + 1 :]:
            if not _ITEM_RE.match(item):
                break
            markers += [int(n) for n in MARKER_RE.findall(item)]
        start, end = spans[i]
        if (
            markers
            and head.rstrip(":").strip()
            and not any(c.start <= start < c.end for c in cited)
        ):
            out.append(Claim(head, tuple(dict.fromkeys(markers)), end - len(head), end))
    return out


def _without_own_statements(text: str) -> str:
    """`text` after the answerer's own uncited statements of absence that open it."""
    return _OWN_RE.sub("", text)


def _own_statements() -> re.Pattern[str]:
    refusal = re.escape(prompts.refusal())
    part = re.escape(prompts.template("refusal_part")).replace(re.escape("{part}"), ".*?")
    return re.compile(rf"^\s*(?:(?:{part}|{refusal})\s*)+")


_OWN_RE = _own_statements()


def evidence(
    citations: Sequence[Citation], view: CorpusView, rows: Rows
) -> tuple[list[str], list[str]]:
    """(what may back a fact of a claim citing `citations`, the quotes it rests on)."""
    texts: list[str] = []
    stated: list[str] = []
    covered: dict[int, Organization] = {}
    for c in citations:
        texts += [c.quote, c.context, f"page {c.page}", c.section]
        stated.append(c.quote)
        listed = enumeration(c.quote)
        if listed:  # a quote listing names backs how many it lists
            texts.append(f"{len(listed.items)} names listed")
        for note in c.footnotes:
            target = view.footnote(note.same_as) if note.same_as else None
            for shown in (note, target):
                if shown is not None:
                    texts += [f"footnote {shown.number}", shown.text, shown.date or ""]
                    stated.append(shown.text)  # a footnote's words are quoted as they stand
        covered.update((o.number, o) for o in rows.covered(c))
    if covered:
        texts += row_facts(list(covered.values()))
    return texts, stated


def row_facts(rows: Sequence[Organization]) -> list[str]:
    """What table rows say, as the table's parse reads them, and the counts they give."""
    facts = [
        f"{o.number}. {o.name} ({', '.join(x for x in (o.city, o.country, o.region) if x)}); "
        f"in {', '.join(sorted(regions_of(o)))}"
        for o in rows
    ]
    total = len(rows)
    distinct = len({(o.name, o.country, o.city) for o in rows})
    countries = {o.country for o in rows if o.country}
    facts.append(f"{total} rows, {distinct} distinct, {len(countries)} countries")
    for key in (lambda o: o.country, region_of, lambda o: o.city):
        for name, n in Counter(k for k in map(key, rows) if k).items():
            facts.append(f"{name} {n} ({100 * n / total:.1f}%)")
    return facts


def problems(answer: Answer, view: CorpusView, rows: Rows) -> list[tuple[Claim, str]]:
    """Each cited claim of the answer that says more than what it cites, with the reason."""
    by_marker = {c.marker: c for c in answer.citations}
    found = []
    for claim in claims_of(answer.text):
        cited = [by_marker[m] for m in claim.markers if m in by_marker]
        if not cited:
            continue
        texts, stated = evidence(cited, view, rows)
        reason = claims.check(claim.text, texts, stated)
        if reason:
            found.append((claim, reason))
    return found


def checked(
    answer: Answer, view: CorpusView, rows: Rows, refuse: Callable[[Answer], Answer]
) -> Answer:
    """The answer without the claims its citations do not back, each listed in `unsupported`
    with its reason; `refuse(answer)` when no cited claim is left."""
    failed = problems(answer, view, rows)
    if not failed:
        return answer
    text = answer.text
    for claim, _ in sorted(failed, key=lambda f: f[0].start, reverse=True):
        end = claim.end
        if text[claim.start : end].rstrip().endswith(":"):  # a heading: its line
            end = text.find("\n", claim.start) + 1 or len(text)
        text = text[: claim.start] + text[end:]
    text = re.sub(r"[ \t]+\n", "\n", re.sub(r"[ \t]{2,}", " ", text)).strip()
    unsupported = answer.unsupported + tuple(
        f"{claim.text} (dropped: {reason})" for claim, reason in failed
    )
    kept = keep_valid(replace(answer, text=text, unsupported=unsupported))
    if not MARKER_RE.search(kept.text):
        return replace(refuse(kept), unsupported=unsupported)
    return kept
