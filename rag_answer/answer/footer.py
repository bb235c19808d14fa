"""The audit footer printed after an answer (by `ask`, and by `chat` through rag_answer.chat.output)."""

from __future__ import annotations

from rag_answer.answer.pipeline import AnswerResult


def audit_footer(result: AnswerResult) -> str:
    """One or a few lines for people: refusal reason, audit summary, repairs, speed."""
    lines = []
    if result.refused:
        lines.append(f"[refused] {result.refusal_reason}")
    if result.verification:
        summary = result.verification.report.summary
        status = "clean" if result.verification.clean else "PROBLEMS FOUND"
        lines.append(
            f"[audit: {status}] links {summary.links_accepted}/{summary.links} supplied, "
            f"invalid markers {summary.markers_invalid}, cited sentences: {summary.supported} supported, "
            f"{summary.weak} weak, {summary.unsupported} unsupported"
        )
        lines.extend(f"[repair] {repair}" for repair in result.verification.repairs)
    stats = result.stats
    if stats.generated_tokens:
        lines.append(
            f"[speed] first token {stats.seconds_to_first_token:.2f}s ({stats.prefix_cache} prefix, "
            f"{stats.reused_tokens}/{stats.prompt_tokens} prompt tokens reused), {stats.tokens_per_second:.1f} tokens/s"
        )
    return "\n".join(lines)
