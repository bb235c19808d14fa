"""The web page: one self-contained HTML file (inline CSS and script, nothing fetched from elsewhere)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

# Everything the page needs is inline or from this server; it may not load or send anything elsewhere.
PAGE_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")  # fmt: skip


@cache
def page_html() -> str:
    return files("rag_answer.server").joinpath("page.html").read_text(encoding="utf-8")
