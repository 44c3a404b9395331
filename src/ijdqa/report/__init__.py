"""The report as data: the text parsed into paragraphs, pages and markers (parse), its footnotes
with their dates, kinds and Ibids (footnotes), the appendix's organizations (organizations),
and the parsed report cached as JSON (cache). Pure: no index, no model, no network."""
