"""What the terminal shows: a link gate on the live stream, and the lines printed after an answer.

No link that was not supplied is ever printed. The answer grammar already makes the model unable to spell one,
and the audit repairs the final text; the gate adds a third layer for the live stream: a line that could hold a
link is held back until it is complete, then printed only if every link in it is supplied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rag_answer.answer import AnswerResult
from rag_answer.audit import allowed_link_set, check_link, extract_links
from rag_answer.audit.report import defang
from rag_answer.chat.session import Exchange
from rag_answer.commands.ask import audit_footer
from rag_answer.entries import Entry

# Free text from the grammar never holds these; rendered links (added when a line completes) always do.
_MAYBE_LINK = re.compile(r"[:/@]|www\.|\.[A-Za-z]{2,}")
WITHHELD = "[line withheld: it holds a link that was not supplied]"


class LinkGate:
    """Passes streamed text through, holding back a line that may hold a link until it is complete and checked."""

    def __init__(self, entries: Iterable[Entry], write: Callable[[str], None]) -> None:
        self.allowed = allowed_link_set(list(entries))
        self.write = write
        self.line = ""
        self.shown = 0
        self.withheld = 0

    def feed(self, text: str) -> None:
        for chunk in text.splitlines(keepends=True):
            self.line += chunk
            if self.line.endswith("\n"):
                self._finish_line()
            elif not _MAYBE_LINK.search(self.line):
                self.write(self.line[self.shown :])
                self.shown = len(self.line)

    def close(self) -> None:
        if self.line:
            self._finish_line()

    def _finish_line(self) -> None:
        if self.line_is_safe(self.line):
            self.write(self.line[self.shown :])
        else:
            self.withheld += 1
            self.write(("\n" if self.shown else "") + WITHHELD + ("\n" if self.line.endswith("\n") else ""))
        self.line, self.shown = "", 0

    def line_is_safe(self, line: str) -> bool:
        if not _MAYBE_LINK.search(line):
            return True
        return all(check_link(link.url, self.allowed).accepted for link in extract_links(line))


def defang_links(text: str) -> str:
    """Every link in text made unclickable (for repair notes, which quote the rejected line)."""
    for link in extract_links(text):
        text = text.replace(link.url, defang(link.url))
    return text


def footer(result: AnswerResult) -> str:
    """ask's audit footer, with the links quoted in repair notes defanged."""
    return "\n".join(
        defang_links(line) if line.startswith("[repair]") else line for line in audit_footer(result).split("\n")
    )


def after_answer(exchange: Exchange) -> str:
    """Lines shown after the streamed text. A failed check is always shown; a repaired answer is shown again."""
    lines: list[str] = []
    if exchange.stopped:
        lines.append("[stopped] the answer was interrupted; it is not kept in the conversation")
        audit = exchange.partial_audit
        if audit is not None:
            summary = audit.report.summary
            status = "clean" if audit.clean else "PROBLEMS FOUND"
            lines.append(
                f"[audit of the partial answer: {status}] links {summary.links_accepted}/{summary.links} supplied, "
                f"invalid markers {summary.markers_invalid}"
            )
            lines.extend(defang_links(f"[repair] {repair}") for repair in audit.repairs)
        return "\n".join(lines)
    result = exchange.result
    assert result is not None
    if result.verification is not None and result.verification.repairs:
        lines += ["[repaired answer, as kept]", result.text.rstrip("\n")]
    lines.append(footer(result))
    return "\n".join(line for line in lines if line)
