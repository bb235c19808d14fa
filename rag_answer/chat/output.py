"""What the terminal shows after an answer (the live stream passes through rag_answer.answer.gate.LinkGate)."""

from __future__ import annotations

from rag_answer.answer import AnswerResult
from rag_answer.answer.footer import audit_footer
from rag_answer.answer.gate import WITHHELD, LinkGate
from rag_answer.audit.report import defang_text
from rag_answer.chat.session import Exchange


def footer(result: AnswerResult) -> str:
    """ask's audit footer, with the links quoted in repair notes defanged."""
    return "\n".join(
        defang_text(line) if line.startswith("[repair]") else line for line in audit_footer(result).split("\n")
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
            lines.extend(defang_text(f"[repair] {repair}") for repair in audit.repairs)
        return "\n".join(lines)
    result = exchange.result
    assert result is not None
    if result.verification is not None and result.verification.repairs:
        lines += ["[repaired answer, as kept]", result.text.rstrip("\n")]
    lines.append(footer(result))
    return "\n".join(line for line in lines if line)


__all__ = ["WITHHELD", "LinkGate", "after_answer", "footer"]
