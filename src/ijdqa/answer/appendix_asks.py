"""What a question over the appendix table asks of the rows it gets, besides the rows: a yes or
no ("Is X a partner?"), rows it takes for granted ("Which German groups ...?", so none means the
report does not say), or a detail the table leaves empty ("which city is X in?").

Pure string work over the question (and the rows chosen); table.py words the answer by it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ijdqa.answer.appendix_names import row_acronyms
from ijdqa.answer.appendix_words import COUNT
from ijdqa.types import Organization

# the place in brackets after a name: a city, or a state or province ("(Kedah)")
_FIELD_WORDS = {
    "city": re.compile(r"\b(city|cities|town|towns|state|states|provinces?|where)\b", re.I)
}
_ASKS_FIELD = {
    "city": re.compile(
        r"\b(?:which|what|in what)\s+(?:\w+\s+)?(?:city|cities|towns?|states?|provinces?)\b",
        re.I,
    )
}


def asks_missing_field(question: str, rows: Sequence[Organization], *, named: bool = True) -> bool:
    """Whether the question asks for a detail of the rows that the table does not give
    ("which city is X in?" for a row with no city; "which cities are the Canadian groups
    in?" where no Canadian row gives one). For rows chosen by place, only an explicit
    "which city" asks for it ("where" is answered by the place)."""
    cue = _FIELD_WORDS if named else _ASKS_FIELD
    if _EXPANSION.search(question):  # what an acronym stands for: the row must spell it out
        nearest = _ACRONYM_ASKED.search(question)
        asked = {nearest.group(1)} if nearest else set(_CAPS.findall(question))
        return not any(asked & set(row_acronyms(o.name, initials=False)) for o in rows)
    return bool(cue["city"].search(question)) and not any(o.city for o in rows)


_EXPANSION = re.compile(r"\b(?:stands?|stood|is short)\s+for\b", re.I)
_ACRONYM_ASKED = re.compile(
    r"\b([A-Z][A-Z0-9&-]*[A-Z0-9])\W+(?:\w+\W+)?(?:stands?|stood|is short)\s+for\b"
)
_CAPS = re.compile(r"\b[A-Z][A-Z0-9&-]*[A-Z0-9]\b")


_WHETHER = re.compile(
    r"^\W*(?:is|are|was|were|does|do|did|has|have)\b"
    r"|\b(?:listed|included|a partner|among the partners|one of the partners)\W*$",
    re.I,
)


def asks_whether(question: str) -> bool:
    """A yes-or-no question: "Is X a partner?", "Are any German groups listed?" (not "Which
    Nigerian groups are among the partners?")."""
    asked = question.strip()
    if re.match(r"^\W*(?:list|name)\b", asked, re.I) or re.search(
        r"\b(?:which|what|who|how|where|when)\b", asked, re.I
    ):
        return False  # "under which countries is it listed?" asks which, not whether
    return bool(_WHETHER.search(asked))


_PRESUPPOSING = re.compile(r"(?:^|[,:;]\s)\W*(?:which|what|where|name|list|show|give)\b", re.I)
_ASKS_LOCATION = re.compile(r"\b(based|located|headquartered|situated|from|itself)\b", re.I)


def presupposes(question: str, *, located: bool = False) -> bool:
    """Whether a question takes for granted that the rows it asks for exist ("Which German
    groups are partners?"; not "Are there German groups?" or "How many ..."), so that none
    means the report does not say. `located`: some rows name the place without being there,
    which answers the question unless it asks where rows are based."""
    if not _PRESUPPOSING.search(question) or COUNT.search(question):
        return False
    return not located or bool(_ASKS_LOCATION.search(question))
