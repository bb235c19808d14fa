"""Per-answer metrics for the evaluation, computed the same way for rag-answer and for the LangChain baseline.

Every figure is derived from the FINAL answer text and an audit of that text against the prompt file's
full entry list (all supplied links), independent of what the system under test did internally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any

from rag_answer.audit import AuditReport
from rag_answer.citations import find_markers, is_refusal
from rag_answer.entries import Entry

# The one prompt the sources cannot answer (eval/README.md); every other prompt is answerable.
UNANSWERABLE = frozenset({"adv_026_unanswerable-sourdough"})

PARTS = ("task", "workflow", "papers")

# A line opening part 1, 2 or 3: "### 1. Task", "**2. Workflow**", "3) Papers", "Part 3:", "## 2 - How".
_PART_LINE = re.compile(
    r"^\s{0,3}(?P<heading>#{1,6}\s*)?(?P<bold>\*\*|__)?\s*(?:part\s*)?(?P<number>[123])\s*(?:[.):\-]|\*\*)",
    re.IGNORECASE,
)
_ANY_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
# Short answers of this shape are refusals even without the exact phrase (the baseline is free text).
_REFUSAL_WORDS = re.compile(
    r"\b(?:i (?:do not|don't) know|cannot answer|can't answer|unable to answer|"
    r"(?:do|does) not (?:contain|cover|provide|mention)|not (?:covered|mentioned) in)\b",
    re.IGNORECASE,
)
_REFUSAL_MAX_CHARS = 400


def looks_like_refusal(text: str) -> bool:
    """The exact refusal phrase anywhere, or a short text that declines to answer."""
    if is_refusal(text):
        return True
    flat = " ".join(text.split())
    return len(flat) <= _REFUSAL_MAX_CHARS and bool(_REFUSAL_WORDS.search(flat))


def split_parts(text: str) -> dict[str, str]:
    """The three requested parts of an answer (empty string when missing), for any common numbering style.

    Heading-style part lines (markdown '#' or bold) are preferred when all three exist; otherwise plain
    numbered lines are used. Parts are taken in order 1, 2, 3: the first '1' line, the first '2' line after
    it, the first '3' line after that. Part 3 ends at the next markdown heading (e.g. '### Sources').
    Text on the part line after its label ("1. **Task**: the user wants ...") counts as content.
    """
    lines = text.split("\n")
    found: list[tuple[int, int, bool]] = []  # (line number, part number, heading style)
    for number, line in enumerate(lines):
        match = _PART_LINE.match(line)
        if match:
            found.append((number, int(match.group("number")), bool(match.group("heading") or match.group("bold"))))
    chosen = _ordered_parts([f for f in found if f[2]]) or _ordered_parts(found)
    parts = dict.fromkeys(PARTS, "")
    if not chosen:
        return parts
    for position, (start, part_no) in enumerate(chosen):
        end = chosen[position + 1][0] if position + 1 < len(chosen) else len(lines)
        body = [_label_remainder(lines[start])]
        for line in lines[start + 1 : end]:
            if part_no == 3 and _ANY_HEADING.match(line):
                break
            body.append(line)
        parts[PARTS[part_no - 1]] = "\n".join(body).strip()
    return parts


def _ordered_parts(found: Sequence[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    chosen: list[tuple[int, int]] = []
    wanted = 1
    for line_no, part_no, _ in found:
        if part_no == wanted:
            chosen.append((line_no, part_no))
            wanted += 1
            if wanted > 3:
                break
    return chosen if len(chosen) == 3 else []


def _label_remainder(line: str) -> str:
    """Content written on a part's own line after its label, or '' for a bare heading."""
    match = _PART_LINE.match(line)
    rest = line[match.end() :].strip() if match else line.strip()
    if ":" in rest:
        rest = rest.split(":", 1)[1]
    elif "**" in rest or "__" in rest:
        rest = rest.replace("__", "**").rsplit("**", 1)[1]
    elif match and match.group("heading"):
        return ""  # a heading such as "### 1. Task" carries a title, not an answer
    return rest.strip(" *_:")


def structure_complete(parts: dict[str, str]) -> bool:
    return all(re.search(r"\w", parts.get(name, "")) for name in PARTS)


def model_mentions(text: str, entries: Iterable[Entry], report: AuditReport) -> tuple[int, int, int]:
    """(recommended models supplied, mentioned by marker/link/title, cited by marker or supplied link)."""
    models = [entry for entry in entries if entry.kind == "model"]
    markers = set(find_markers(text))
    linked = {link.entry_id for link in report.links if link.accepted and link.entry_id}
    lowered = text.lower()
    cited = [entry for entry in models if entry.id in markers or entry.id in linked]
    mentioned = [*cited] + [entry for entry in models if entry not in cited and entry.title.strip().lower() in lowered]
    return len(models), len(mentioned), len(cited)


@dataclass
class RunMetrics:
    """The figures of one answer (one system, one model, one prompt)."""

    prompt: str
    answerable: bool
    refused: bool
    links: int
    links_supplied: int
    unsupplied_links: int  # links the auditor rejects (not supplied, look-alike, or text/target mismatch)
    markers: int
    invalid_markers: int
    structure_complete: bool | None  # None for a refusal
    models_supplied: int
    models_mentioned: int
    models_cited: int
    cited_sentences: int  # claim sentences with a citation (supported + weak + unsupported)
    supported: int
    weak: int
    unsupported: int
    uncited_claims: int
    seconds: float | None = None
    seconds_to_first_token: float | None = None
    tokens_per_second: float | None = None
    rejected: list[str] = field(default_factory=list)  # the rejected links, for the per-prompt table

    @property
    def link_precision(self) -> float | None:
        return self.links_supplied / self.links if self.links else None

    @property
    def clean(self) -> bool:
        """The issue's criterion: no unsupplied link and no invalid marker."""
        return self.unsupplied_links == 0 and self.invalid_markers == 0

    @property
    def supported_share(self) -> float | None:
        return self.supported / self.cited_sentences if self.cited_sentences else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(link_precision=self.link_precision, clean=self.clean, supported_share=self.supported_share)
        return data


def run_metrics(
    prompt: str,
    text: str,
    entries: Sequence[Entry],
    report: AuditReport,
    *,
    refused: bool | None = None,
    seconds: float | None = None,
    seconds_to_first_token: float | None = None,
    tokens_per_second: float | None = None,
) -> RunMetrics:
    """Metrics of one final answer text, given its audit against the prompt file's full entry list."""
    summary = report.summary
    is_refused = looks_like_refusal(text) if refused is None else refused
    supplied, mentioned, cited = model_mentions(text, entries, report)
    return RunMetrics(
        prompt=prompt,
        answerable=prompt not in UNANSWERABLE,
        refused=is_refused,
        links=summary.links,
        links_supplied=summary.links_accepted,
        unsupplied_links=summary.links_rejected,
        markers=summary.markers,
        invalid_markers=summary.markers_invalid,
        structure_complete=None if is_refused else structure_complete(split_parts(text)),
        models_supplied=supplied,
        models_mentioned=mentioned,
        models_cited=cited,
        cited_sentences=summary.supported + summary.weak + summary.unsupported,
        supported=summary.supported,
        weak=summary.weak,
        unsupported=summary.unsupported,
        uncited_claims=summary.uncited,
        seconds=seconds,
        seconds_to_first_token=seconds_to_first_token,
        tokens_per_second=tokens_per_second,
        rejected=[link.url for link in report.links if not link.accepted],
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def aggregate(runs: Sequence[RunMetrics]) -> dict[str, Any]:
    """Totals over runs: shares are micro-averaged (summed counts), so long answers weigh more."""
    answered = [r for r in runs if not r.refused]
    answerable = [r for r in runs if r.answerable]
    unanswerable = [r for r in runs if not r.answerable]
    answered_ok = [r for r in answered if r.answerable]
    seconds = [r.seconds for r in runs if r.seconds is not None]
    first = [r.seconds_to_first_token for r in runs if r.seconds_to_first_token]
    speeds = [r.tokens_per_second for r in runs if r.tokens_per_second]
    return {
        "runs": len(runs),
        "links": sum(r.links for r in runs),
        "links_supplied": sum(r.links_supplied for r in runs),
        "link_precision": _ratio(sum(r.links_supplied for r in runs), sum(r.links for r in runs)),
        "runs_with_unsupplied_link": sum(1 for r in runs if r.unsupplied_links),
        "invalid_markers": sum(r.invalid_markers for r in runs),
        "runs_with_invalid_marker": sum(1 for r in runs if r.invalid_markers),
        "clean_runs": sum(1 for r in runs if r.clean),
        "clean_share": _ratio(sum(1 for r in runs if r.clean), len(runs)),
        "answered": len(answered),
        "structure_complete": sum(1 for r in answered if r.structure_complete),
        "structure_share": _ratio(sum(1 for r in answered if r.structure_complete), len(answered)),
        "models_supplied": sum(r.models_supplied for r in answered_ok),
        "models_mentioned": sum(r.models_mentioned for r in answered_ok),
        "models_cited": sum(r.models_cited for r in answered_ok),
        "models_cited_share": _ratio(
            sum(r.models_cited for r in answered_ok), sum(r.models_supplied for r in answered_ok)
        ),
        "models_mentioned_share": _ratio(
            sum(r.models_mentioned for r in answered_ok), sum(r.models_supplied for r in answered_ok)
        ),
        "cited_sentences": sum(r.cited_sentences for r in runs),
        "supported": sum(r.supported for r in runs),
        "supported_share": _ratio(sum(r.supported for r in runs), sum(r.cited_sentences for r in runs)),
        "unsupported": sum(r.unsupported for r in runs),
        "uncited_claims": sum(r.uncited_claims for r in runs),
        "unanswerable": len(unanswerable),
        "refused_unanswerable": sum(1 for r in unanswerable if r.refused),
        "answerable": len(answerable),
        "false_refusals": sum(1 for r in answerable if r.refused),
        "median_seconds": median(seconds) if seconds else None,
        "median_seconds_to_first_token": median(first) if first else None,
        "median_tokens_per_second": median(speeds) if speeds else None,
    }
