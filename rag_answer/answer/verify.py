"""Every answer is audited before it is final; a bad link or marker is repaired by dropping its line,
and the repair is reported, never hidden. The program-written spans of the text travel with it (moved when a
line is dropped), and the claim checker skips them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rag_answer.answer.prose import drop_lines
from rag_answer.audit import AuditReport, audit
from rag_answer.audit.claims import ClaimJudge
from rag_answer.audit.report import defang, defang_text
from rag_answer.embedder import Embedder
from rag_answer.entries import Entry


@dataclass
class Verification:
    text: str  # the text after repair
    report: AuditReport  # the audit of that text
    repairs: list[str] = field(default_factory=list)
    program_spans: list[tuple[int, int]] = field(default_factory=list)  # in `text`

    @property
    def clean(self) -> bool:
        return self.report.clean()

    def to_dict(self) -> dict[str, Any]:
        return {"clean": self.clean, "repairs": self.repairs, "report": self.report.to_dict()}


def verify_answer(
    text: str,
    entries: list[Entry],
    embedder: Embedder | None,
    *,
    judge: ClaimJudge | None = None,
    protected: Callable[[str], bool] = lambda line: line.startswith("### "),
    program_spans: Sequence[tuple[int, int]] = (),
) -> Verification:
    """Audit text; drop every line holding a rejected link or an invalid marker, then audit again."""
    spans = list(program_spans)
    claims = embedder is not None
    report = audit(text, entries, embedder=embedder, claims=claims, judge=judge, program_spans=spans)
    bad = {finding.line: f"link {defang(finding.url)}: {finding.reason}" for finding in report.rejected_links}
    bad |= {finding.line: f"marker [@{finding.id}]: {finding.reason}" for finding in report.invalid_markers}
    if not bad:
        return Verification(text, report, program_spans=spans)
    lines = text.split("\n")
    repairs = []
    dropped: set[int] = set()
    for number in sorted(bad, reverse=True):
        if 1 <= number <= len(lines) and not protected(lines[number - 1]):
            repairs.append(f"dropped line {number} ({bad[number]}): {defang_text(lines[number - 1])[:160]}")
            dropped.add(number)
    repaired, spans = drop_lines(text, spans, dropped)
    again = audit(repaired, entries, embedder=embedder, claims=claims, judge=judge, program_spans=spans)
    return Verification(repaired, again, repairs[::-1], spans)
