"""Finding passages: the report cut into chunks (corpus), embedded (embed, model) and indexed
(build), searched by meaning and by words (store, lexical) and the two rankings fused (fusion)
behind one `Index.search` (index)."""
