"""The report as Markdown: question, the audited answer (task, the direct answer, workflow with its diagram,
papers and tools, sources), illustration note, citation audit appendix, evidence record, and last the timings
(the only part that varies between runs).

The report is a list of blocks; the HTML renderer draws the same blocks (the direct answer highlighted, the
diagram as SVG, the image inline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rag_answer.answer.compose import ANSWER_HEADING, SOURCES_HEADING, WORKFLOW_HEADING
from rag_answer.audit import AuditReport, allowed_link_set, check_link
from rag_answer.audit.markdown import claims_table, links_table
from rag_answer.audit.verdicts import VERDICTS
from rag_answer.report.build import Report
from rag_answer.report.diagram import mermaid
from rag_answer.report.repairs import answer_repairs
from rag_answer.report.text import md_code, md_text
from rag_answer.sources.hostile import warnings_to_show

TIMINGS_HEADING = "## Timings"
ANSWER_BLOCK_HEADING = "## Audited answer"
BlockKind = Literal["markdown", "answer", "diagram", "sources", "illustration"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    markdown: str


def render_markdown(report: Report) -> str:
    return "\n\n".join(block.markdown.strip("\n") for block in blocks(report)) + "\n"


def blocks(report: Report) -> list[Block]:
    out = [Block("markdown", _header(report))]
    out.extend(_answer_blocks(report))
    if report.illustration is not None:
        out.append(Block("illustration", _illustration(report)))
    out.append(Block("markdown", _audit_appendix(report)))
    out.append(Block("markdown", _evidence_appendix(report)))
    out.append(Block("markdown", _timings(report)))
    return out


def _header(report: Report) -> str:
    evidence = report.evidence
    return "\n".join(
        [
            "# Grounded report",
            "",
            f"**Question:** {md_text(report.question)}",
            "",
            f"Answered from the {len(report.source.entries)} entries supplied in {md_code(evidence.source_file)} only, "
            f"by {md_code(evidence.model_name)} (rag-answer {md_code(evidence.versions['rag-answer'])}). "
            "Every link below is a supplied one; every claim was checked against the entry it cites before the "
            "answer was shown. See the citation audit and the evidence record at the end.",
            *_warnings(report),
        ]
    )


def _warnings(report: Report) -> list[str]:
    """Supplied entries that try to give orders: said up front, before the answer is read."""
    found = warnings_to_show(report.source.entries)
    return ["", "**Source warnings:**", "", *(f"- {md_text(warning.one_line())}" for warning in found)] if found else []


def _answer_blocks(report: Report) -> list[Block]:
    """The audited answer verbatim (supplied links as autolinks), one block per part: the direct answer is its
    own block (highlighted in HTML), the diagram follows the workflow lines, the sources list is last."""
    if report.refused:
        reason = report.answer.refusal_reason or "the sources do not cover the question"
        refusal = f"{ANSWER_BLOCK_HEADING}\n\n{report.answer.text.strip()}\n\n_Why:_ {md_text(reason)}"
        return [Block("markdown", refusal)]
    result: list[Block] = []
    for heading, body in _parts(report.answer_markdown):
        text = f"{heading}\n{body}" if heading else body
        kind: BlockKind = "markdown"
        if heading == ANSWER_HEADING or (not heading and not result):
            kind = "answer"  # a text without headings (a follow-up's short form) is all direct answer
        elif heading == SOURCES_HEADING:
            kind = "sources"
        if not result:
            result.append(Block("markdown", ANSWER_BLOCK_HEADING))
        result.append(Block(kind, text))
        if heading == WORKFLOW_HEADING:
            result.append(Block("diagram", _diagram(report)))
    return result


def _parts(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each '### ' part of the answer; text before the first heading has heading ''."""
    parts: list[tuple[str, list[str]]] = [("", [])]
    for line in text.split("\n"):
        if line.startswith("### "):
            parts.append((line.rstrip(), []))
        else:
            parts[-1][1].append(line)
    out = [(heading, "\n".join(lines).strip("\n")) for heading, lines in parts]
    return [(heading, body) for heading, body in out if heading or body.strip()]


def _diagram(report: Report) -> str:
    if not report.flows:
        return "_No workflow line could be drawn._"
    return f"```mermaid\n{mermaid(report.flows)}\n```"


def _illustration(report: Report) -> str:
    illustration = report.illustration
    assert illustration is not None
    lines = ["## Illustration", "", md_text(illustration.note)]
    if illustration.png is not None:
        record = illustration.record
        lines += [
            "",
            f"- File: {md_code(illustration.file_name or '')}",
            f"- Prompt: {md_code(illustration.prompt or '')}",
            "- Made with: " + ", ".join(f"{key} {md_code(str(value))}" for key, value in record.items()),
        ]
    return "\n".join(lines)


def _audit_appendix(report: Report) -> str:
    verification = report.answer.verification
    lines = ["## Appendix A. Citation audit", ""]
    if verification is None:
        lines.append("Nothing to audit: the answer is a refusal, with no link and no citation.")
        return "\n".join(lines)
    audit: AuditReport = verification.report
    allowed = allowed_link_set(report.source.entries)

    def supplied(url: str) -> bool:
        return check_link(url, allowed).accepted

    summary = audit.summary
    repairs = answer_repairs(report.answer)
    status = "clean" if verification.clean else "problems found"
    if audit.claims_checked:
        counts = ", ".join(f"{getattr(summary, verdict)} {verdict}" for verdict in VERDICTS)
        claims = f"Claims: {summary.claim_sentences} judged ({counts})."
    else:
        claims = "Claims were not checked (--no-claims)."
    lines += [
        f"Audit of the answer above: **{status}**. Links: {summary.links} "
        f"({summary.links_accepted} supplied, {summary.links_rejected} rejected). Citation markers: {summary.markers} "
        f"({summary.markers_invalid} invalid). {claims} Repairs before the answer was shown: {len(repairs)} "
        f"({len(repairs.claims)} removed by the claim check, {len(repairs.lines)} other).",
        "",
        "### Links",
        "",
    ]
    lines += links_table(audit.links)
    lines += ["", "### Claims", ""]
    if not audit.claims_checked:
        lines.append("Claims were not checked.")
    elif audit.claims:
        lines += [
            "Every cited sentence of the answer as shown (and every uncited claim about a source), judged against "
            "every supplied entry. _Belongs to_: for a misattributed claim, the entry that states the fact.",
            "",
            *claims_table(audit.claims, keep=supplied),
        ]
    else:
        lines.append("No claim sentences.")
    lines += ["", "### Repairs", ""]
    if repairs.claims:
        lines += [
            "Removed by the claim check before the answer was shown (an item without its description keeps its "
            "title and links):",
            "",
            "| # | Removed | Cited entry | Verdict | Belongs to | Text removed | Reason |",
            "|---:|---|---|---|---|---|---|",
        ]
        for number, repair in enumerate(repairs.claims, start=1):
            belongs = md_code(repair.belongs_to or "") if repair.verdict == "misattributed" else "—"
            lines.append(
                f"| {number} | {repair.what} | {md_code(repair.entry_id)} | **{repair.verdict}** | {belongs} | "
                f"{md_code(repair.text)} | {md_code(repair.reason)} |"
            )
    if repairs.lines:
        if repairs.claims:
            lines.append("")
        lines.append(
            "Lines dropped by the link and marker audit, and any other repair (links defanged, markers broken):"
        )
        lines += [f"- {md_code(repair)}" for repair in repairs.lines]
    if not len(repairs):
        lines.append("None: nothing was removed before the answer was shown.")
    return "\n".join(lines)


def _evidence_appendix(report: Report) -> str:
    evidence = report.evidence
    lines = [
        "## Appendix B. Evidence record",
        "",
        "### Supplied entries",
        "",
        "| Entry | Kind | Content SHA-256 | Shown to the LLM | Retrieval score | Cited |",
        "|---|---|---|---|---:|---|",
    ]
    for entry in evidence.entries:
        score = "" if entry.score is None else f"{entry.score:.3f}"
        shown, cited = "yes" if entry.in_context else "no", "yes" if entry.cited else "no"
        lines.append(
            f"| {md_code(entry.id)} | {entry.kind} | {md_code(entry.content_sha256)} | {shown} | {score} | {cited} |"
        )
    lines += ["", "### Models, prompts and versions", "", "| Item | Value |", "|---|---|"]
    rows = [
        ("Source file", md_code(evidence.source_file)),
        ("Source file SHA-256", md_code(evidence.source_sha256)),
        ("LLM", md_code(evidence.model_name)),
        ("LLM file SHA-256", md_code(evidence.model_sha256)),
        ("Embedder", md_code(evidence.embedder_name)),
        ("Embedder weights SHA-256", md_code(evidence.embedder_sha256)),
    ]
    rows += [
        (f"Prompt template {md_code(name)} SHA-256", md_code(digest)) for name, digest in evidence.templates.items()
    ]
    rows += [(f"Version of {md_code(name)}", md_code(version)) for name, version in evidence.versions.items()]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "### Sampling", "", "| Setting | Value |", "|---|---|"]
    lines += [f"| {md_code(key)} | {md_code(str(value))} |" for key, value in evidence.sampling.items()]
    return "\n".join(lines)


def _timings(report: Report) -> str:
    lines = [
        TIMINGS_HEADING,
        "",
        "Wall-clock seconds and generation figures of this run (they vary between runs).",
        "",
        "| Step | Value |",
        "|---|---:|",
    ]
    lines += [f"| {md_code(key)} | {value:.2f} |" for key, value in report.timings.items()]
    for key, value in report.generation.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        lines.append(f"| {md_code(key)} | {md_code(shown)} |")
    return "\n".join(lines)


def strip_timings(markdown: str) -> str:
    """The report without its timings block: what must be byte-identical for the same inputs and seed."""
    return markdown.split("\n" + TIMINGS_HEADING + "\n", 1)[0]
