"""`rag-answer serve`: the embedder, indexes and LLM loaded once, behind an HTTP API and a web page.

app (routes), http (auth, limits, errors, events), jobs (what each request runs), worker (the one generation
thread and its bounded queue), state (what is loaded), schemas, openai_api, page; client is the other side,
used by the commands' --server. Submodules are imported directly so the client needs no server packages.
"""
