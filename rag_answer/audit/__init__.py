"""The citation auditor: links, citation markers and claims of an answer, checked against the supplied entries.

    report = audit(text, entries)                 # links, markers and claims (loads the default embedder)
    report = audit(text, entries, claims=False)   # links and markers only: pure and fast
    report.exit_code(strict=False)                # 0 clean, 1 a rejected link or invalid marker

See docs/audit.md for the normalization rules, verdicts and the summary figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rag_answer.audit.claims import (
    CitationCheck,
    ClaimJudge,
    ClaimVerdict,
    EmbedderLike,
    Thresholds,
    check_claims,
    entry_names,
    split_sentences,
)
from rag_answer.audit.links import FoundLink, extract_links
from rag_answer.audit.normalize import AllowedLinks, LinkVerdict, allowed_link_set, check_link, entry_for
from rag_answer.audit.report import AuditReport, LinkFinding, MarkerFinding, Summary
from rag_answer.citations import MARKER_PATTERN
from rag_answer.entries import Entry, SourceSet

# Anything written like a marker, so malformed ones ("[@Hi4D]", "[@ x]") are reported, not skipped.
_ANY_MARKER = re.compile(r"\[@([^\]\n]{0,80})\]")


def audit(
    text: str,
    entries: SourceSet | Iterable[Entry],
    *,
    embedder: EmbedderLike | None = None,
    claims: bool = True,
    judge: ClaimJudge | None = None,
    thresholds: Thresholds | None = None,
    line_offset: int = 0,
    source: str | None = None,
    program_spans: Sequence[tuple[int, int]] = (),
) -> AuditReport:
    """Audit an answer against the supplied entries.

    embedder: anything with encode(list[str]) -> L2-normalized vectors; None loads the default embedder
    (only when claims=True). judge: optional judge(claim, entry) -> probability the entry states the claim,
    e.g. rag_answer.audit.judge.LlmJudge over the local GGUF; off by default.
    line_offset: added to every line (the answer's place in its file).
    program_spans: [start, end) ranges of text the program wrote (headings, labels, links, name-only and gap
    sentences); the claim check skips sentences wholly inside them.
    """
    entry_list: Sequence[Entry] = tuple(entries.entries if isinstance(entries, SourceSet) else entries)
    allowed = allowed_link_set(entry_list)
    report = AuditReport(
        links=audit_links(text, entry_list, allowed=allowed, line_offset=line_offset),
        markers=audit_markers(text, entry_list, line_offset=line_offset),
        source=source,
    )
    if claims:
        if embedder is None:
            from rag_answer.embedder import get_embedder

            embedder = get_embedder()
        report.claims = check_claims(
            text, entry_list, allowed, embedder, judge=judge, thresholds=thresholds, line_offset=line_offset,
            program_spans=program_spans,
        )
        report.claims_checked = True
    return report


def audit_links(
    text: str, entries: Sequence[Entry], *, allowed: AllowedLinks | None = None, line_offset: int = 0
) -> list[LinkFinding]:
    """A verdict for every link in the text, with text/target mismatches flagged on both sides."""
    allowed = allowed or allowed_link_set(entries)
    found = extract_links(text)
    verdicts = [check_link(link.url, allowed) for link in found]
    findings = [_finding(link, verdict, allowed, line_offset) for link, verdict in zip(found, verdicts, strict=True)]
    titles = entry_names(entries)
    for index, link in enumerate(found):
        if link.kind == "link_text" and link.target is not None:
            _flag_text_mismatch(index, link, verdicts, findings, found, allowed)
        elif link.kind in ("markdown_inline", "markdown_reference") and findings[index].accepted and link.text:
            _flag_title_mismatch(findings[index], link.text, titles)
    return findings


def audit_markers(text: str, entries: Sequence[Entry], *, line_offset: int = 0) -> list[MarkerFinding]:
    known = {entry.id for entry in entries}
    markers = []
    for match in _ANY_MARKER.finditer(text):
        entry_id = match.group(1)
        line = text.count("\n", 0, match.start()) + 1 + line_offset
        if not MARKER_PATTERN.fullmatch(match.group(0)):
            markers.append(
                MarkerFinding(entry_id, line, False, "malformed marker: ids are lower-case a-z, 0-9 and '-'")
            )
        elif entry_id not in known:
            markers.append(MarkerFinding(entry_id, line, False, "no supplied entry has this id"))
        else:
            markers.append(MarkerFinding(entry_id, line, True, "cites a supplied entry"))
    return markers


def _finding(link: FoundLink, verdict: LinkVerdict, allowed: AllowedLinks, line_offset: int) -> LinkFinding:
    return LinkFinding(
        url=link.url,
        kind=link.kind,
        line=link.line + line_offset,
        accepted=verdict.accepted,
        code=verdict.code,
        reason=verdict.reason,
        matched=verdict.matched,
        entry_id=entry_for(verdict, allowed),
        text=link.text,
        target=link.target,
    )


def _flag_text_mismatch(
    index: int,
    link: FoundLink,
    verdicts: list[LinkVerdict],
    findings: list[LinkFinding],
    found: list[FoundLink],
    allowed: AllowedLinks,
) -> None:
    target = check_link(link.target or "", allowed)
    text_verdict = verdicts[index]
    same = text_verdict.accepted and target.accepted and _same_resource(text_verdict, target)
    if same:
        return
    reason = f"link text names {link.url!r} but the link goes to {link.target!r}"
    for position, other in enumerate(found):
        if other.url == link.target and other.line == link.line and other.kind.startswith("markdown"):
            _mark(findings[position], reason)
    _mark(findings[index], reason)


def _same_resource(left: LinkVerdict, right: LinkVerdict) -> bool:
    if left.key is not None and right.key is not None:
        return left.key == right.key
    return left.matched == right.matched


def _flag_title_mismatch(finding: LinkFinding, text: str, titles: dict[str, set[str]]) -> None:
    words = {word.lower() for word in re.findall(r"[\w-]+", text)}
    lowered = text.lower()
    named = {entry_id for entry_id, names in titles.items() if any(n in words or n == lowered for n in names)}
    if named and finding.entry_id not in named:
        _mark(finding, f"link text names {', '.join(sorted(named))} but the link belongs to {finding.entry_id}")


def _mark(finding: LinkFinding, reason: str) -> None:
    if not finding.accepted:
        return  # already rejected for its own reason
    finding.accepted = False
    finding.code = "mismatch"
    finding.reason = f"link text names a different resource than its target: {reason}"


__all__ = [
    "AllowedLinks",
    "AuditReport",
    "CitationCheck",
    "ClaimJudge",
    "ClaimVerdict",
    "FoundLink",
    "LinkFinding",
    "LinkVerdict",
    "MarkerFinding",
    "Summary",
    "Thresholds",
    "allowed_link_set",
    "audit",
    "audit_links",
    "audit_markers",
    "check_link",
    "extract_links",
    "split_sentences",
]
