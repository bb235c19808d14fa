"""The audit report: dataclasses, summary figures, JSON (report.schema.json), Markdown and a terminal table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from rag_answer.audit.links import extract_links, scan_text
from rag_answer.audit.verdicts import FLAGGED, VERDICTS, ClaimVerdict

SCHEMA_ID = "rag-answer/audit-report/v1"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass
class LinkFinding:
    """One link as written, with its verdict."""

    url: str
    kind: str
    line: int
    accepted: bool
    code: str
    reason: str
    matched: str | None = None
    entry_id: str | None = None
    text: str | None = None
    target: str | None = None


@dataclass
class MarkerFinding:
    """One citation marker `[@id]` as written, with its verdict."""

    id: str
    line: int
    valid: bool
    reason: str


@dataclass
class Summary:
    links: int
    links_accepted: int
    links_rejected: int
    markers: int
    markers_invalid: int
    claims_checked: bool
    claim_sentences: int
    supported: int
    weak: int
    misattributed: int
    contradicted: int
    unsupported: int
    uncited: int
    citations: int
    citations_supporting: int
    citation_recall: float | None  # supported claim sentences / claim sentences (cited or not)
    citation_precision: float | None  # citations that support their sentence / citations


@dataclass
class AuditReport:
    links: list[LinkFinding] = field(default_factory=list)
    markers: list[MarkerFinding] = field(default_factory=list)
    claims: list[ClaimVerdict] = field(default_factory=list)
    claims_checked: bool = False
    source: str | None = None

    @property
    def rejected_links(self) -> list[LinkFinding]:
        return [link for link in self.links if not link.accepted]

    @property
    def invalid_markers(self) -> list[MarkerFinding]:
        return [marker for marker in self.markers if not marker.valid]

    @property
    def unsupported_claims(self) -> list[ClaimVerdict]:
        return [claim for claim in self.claims if claim.verdict == "unsupported"]

    @property
    def flagged_claims(self) -> list[ClaimVerdict]:
        """Claims judged misattributed, contradicted or unsupported."""
        return [claim for claim in self.claims if claim.verdict in FLAGGED]

    def links_clean(self) -> bool:
        return not (self.rejected_links or self.invalid_markers)

    def clean(self, *, strict: bool = False) -> bool:
        """Links, markers AND claims: no rejected link, no invalid marker, no flagged claim."""
        return self.links_clean() and not self.flagged_claims

    def exit_code(self, *, strict: bool = False) -> int:
        """1 for a rejected link or invalid marker; with strict, also for a flagged claim."""
        return 0 if (self.clean() if strict else self.links_clean()) else 1

    @property
    def summary(self) -> Summary:
        counts = dict.fromkeys(VERDICTS, 0)
        for claim in self.claims:
            counts[claim.verdict] += 1
        citations = [citation for claim in self.claims for citation in claim.citations]
        supporting = sum(1 for citation in citations if citation.supports)
        recall = counts["supported"] / len(self.claims) if self.claims else None
        precision = supporting / len(citations) if citations else None
        accepted = sum(1 for link in self.links if link.accepted)
        return Summary(
            links=len(self.links),
            links_accepted=accepted,
            links_rejected=len(self.links) - accepted,
            markers=len(self.markers),
            markers_invalid=len(self.invalid_markers),
            claims_checked=self.claims_checked,
            claim_sentences=len(self.claims),
            citations=len(citations),
            citations_supporting=supporting,
            citation_recall=None if recall is None else round(recall, 4),
            citation_precision=None if precision is None else round(precision, 4),
            **counts,
        )

    def to_dict(self, *, strict: bool = False) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "source": self.source,
            "clean": self.clean(strict=strict),
            "strict": strict,
            "exit_code": self.exit_code(strict=strict),
            "summary": asdict(self.summary),
            "links": [asdict(link) for link in self.links],
            "markers": [asdict(marker) for marker in self.markers],
            "claims": [asdict(claim) for claim in self.claims],
        }

    def to_json(self, *, strict: bool = False) -> str:
        return json.dumps(self.to_dict(strict=strict), ensure_ascii=False, indent=2)

    def to_markdown(self, *, strict: bool = False) -> str:
        """A Markdown report (audit/markdown.py). Rejected links are defanged (`hxxps[:]//evil[.]io`)."""
        from rag_answer.audit.markdown import audit_markdown

        return audit_markdown(self, _summary_lines(self.summary), strict=strict)

    def to_table(self, *, strict: bool = False, width: int = 110) -> str:
        """A plain-text report for a terminal. Rejected links are defanged."""
        out = [f"citation audit: {'clean' if self.clean(strict=strict) else 'PROBLEMS FOUND'}"]
        out.extend(f"  {line}" for line in _summary_lines(self.summary))
        rows = [(str(link.line), "ok" if link.accepted else "REJECT", link.kind, _shown(link), link.reason)
                for link in self.links]  # fmt: skip
        rows += [(str(marker.line), "ok" if marker.valid else "REJECT", "marker", f"[@{marker.id}]", marker.reason)
                 for marker in self.markers]  # fmt: skip
        if rows:
            out += ["", _table(("line", "verdict", "kind", "link", "reason"), rows, width)]
        if self.claims:
            claim_rows = [
                (str(claim.line), claim.verdict, "" if claim.similarity is None else f"{claim.similarity:.2f}",
                 ",".join(c.entry_id for c in claim.citations) or "-", defang_text(claim.text))
                for claim in self.claims
            ]  # fmt: skip
            out += ["", _table(("line", "claim", "sim", "cites", "sentence"), claim_rows, width)]
        return "\n".join(out) + "\n"


def _summary_lines(summary: Summary) -> list[str]:
    lines = [
        f"links: {summary.links} ({summary.links_accepted} accepted, {summary.links_rejected} rejected)",
        f"citation markers: {summary.markers} ({summary.markers_invalid} invalid)",
    ]
    if summary.claims_checked:
        lines.append(
            f"claim sentences: {summary.claim_sentences} ({summary.supported} supported, {summary.weak} weak, "
            f"{summary.misattributed} misattributed, {summary.contradicted} contradicted, "
            f"{summary.unsupported} unsupported, {summary.uncited} uncited)"
        )
        lines.append(f"citation recall: {_ratio(summary.citation_recall)}; "
                     f"citation precision: {_ratio(summary.citation_precision)}")  # fmt: skip
    return lines


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def defang(url: str) -> str:
    """One link made unclickable for people: 'hxxps[:]//evil[.]io/x', 'mailto[:]me[@]evil[.]io'."""
    text = url.replace("\n", " ")
    if text.lower().startswith("http"):
        text = "hxxp" + text[4:]
    text = _SCHEME.sub(r"\1[:]", text, count=1)
    return text.replace("://", "[:]//").replace(".", "[.]").replace("@", "[@]")


def defang_text(text: str, *, keep: Callable[[str], bool] = lambda url: False) -> str:
    """Text quoted for people (a claim sentence, a dropped line, a repair note, a report's outside text) with every
    link the auditor would find in it, in any written form, made unclickable by `defang` (but those `keep`
    accepts, e.g. supplied links). Longest first, so a link inside a longer one cannot break its replacement."""
    found = {link.url for link in extract_links(text)} | {link.url for link in scan_text(text)}
    for url in sorted(found, key=len, reverse=True):
        bare = url.removeprefix("mailto:")  # an address as written, without the scheme the scanner adds
        if keep(bare):
            continue
        written = url if url in text else bare
        text = text.replace(written, defang(written))
    return text


def _shown(link: LinkFinding) -> str:
    return link.url if link.accepted else defang(link.url)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], width: int) -> str:
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    fixed = sum(widths[:-1]) + 2 * (len(header) - 1)
    widths[-1] = max(10, min(widths[-1], width - fixed))
    widths = [min(w, 60) for w in widths[:-1]] + [widths[-1]]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [_shorten(cell, w).ljust(w) for cell, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
