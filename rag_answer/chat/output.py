"""What the terminal shows after an answer (the live stream passes through rag_answer.answer.gate.LinkGate)."""

from __future__ import annotations

from rag_answer.answer import AnswerResult
from rag_answer.answer.footer import audit_footer
from rag_answer.answer.gate import WITHHELD, LinkGate
from rag_answer.audit.report import defang_text
from rag_answer.chat.session import Exchange

STOPPED = "[stopped] the answer was interrupted; it is not kept in the conversation"


def footer(result: AnswerResult) -> str:
    """ask's audit footer, with the links quoted in repair notes defanged."""
    return "\n".join(
        defang_text(line) if line.startswith("[repair]") else line for line in audit_footer(result).split("\n")
    )


def used_line(exchange: Exchange) -> str:
    """Which entries the answer drew on: '[used] @a, @b', and those read but not cited."""
    result = exchange.result
    if result is None or (result.refused and not result.readings):
        return ""
    used = ", ".join(f"@{entry_id}" for entry_id in exchange.used) or "none (no entry's reading answered it)"
    unused = [entry_id for entry_id in exchange.read if entry_id not in exchange.used]
    also = f"; read, not cited: {', '.join(f'@{entry_id}' for entry_id in unused)}" if unused else ""
    return f"[used] {used}{also}"


def after_answer(exchange: Exchange) -> str:
    """Lines shown after the streamed (already checked) text: the entries used, the audit, repairs, speed."""
    lines: list[str] = []
    if exchange.stopped:
        lines.append(STOPPED)
        audit = exchange.partial_audit
        if audit is not None:
            summary = audit.report.summary
            status = "clean" if audit.report.links_clean() else "PROBLEMS FOUND"
            lines.append(
                f"[audit of the partial answer: links {status}] links {summary.links_accepted}/{summary.links} "
                f"supplied, invalid markers {summary.markers_invalid}"
            )
            lines.extend(defang_text(f"[repair] {repair}") for repair in audit.repairs)
        return "\n".join(lines)
    lines.append(used_line(exchange))
    assert exchange.result is not None
    lines.append(footer(exchange.result))
    return "\n".join(line for line in lines if line)


__all__ = ["STOPPED", "WITHHELD", "LinkGate", "after_answer", "footer", "used_line"]
