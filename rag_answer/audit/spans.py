"""Text and its program-written spans built together, so the auditor knows which characters the program wrote
without reading them back out of the final text:

    text, spans = join_segments([("CellSighter types cells [@cellsighter]. ", False), ("(no links supplied)", True)])
    audit(text, entries, program_spans=spans)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Composed:
    """Text written piece by piece: `add(piece, program=True)` for what the program wrote, False for the model's."""

    parts: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    size: int = 0

    def add(self, piece: str, program: bool) -> Composed:
        if program and piece:
            if self.spans and self.spans[-1][1] == self.size:  # adjacent program pieces make one span
                self.spans[-1] = (self.spans[-1][0], self.size + len(piece))
            else:
                self.spans.append((self.size, self.size + len(piece)))
        self.parts.append(piece)
        self.size += len(piece)
        return self

    @property
    def text(self) -> str:
        return "".join(self.parts)


def join_segments(segments: Iterable[tuple[str, bool]]) -> tuple[str, list[tuple[int, int]]]:
    """(text, is_program) pieces -> the joined text and the [start, end) ranges of its program-written pieces."""
    composed = Composed()
    for piece, program in segments:
        composed.add(piece, program)
    return composed.text, composed.spans
