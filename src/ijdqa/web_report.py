"""HTML and table rows of the web chat's report, footnotes and organizations tabs: a page with
its markers linked to its footnotes, the footnote table, the organizations table. Pure string
work over the report, escaped as web_render.py escapes.
"""

from __future__ import annotations

from collections.abc import Iterable

from ijdqa.render import footnote_facts
from ijdqa.types import Organization, Report
from ijdqa.web_render import URL_RE, esc, external_link, footnote_html


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
                " ".join(URL_RE.sub("", f.text).split()) or "—",  # the URLs have their own column
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
