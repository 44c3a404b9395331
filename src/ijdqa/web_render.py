"""HTML and table rows for the web chat. Pure string work: no gradio, no I/O but eval files.

Every text that comes from the corpus or the user goes through `esc`, which also neutralizes
`$`, `{` and `}` so that neither Gradio's template strings nor LaTeX rendering can act on it.
Citation cards carry ids `ijdqa-cite-{turn}-{marker}`; the markers of an answer link to them.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ijdqa.citations import MARKER_RE
from ijdqa.errors import IjdqaError
from ijdqa.render import footnote_facts
from ijdqa.types import Answer, Citation, Footnote, Organization, Report

CONTEXT_CHARS = 360  # how much of the paragraph to show on each side of a quote
_URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:)\]]")
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
    body = _URL_RE.sub(lambda m: external_link(html.unescape(m.group(0))), body)
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


# --- the report, footnotes and organizations tabs ----------------------------------------


def page_html(report: Report, number: int) -> str:
    """One page: paragraphs with their markers as superscript links, then those footnotes."""
    page = next((p for p in report.pages if p.number == number), None)
    if page is None:
        return f'<p class="ijdqa-empty">No page {number}.</p>'
    lookup = report.footnote_map
    paras = [report.paragraphs[i] for i in page.paragraphs if 0 <= i < len(report.paragraphs)]
    blocks, cited = [], list(page.footnotes)
    for para in paras:
        text, last = [], 0
        for m in para.markers:
            cut = max(last, min(len(para.text), m.offset - para.start))
            text.append(esc(para.text[last:cut]))
            text.append(
                f'<sup><a class="ijdqa-fnref" href="#ijdqa-fn-{m.number}">{m.number}</a></sup>'
            )
            last = cut
            cited.append(m.number)
        text.append(esc(para.text[last:]))
        tag = "h3" if para.kind == "heading" else "p"
        blocks.append(f'<{tag} class="ijdqa-para ijdqa-{para.kind}">{"".join(text)}</{tag}>')
    notes = [lookup[n] for n in dict.fromkeys(cited) if n in lookup]
    items = "".join(
        f'<li id="ijdqa-fn-{n.number}">{footnote_html(n, lookup)}'
        f'<div class="ijdqa-fntext">{esc(n.text)}</div></li>'
        for n in sorted(notes, key=lambda n: n.number)
    )
    foot = f'<h4>Footnotes</h4><ul class="ijdqa-fns">{items}</ul>' if items else ""
    return f'<div class="ijdqa-page-view"><div class="ijdqa-pageno">Page {number}</div>{"".join(blocks)}{foot}</div>'


FOOTNOTE_HEADERS = ["#", "page", "date", "kind", "text", "URL(s)", "Ibid"]


def footnote_rows(report: Report) -> list[list[object]]:
    """One row per footnote: number, page, date (an Ibid's from its target), kind, the text
    without its URLs, the URLs (an Ibid's are its target's), the footnote an Ibid repeats."""
    rows: list[list[object]] = []
    for f in report.footnotes:
        facts = footnote_facts(f, report.footnote_map)
        rows.append(
            [
                f.number,
                f.page,
                f.date or facts.shown.date or "",
                f.kind,
                " ".join(_URL_RE.sub("", f.text).split()) or "—",  # the URLs have their own column
                "\n".join(facts.urls),
                f.same_as or "",
            ]
        )
    return rows


def footnotes_html(report: Report) -> str:
    """The footnote table with its URLs as links (new tab, no referrer)."""
    rows = []
    for number, page, date, kind, text, urls, ibid in footnote_rows(report):
        links = "<br>".join(external_link(u) for u in str(urls).split("\n") if u)
        cells = [esc(str(x)) for x in (number, page, date, kind, text)]
        cells += [links, f"repeats {ibid}" if ibid else ""]
        row = "".join(f"<td>{c}</td>" for c in cells)
        rows.append(f'<tr id="ijdqa-fnrow-{number}">{row}</tr>')
    head = "".join(f"<th>{h}</th>" for h in FOOTNOTE_HEADERS)
    return (
        f'<div class="ijdqa-table"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


ORGANIZATION_HEADERS = ["#", "name", "city", "country", "region", "page", "repeats"]


def region(org: Organization) -> str | None:
    """The region shown for a row: the report's own label, else the continent of its country."""
    from ijdqa.answer.places import region_of

    return region_of(org)


def organization_rows(orgs: Iterable[Organization]) -> list[list[object]]:
    return [
        [
            o.number,
            o.name,
            o.city or "",
            o.country or "",
            region(o) or "",
            o.page,
            o.repeat_of or "",
        ]
        for o in orgs
    ]


def choices(values: Iterable[str | None]) -> list[str]:
    return sorted({v for v in values if v})


# --- the evaluation tab -----------------------------------------------------------------


@dataclass(frozen=True)
class EvalView:
    """What the Evaluation tab shows: a Markdown text and the metrics (None without a run)."""

    markdown: str
    metrics: dict[str, object] | None = None


def latest_run(runs_dir: Path) -> Path | None:
    """The run folder `runs_dir/latest` names: a JSON file {"run": NAME} (what the eval harness
    writes), a file holding a path, or a symlink to the folder."""
    pointer = runs_dir / "latest"
    if pointer.is_dir():
        return pointer.resolve()
    if not pointer.is_file():
        return None
    text = pointer.read_text(encoding="utf-8").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    name = data.get("run") if isinstance(data, dict) else data
    if not isinstance(name, str) or not name.strip():
        return None
    named = Path(name.strip())
    for candidate in (runs_dir / named, named):
        if candidate.is_dir():
            return candidate.resolve()
    return None


def eval_view(runs_dir: Path) -> EvalView:
    """The latest run's report.md (plots inlined) and metrics.json, or why there is none."""
    pointer = runs_dir / "latest"
    if not pointer.exists():
        return EvalView(f"No evaluation run yet (`{pointer}` does not exist).")
    run = latest_run(runs_dir)
    if run is None:
        return EvalView(f"`{pointer}` does not name an existing run folder.")
    parts, metrics = [f"**Latest run:** `{run.name}`"], None
    try:
        metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        parts.append("(no metrics.json in this run)")
    except (OSError, ValueError) as exc:
        parts.append(f"(metrics.json unreadable: {exc})")
    try:
        parts.append(inline_images((run / "report.md").read_text(encoding="utf-8"), run))
    except OSError:
        parts.append("(no report.md in this run)")
    data = metrics if isinstance(metrics, dict) else ({"metrics": metrics} if metrics else None)
    return EvalView("\n\n".join(parts), data)


_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(([\w.-]+\.png)\)")


def inline_images(markdown: str, folder: Path) -> str:
    """![x](plot.png) of a run folder becomes a data: URI, so the page requests nothing."""

    def inline(match: re.Match[str]) -> str:
        path = folder / match.group(2)
        if not path.is_file():
            return f"({match.group(1)}: plot not found)"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"![{match.group(1)}](data:image/png;base64,{data})"

    return _IMAGE_RE.sub(inline, markdown)


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
