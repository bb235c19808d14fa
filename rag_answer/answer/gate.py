"""A link gate on the live stream: no link that was not supplied is ever shown, even for a moment.

The answer grammar already makes the model unable to spell a link, and the audit repairs the final text;
the gate is a third layer for what streams: a line that could hold a link is held back until it is complete,
then shown only if every link in it is supplied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rag_answer.audit import allowed_link_set, check_link, extract_links
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
