"""The audit as Markdown: the one renderer of its links, markers and claims tables, and the one cell escaper,
used by `AuditReport.to_markdown` (rag-answer audit --markdown, chat's /audit md) and by the report's citation
audit appendix (rag_answer/report/markdown.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from rag_answer.audit.verdicts import FLAGGED, ClaimVerdict
from rag_answer.citations import MARKER_PATTERN

if TYPE_CHECKING:
    from rag_answer.audit.report import AuditReport, LinkFinding, MarkerFinding

_MARKER_LIKE = re.compile(r"\[@")


def code_cell(text: str, *, keep: Callable[[str], bool] = lambda url: False) -> str:
    """Text as an inline code span fit for one table cell: one line, links defanged (but those `keep` accepts:
    supplied ones), markers broken ('[ @id'), backticks and pipes replaced. "—" for nothing."""
    from rag_answer.audit.report import defang_text  # report.py renders with this module

    safe = _MARKER_LIKE.sub("[ @", defang_text(" ".join(text.split()), keep=keep)).replace("`", "'").replace("|", "¦")
    return f"`{safe}`" if safe else "—"


def links_table(links: list[LinkFinding]) -> list[str]:
    if not links:
        return ["No links."]
    lines = ["| # | Link | Kind | Verdict | Entry | Reason | Line |", "|---:|---|---|---|---|---|---:|"]
    for number, link in enumerate(links, start=1):
        verdict = "supplied" if link.accepted else f"**rejected** ({link.code})"
        shown = code_cell(link.url, keep=lambda _url, ok=link.accepted: ok)
        lines.append(f"| {number} | {shown} | {link.kind} | {verdict} | {code_cell(link.entry_id or '')} | "
                     f"{code_cell(link.reason)} | {link.line} |")  # fmt: skip
    return lines


def markers_table(markers: list[MarkerFinding]) -> list[str]:
    if not markers:
        return ["No citation markers."]
    lines = ["| # | Marker | Verdict | Line |", "|---:|---|---|---:|"]
    for number, marker in enumerate(markers, start=1):
        verdict = "valid" if marker.valid else f"**invalid**: {code_cell(marker.reason)}"
        lines.append(f"| {number} | {code_cell('@' + marker.id)} | {verdict} | {marker.line} |")
    return lines


def claims_table(claims: list[ClaimVerdict], *, keep: Callable[[str], bool] = lambda url: False) -> list[str]:
    """Every judged sentence. _Belongs to_: for a misattributed claim, the entry that states the fact; _margin_:
    the judge's probability minus its cut, where it was asked."""
    if not claims:
        return ["No claim sentences."]
    lines = ["| # | Verdict | Similarity | Cites | Belongs to | Sentence | Reason | Margin | Line |",
             "|---:|---|---:|---|---|---|---|---:|---:|"]  # fmt: skip
    for number, claim in enumerate(claims, start=1):
        cites = ", ".join(f"{c.entry_id}{'' if c.known else ' (unknown)'}" for c in claim.citations)
        similarity = "" if claim.similarity is None else f"{claim.similarity:.2f}"
        margin = "" if claim.judge_margin is None else f"{claim.judge_margin:+.2f}"
        verdict = f"**{claim.verdict}**" if claim.verdict in FLAGGED else claim.verdict
        belongs = code_cell(claim.evidence_entry or "") if claim.verdict == "misattributed" else "—"
        sentence = code_cell(MARKER_PATTERN.sub(r"@\1", claim.text), keep=keep)
        lines.append(f"| {number} | {verdict} | {similarity} | {code_cell(cites)} | {belongs} | {sentence} | "
                     f"{code_cell(claim.reason)} | {margin} | {claim.line} |")  # fmt: skip
    return lines


def audit_markdown(report: AuditReport, summary_lines: list[str], *, strict: bool = False) -> str:
    """The whole audit as a Markdown document. Rejected links are defanged (`hxxps[:]//evil[.]io`)."""
    out = [f"# Citation audit: {'clean' if report.clean(strict=strict) else 'problems found'}", ""]
    out.extend(f"- {line}" for line in summary_lines)
    out += ["", "## Links", "", *links_table(report.links), "", "## Citation markers", ""]
    out += markers_table(report.markers)
    out += ["", "## Claims", ""]
    out += claims_table(report.claims) if report.claims_checked else ["Claims were not checked."]
    return "\n".join(out) + "\n"
