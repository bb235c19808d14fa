"""The audit footer printed after an answer (by `ask`, and by `chat` through rag_answer.chat.output)."""

from __future__ import annotations

from rag_answer.answer.pipeline import AnswerResult
from rag_answer.audit.claims import VERDICTS


def audit_status(result: AnswerResult) -> str:
    """'clean' only when links, markers AND claims are: a flagged claim is never called clean."""
    verification = result.verification
    if verification is None:
        return "refused"
    report = verification.report
    if not report.links_clean() or report.flagged_claims:
        return "PROBLEMS FOUND"
    return "clean" if report.claims_checked else "links clean, claims not checked"


def audit_footer(result: AnswerResult) -> str:
    """One or a few lines for people: refusal reason, audit summary with every claim verdict, repairs, speed."""
    lines = list(result.source_warnings)  # first: the user should read them before trusting anything below
    if result.refused:
        lines.append(f"[refused] {result.refusal_reason}")
    if result.verification:
        summary = result.verification.report.summary
        counts = ", ".join(f"{getattr(summary, verdict)} {verdict}" for verdict in VERDICTS)
        claims = f"claims: {counts}" if summary.claims_checked else "claims not checked"
        lines.append(
            f"[audit: {audit_status(result)}] links {summary.links_accepted}/{summary.links} supplied, "
            f"invalid markers {summary.markers_invalid}, {claims}"
        )
    lines.extend(f"[repair] {repair}" for repair in result.repairs)
    stats = result.stats
    if stats.generated_tokens:
        calls = f"{stats.calls} generation call{'' if stats.calls == 1 else 's'}, "
        lines.append(
            f"[speed] {calls}first token {stats.seconds_to_first_token:.2f}s ({stats.prefix_cache} prefix, "
            f"{stats.reused_tokens}/{stats.prompt_tokens} prompt tokens reused), {stats.tokens_per_second:.1f} tokens/s"
        )
    return "\n".join(lines)
