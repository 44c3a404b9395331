"""The report's cited sources: the local store of copies and its manifest (store), fetching a
cited URL safely (fetch), reading text out of HTML, PDF and JSON (extract), and importing a
saved copy (collect)."""
