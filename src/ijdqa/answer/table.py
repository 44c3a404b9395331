"""Questions about the appendix table of partner organizations: counts, lists, shares and
breakdowns by country or region, each row cited by its appendix entry (appendix.py reads the
question, appendix_select.py selects the rows, appendix_asks.py says what else it asks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ijdqa import prompts
from ijdqa.answer import appendix, appendix_asks, appendix_select, places
from ijdqa.answer.base import AnswererBase
from ijdqa.answer.expected import fits_type
from ijdqa.answer.followup import split_context
from ijdqa.answer.question import split_preamble
from ijdqa.answer.sentences import Candidate
from ijdqa.citations import make_citation
from ijdqa.types import (
    Citation,
    Organization,
)


class TableAnswers(AnswererBase):
    """Answers computed over the organizations table."""

    def _organizations(
        self, core: str, resolved: str, earlier: str | None = None
    ) -> dict[str, Any] | None:
        orgs = self.view.report.organizations
        own, context = split_context(resolved)
        # a follow-up whose pronoun was resolved reads as resolved ("how many entries does
        # it have?" -> "... does Malaysia have?"), else as asked, with the earlier question
        query = appendix.parse(own, orgs, self._table_words) if own != core else None
        asked, preamble = split_preamble(core, standalone=False)
        if query is None and preamble:  # "I'm checking South Asia. How many from Bangladesh?"
            query = appendix.parse(asked, orgs, self._table_words)
        if query is None:
            query = appendix.parse(core, orgs, self._table_words, context=context or earlier)
        if query is None:
            return None
        chosen = appendix_select.select(query, orgs)
        if query.operation in ("by_country", "countries", "by_region") or query.each:
            return self._org_groups(query, chosen)
        if query.operation == "total" and not query.exclude:
            return self._org_total(orgs, own)
        if chosen.rows and appendix_asks.asks_missing_field(
            own, chosen.rows, named=bool(query.names)
        ):
            return {"refused": True}  # "which city is X in" where the table gives none
        whether = appendix_asks.asks_whether(core)
        if not chosen.rows or chosen.named_after:
            where = (
                query.member
                or " ".join(query.terms + tuple(p.name for p in query.include))
                or " ".join(query.words)
            )
            text = (
                prompts.render("organizations_none", what=where, count=len(orgs))
                if where
                # only fields asked for ("numbered 140", "without a city"): say them as asked
                else prompts.render(
                    "organizations_none_field",
                    what=appendix_select.describe_fields(query).strip() or "of that kind",
                    count=len(orgs),
                )
            )
            if chosen.named_after:  # none is there; some name it
                named = self._org_list(chosen.rows, replace(query, include=()), orgs)
                # the absence and what the rows' names refer to are the answerer's own
                # uncited statement, on a line of its own: the heading over the rows is a
                # claim they must back (composed.py), and they do not place them there
                text += (
                    f" Entries whose name refers to {places.describe(query.include)}"
                    " follow.\n" + named["text"]
                )
            # "Which German groups ...?" takes for granted that there are some: with none
            # (or none located there when asked where they are based) the report does not say
            if not whether and appendix_asks.presupposes(core, located=chosen.named_after):
                return {"text": prompts.refusal() + " " + text, "refused": True, "citations": ()}
            if chosen.named_after:
                return {**named, "text": ("No. " if whether else "") + text}
            return {
                "text": ("No. " if whether else "") + text,
                "citations": (),
                "notes": (prompts.render("organizations_whole"),),
            }
        listed = self._org_list(chosen.rows, query, orgs)
        return {**listed, "text": "Yes. " + listed["text"]} if whether else listed

    def _org_list(
        self, found: list[Organization], query: appendix.AppendixQuery, orgs: Sequence[Organization]
    ) -> dict[str, Any]:
        repeats = query.operation == "duplicates"
        if repeats:
            place = "listed twice"
        else:
            # the places asked for that the rows are in: a heading states only what they back
            held = [p for p in query.include if any(places.matches(o, p) for o in found)]
            place = f"in {places.describe(held or query.include)}" if query.include else ""
            if query.names:
                place = f"named {' or '.join(query.names)} {place}"
            if query.words:
                place = f"whose entry names {' or '.join(query.words)} {place}"
            if query.terms:
                terms = " ".join(appendix_select.term_as_written(t, found) for t in query.terms)
                place = f"whose name holds {terms} {place}"
            place = appendix_select.describe_fields(query) + place
        distinct = len({(o.name, o.country, o.city) for o in found})
        note = (
            ""
            if distinct == len(found) or repeats
            else f" ({distinct} distinct; one is listed twice)"
        )
        head = (
            prompts.render(
                "organizations_count",
                count=len(found),
                plural="" if len(found) == 1 else "s",
                place=place.strip(),
                repeat_note=note,
            )
            .replace("  ", " ")
            .replace(" :", ":")
        )
        citations: list[Citation] = []
        if query.share:  # a share of the whole table rests on the whole table
            table = self._rows_citation(orgs, marker=1)
            citations += [table] if table else []
            head = head.rstrip(":") + prompts.render(
                "organizations_share",
                count=len(found),
                total=len(orgs),
                percent=f"{100 * len(found) / len(orgs):.1f}",
            )
            head = head.rstrip(":") + (" [1]:" if table else ":")
        lines = [head]
        for marker, org in enumerate(found, start=len(citations) + 1):
            citation = self._entry_citation(org, marker)
            suffix = f" [{marker}]" if citation else ""
            lines.append(f"- {org.line}{suffix}")  # the entry as printed: what its citation says
            if citation:
                citations.append(citation)
        return {
            "text": "\n".join(lines),
            "citations": tuple(citations),
            "notes": _excluded_note(query),
        }

    def _org_total(self, orgs: Sequence[Organization], question: str) -> dict[str, Any]:
        distinct = len({(o.name, o.country, o.city) for o in orgs})
        note = (
            ""
            if distinct == len(orgs)
            else f", {distinct} of them distinct (one entry repeats another)"
        )
        text = prompts.render("organizations_total", count=len(orgs), repeat_note=note)
        citation = self._rows_citation(orgs, marker=1)  # the count rests on every row
        citations = [citation] if citation else []
        text += " [1]" if citation else ""
        # the report's prose may give its own figure ("supported by over 100 organizations"):
        # a reader asking how many wants both, each cited where it is written
        stated = self._stated_count(question)
        if stated is not None and citations:
            said = make_citation(
                self.view, stated.chunk, stated.start, stated.end, marker=len(citations) + 1
            )
            if said is not None:
                citations.append(said)
                text += f" {stated.text} [{said.marker}]"
        return {"text": text, "citations": tuple(citations)}

    def _stated_count(self, question: str) -> Candidate | None:
        """The report sentence (outside the table) that best answers a count of the rows with
        a number of them: "... the support of over 100 pro-Iranian organizations ..."."""
        scored, _ = self._scored_sentences(question, k=6, filters={"scope": "report"})
        for cand in scored:  # best first; a count of the rows is rare outside the table
            if (
                cand.chunk.kind == "appendix"
                or cand.chunk.organizations
                or cand.coverage < self.params.stated_count_coverage
            ):
                continue
            if fits_type(cand.text, question, "number") and self._table_words.names_rows(cand.text):
                return cand
        return None

    def _org_groups(
        self, query: appendix.AppendixQuery, chosen: appendix_select.Selection
    ) -> dict[str, Any]:
        """A breakdown by country or region; "how many countries" leads with the number."""
        breakdown = ", ".join(f"{name} {count}" for name, count in chosen.groups)
        by = "region" if query.operation == "by_region" else "country"
        if query.each:
            head = prompts.render("organizations_each", breakdown=breakdown, count=len(chosen.rows))
            listed = self._org_list(
                chosen.rows, replace(query, each=False), self.view.report.organizations
            )
            return {**listed, "text": head + "\n" + listed["text"].split("\n", 1)[1]}
        template = (
            "organizations_distinct" if query.operation == "countries" else "organizations_groups"
        )
        real = [name for name, _ in chosen.groups if name != appendix_select.NO_COUNTRY]
        text = prompts.render(
            template,
            by=by,
            breakdown=breakdown,
            count=len(real),
            rows=len(chosen.rows),
            excluded="",
        )
        citation = self._rows_citation(chosen.rows, marker=1)  # the counts rest on the rows
        return {
            "text": text + (" [1]" if citation else ""),
            "citations": (citation,) if citation else (),
            "notes": _excluded_note(query),
        }

    def _rows_citation(self, rows: Sequence[Organization], *, marker: int) -> Citation | None:
        """One citation of the table from the first of `rows` to the last: a count or a
        breakdown is checked against the rows its citation covers (answer/composed.py)."""
        chunks = [self._by_org[o.number] for o in rows if o.number in self._by_org]
        if not chunks:
            return None
        first = min(chunks, key=lambda c: c.start)
        last = max(chunks, key=lambda c: c.end)
        return make_citation(self.view, first, first.start, last.end, marker=marker)

    def _entry_citation(self, org: Organization, marker: int) -> Citation | None:
        chunk = self._by_org.get(org.number)
        if chunk is None:
            return None
        return make_citation(self.view, chunk, chunk.start, chunk.end, marker=marker)


def _excluded_note(query: appendix.AppendixQuery) -> tuple[str, ...]:
    """What a table answer leaves out, as asked: a note beside the answer, not a claim in it
    (no row it cites is in the places left out, so none could back their names)."""
    left_out = [places.describe(query.exclude)] if query.exclude else []
    if query.exclude_labels:  # "not counting groups labelled 'UK'"
        left_out.append(f"entries labelled {' or '.join(query.exclude_labels)}")
    if not left_out:
        return ()
    return (f"Not counted, as asked: {'; '.join(left_out)}.",)
