"""The rows (and groups of rows) of the appendix table an `AppendixQuery` asks for, and the
words a list's head uses for what they have in common (appendix.py reads the question).

Pure: a query and the table in, a `Selection` out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ijdqa.answer.appendix import AppendixQuery
from ijdqa.answer.places import describe, matches, ranked, refers_to, region_of
from ijdqa.search.lexical import tokenize
from ijdqa.text import normalize
from ijdqa.types import Organization

# the group of rows the table places nowhere (worded without a negation: a claim check reads
# "no ..." as contradicting the rows, which say nothing of the kind)
NO_COUNTRY = "without a country"
NO_REGION = "without a region"


def label_of(org: Organization) -> str | None:
    """How the table labels a row: the words after its last comma ("Europe" for
    "31. Network, Europe", "UK" for "4. CASMI, UK"); None when it has no label."""
    head, comma, label = org.line.rpartition(",")
    return label.strip() if comma and head and label.strip() else None


@dataclass(frozen=True)
class Selection:
    rows: list[Organization]
    groups: list[tuple[str, int]] = field(default_factory=list)  # (country or region, rows)
    named_after: bool = False  # no row is located in the place asked; these rows name it


def _names_term(org: Organization, term: str) -> bool:
    have = set(tokenize(org.name))
    return all(t in have for t in tokenize(term))


def term_as_written(term: str, rows: Sequence[Organization]) -> str:
    """A name word asked as the first of `rows` writes it ("Societies" asked, "Society"
    written), so a list's heading names what its rows say."""
    written = []
    for word in term.split():
        stems = tokenize(word)
        same = (
            w
            for o in rows[:1]
            for w in re.findall(r"[\w’'&-]+", o.name)
            if stems and tokenize(w) == stems
        )
        written.append(next(same, word))
    return " ".join(written)


def select(query: AppendixQuery, orgs: Sequence[Organization]) -> Selection:
    """The rows (and groups) a query asks for."""
    rows = [o for o in orgs if not any(matches(o, p) for p in query.exclude)]
    if query.operation == "duplicates":
        repeated = {o.repeat_of for o in orgs if o.repeat_of} | {
            o.number for o in orgs if o.repeat_of
        }
        return Selection([o for o in orgs if o.number in repeated])
    if query.operation == "rows":
        if query.member:
            return Selection([])
        if query.each:
            counts = [(describe([p]), sum(1 for o in rows if matches(o, p))) for p in query.include]
            rows = [o for o in rows if any(matches(o, p) for p in query.include)]
            return Selection(rows, counts)
        if query.entries:
            rows = [o for o in rows if o.number in query.entries]
        if query.names:
            rows = [o for o in rows if o.name in query.names]
        if query.words:
            wanted = [normalize(w) for w in query.words]
            rows = [o for o in rows if any(w in normalize(o.line) for w in wanted)]
        if query.terms:
            rows = [o for o in rows if all(_names_term(o, t) for t in query.terms)]
        if query.labels:
            labels = {normalize(x) for x in query.labels}
            rows = [o for o in rows if normalize(label_of(o) or "") in labels]
        if query.exclude_labels:
            left = {normalize(x) for x in query.exclude_labels}
            rows = [o for o in rows if normalize(label_of(o) or "") not in left]
        if query.lacking:
            rows = [o for o in rows if getattr(o, query.lacking) is None]
        if query.include:
            located = [o for o in rows if any(matches(o, p) for p in query.include)]
            if located:
                return Selection(located)
            # no row is located there: the rows whose name refers to it ("Lebanese
            # Community in Scotland" for Lebanon), said as such
            named = [o for o in rows if any(refers_to(o, p) for p in query.include)]
            return Selection(named, named_after=bool(named))
        return Selection(rows)
    if query.operation in ("by_country", "countries"):
        return Selection(rows, ranked(o.country or NO_COUNTRY for o in rows))
    if query.operation == "by_region":
        return Selection(rows, ranked(region_of(o) or NO_REGION for o in rows))
    return Selection(rows)


def describe_fields(query: AppendixQuery) -> str:
    """How a list's head names what its rows have in common besides their places."""
    said = []
    if query.entries:
        said.append(f"numbered {', '.join(map(str, query.entries))}")
    if query.labels:
        said.append(f"labelled {' or '.join(query.labels)}")
    if query.lacking:
        said.append(f"without a {query.lacking}")  # worded as NO_COUNTRY is
    return " ".join(said) + (" " if said else "")
