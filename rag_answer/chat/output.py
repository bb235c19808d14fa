"""What is printed after an answer has streamed: repairs, the repaired text, the audit footer, a stop note."""

from __future__ import annotations

from rag_answer.chat.session import Exchange
from rag_answer.commands.ask import audit_footer


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
            lines.extend(f"[repair] {repair}" for repair in audit.repairs)
        return "\n".join(lines)
    result = exchange.result
    assert result is not None
    if result.verification is not None and result.verification.repairs:
        lines += ["[repaired answer, as kept]", result.text.rstrip("\n")]
    lines.append(audit_footer(result))
    return "\n".join(line for line in lines if line)
