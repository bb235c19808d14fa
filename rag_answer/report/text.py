"""Making text from the sources safe to place in a report: links defanged, markers broken, Markdown escaped.

Everything in a report is audited, so text that is not the audited answer itself (the question, repair notes,
image prompts, diagram labels) must not hold a live link, an arXiv id or a citation marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag_answer.audit.links import scan_text
from rag_answer.audit.markdown import code_cell
from rag_answer.audit.report import defang_text

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|@!#~&{}])")
_MARKER_LIKE = re.compile(r"\[@")


def one_line(text: str) -> str:
    return " ".join(text.split())


def drop_links(text: str, replacement: str = "(link removed)") -> str:
    found = sorted({link.url.removeprefix("mailto:") for link in scan_text(text)}, key=len, reverse=True)
    for url in found:
        text = text.replace(url, replacement)
    return text


def break_markers(text: str) -> str:
    """'[@id]' written as '[ @id]' so it is no citation (for text inside code spans)."""
    return _MARKER_LIKE.sub("[ @", text)


def md_text(text: str) -> str:
    """Outside text as one line of Markdown prose: links defanged, Markdown syntax (and '[@') escaped."""
    return _MD_SPECIAL.sub(r"\\\1", defang_text(one_line(text)))


def md_code(text: str, *, keep: Callable[[str], bool] = lambda url: False) -> str:
    """Text as an inline code span: the audit's one cell escaper (audit/markdown.py), used for every table."""
    return code_cell(text, keep=keep)
