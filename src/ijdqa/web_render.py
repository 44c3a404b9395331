"""HTML for the web chat: the chat bubbles and the citations panel. Pure string work: no gradio,
no I/O. The report, footnotes and organizations tabs are web_report.py's; the evaluation tab
is web_eval.py's.

Every text that comes from the corpus or the user goes through `esc`, which also neutralizes
`$`, `{` and `}` so that neither Gradio's template strings nor LaTeX rendering can act on it.
Citation cards carry ids `ijdqa-cite-{turn}-{marker}`; the markers of an answer link to them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ijdqa.citations import MARKER_RE
from ijdqa.errors import IjdqaError
from ijdqa.render import footnote_facts
from ijdqa.types import Answer, Citation, Footnote

CONTEXT_CHARS = 360  # how much of the paragraph to show on each side of a quote
URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:)\]]")
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;"})


def esc(text: str | None, *, breaks: bool = False) -> str:
    """HTML-escape `text`; with breaks=True newlines become <br> (chat bubbles stay one block)."""
    out = html.escape(text or "", quote=True).translate(_TEMPLATE_CHARS)
    return out.replace("\n", "<br>") if breaks else out


def cite_id(turn: int, marker: int) -> str:
    return f"ijdqa-cite-{turn}-{marker}"


def external_link(url: str, label: str | None = None) -> str:
    """A link that opens in a new tab and tells the target nothing about us."""
    if url.startswith("www."):  # footnotes may cite `www.x.org/...`: not a relative link
        url = "https://" + url
    if not url.startswith(("http://", "https://")):  # javascript:, data:, ...: text, not a link
        return esc(label or url)
    return (
        f'<a class="ijdqa-url" href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
        f"{esc(label or url)}</a>"
    )


# --- chat bubbles -----------------------------------------------------------------------


def question_html(question: str) -> str:
    return f'<div class="ijdqa-question">{esc(question, breaks=True)}</div>'


def link_markers(escaped: str, turn: int, markers: Iterable[int]) -> str:
    """[n] in already-escaped text becomes a link to its citation card (known markers only)."""
    known = set(markers)

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return (
            f'<a class="ijdqa-marker" href="#{cite_id(turn, n)}" '
            f'title="show citation {n}">[{n}]</a>'
        )

    return MARKER_RE.sub(link, escaped)


def answer_html(answer: Answer, *, turn: int, text: str | None = None) -> str:
    """The chat bubble of an answer; `text` is a prefix of answer.text while streaming."""
    shown = answer.text if text is None else text
    if answer.refused:
        return refusal_html(answer, shown)
    body = link_markers(esc(shown, breaks=True), turn, (c.marker for c in answer.citations))
    body = URL_RE.sub(lambda m: external_link(html.unescape(m.group(0))), body)
    notes = "".join(f'<div class="ijdqa-note">{esc(n)}</div>' for n in answer.notes)
    resolved = (
        f'<div class="ijdqa-note">Read as: {esc(answer.resolved_question)}</div>'
        if answer.resolved_question
        else ""
    )
    return (
        f'<div class="ijdqa-answer"><div class="ijdqa-label">Answer from the report</div>'
        f'<div class="ijdqa-text">{body}</div>{resolved}{notes}</div>'
    )


def refusal_html(answer: Answer, text: str) -> str:
    """A refusal: its own label and colour, then the closest passages the index found."""
    items = "".join(
        f'<li><span class="ijdqa-page">p. {h.chunk.page}</span> '
        f'<span class="ijdqa-section">{esc(h.chunk.section)}</span>: '
        f"{esc(_clip(h.chunk.text, 240))}</li>"
        for h in answer.see_also
    )
    see_also = (
        f'<div class="ijdqa-seealso-title">See also (closest passages):</div>'
        f'<ul class="ijdqa-seealso">{items}</ul>'
        if items
        else ""
    )
    return (
        f'<div class="ijdqa-refusal"><div class="ijdqa-label">Not answered: the report does not '
        f'say</div><div class="ijdqa-text">{esc(text, breaks=True)}</div>{see_also}</div>'
    )


def error_html(message: str) -> str:
    return (
        f'<div class="ijdqa-error"><div class="ijdqa-label">Error</div>'
        f'<div class="ijdqa-text">{esc(message, breaks=True)}</div></div>'
    )


def draft_html(text: str, pending: str = "") -> str:
    """An LLM answer as it is being written: its checked sentences, then the sentence still
    being written, greyed (not checked yet: it may still be dropped); replaced when done."""
    tail = f' <span class="ijdqa-unchecked">{esc(pending)}</span>' if pending else ""
    return (
        f'<div class="ijdqa-answer ijdqa-pending"><div class="ijdqa-label">Writing…</div>'
        f'<div class="ijdqa-text">{esc(text, breaks=True)}{tail}</div></div>'
    )


def thinking_html() -> str:
    return '<div class="ijdqa-answer ijdqa-pending"><div class="ijdqa-label">Reading the report…</div></div>'


# --- the citations panel ----------------------------------------------------------------


def citation_cards(answer: Answer, lookup: Mapping[int, Footnote], *, turn: int) -> str:
    """The cards of one answer, one per marker, each addressable by `cite_id(turn, marker)`."""
    if answer.refused or not answer.citations:
        return '<p class="ijdqa-empty">No citations: nothing was quoted for this question.</p>'
    return "".join(citation_card(c, lookup, turn=turn) for c in answer.citations)


def citation_card(c: Citation, lookup: Mapping[int, Footnote], *, turn: int) -> str:
    if c.kind == "source":
        where = f"source {external_link(c.source)}"
    else:
        where = f'<span class="ijdqa-page">page {c.page}</span>'
    notes = "".join(f"<li>{footnote_html(n, lookup)}</li>" for n in c.footnotes)
    notes_html = (
        f'<ul class="ijdqa-fns">{notes}</ul>'
        if notes
        else '<div class="ijdqa-nofn">No footnote at this passage.</div>'
    )
    return (
        f'<div class="ijdqa-cite" id="{cite_id(turn, c.marker)}">'
        f'<div class="ijdqa-cite-head"><span class="ijdqa-cite-n">[{c.marker}]</span> {where}'
        f' · <span class="ijdqa-section">{esc(c.section)}</span>'
        f' · <span class="ijdqa-kind">{esc(c.kind)}</span></div>'
        f'<blockquote class="ijdqa-context">{quote_in_context(c)}</blockquote>'
        f"{provenance_html(c)}{notes_html}</div>"
    )


def provenance_html(c: Citation) -> str:
    """How the cited source's copy got here ("imported copy, not fetched: ..."), if a source's
    words are shown."""
    status = c.source_status or ""
    label = status if c.kind == "source" else status.partition("; ")[2]
    return f'<div class="ijdqa-provenance">{esc(label)}</div>' if label else ""


def quote_in_context(c: Citation) -> str:
    """The paragraph around the quote, the quote itself in <mark>, all escaped."""
    context = c.context or c.quote
    at = context.find(c.quote)
    if at < 0:  # the context is not the quote's paragraph: show the quote alone
        return f"<mark>{esc(c.quote)}</mark>"
    before = context[max(0, at - CONTEXT_CHARS) : at]
    after = context[at + len(c.quote) : at + len(c.quote) + CONTEXT_CHARS]
    lead = "… " if at > CONTEXT_CHARS else ""
    tail = " …" if at + len(c.quote) + CONTEXT_CHARS < len(context) else ""
    return f"{lead}{esc(before)}<mark>{esc(c.quote)}</mark>{esc(after)}{tail}"


def footnote_html(note: Footnote, lookup: Mapping[int, Footnote]) -> str:
    """Footnote number, date, kind and URL links; an Ibid shows the URL of the note it repeats."""
    _, target, shown, urls = footnote_facts(note, lookup)
    ibid = f" (Ibid., repeats footnote {target.number})" if target else ""
    date = f' · <span class="ijdqa-date">{esc(shown.date)}</span>' if shown.date else ""
    links = " ".join(external_link(u) for u in urls) if urls else esc(shown.text)
    return (
        f'<span class="ijdqa-fn">footnote {note.number}</span>{ibid}{date}'
        f' · <span class="ijdqa-kind">{esc(shown.kind)}</span> · {links}'
    )


@dataclass(frozen=True)
class PanelEntry:
    """The citations of one answered question, kept per conversation."""

    turn: int
    question: str
    cards: str


def panel_html(entries: Sequence[PanelEntry]) -> str:
    """Newest answer first and open; earlier ones folded (a marker link unfolds them)."""
    if not entries:
        return (
            '<div class="ijdqa-panel"><p class="ijdqa-empty">Ask a question: the quotes, pages, '
            "footnotes and sources behind each [n] of the answer appear here.</p></div>"
        )
    groups = []
    for i, entry in enumerate(reversed(entries)):
        state = " open" if i == 0 else ""
        groups.append(
            f'<details class="ijdqa-group"{state}><summary>Q{entry.turn}: '
            f"{esc(_clip(entry.question, 120))}</summary>{entry.cards}</details>"
        )
    return f'<div class="ijdqa-panel">{"".join(groups)}</div>'


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """USER:PASS -> (user, pass); None or empty -> no login. (Here, not in web.py, so the CLI
    can check it before paying for the gradio import.)"""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise IjdqaError("--auth (or IJDQA_AUTH) must be USER:PASS with both parts non-empty")
    return user, password


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
