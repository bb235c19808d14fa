"""Assembling a Report from an answer, its sources, its evidence and (optionally) an illustration."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rag_answer.answer import AnswerResult
from rag_answer.entries import SourceSet
from rag_answer.report.diagram import Flow, parse_flows
from rag_answer.report.evidence import Evidence


@dataclass(frozen=True)
class Illustration:
    """The image step's outcome: a PNG (with how it was made) or a one-line note why there is none."""

    note: str
    png: bytes | None = None
    file_name: str | None = None
    prompt: str | None = None
    record: dict[str, object] = field(default_factory=dict)


@dataclass
class Report:
    name: str  # output file stem
    source: SourceSet
    question: str
    answer: AnswerResult
    flows: list[Flow]
    evidence: Evidence
    illustration: Illustration | None  # None: --image was not asked for
    timings: dict[str, float] = field(default_factory=dict)
    generation: dict[str, object] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.answer.refused

    @property
    def answer_markdown(self) -> str:
        """The audited answer, with its supplied links written as autolinks (clickable in HTML)."""
        return autolink_supplied(self.answer.text, self.source)


_LINK_LABEL = re.compile(r"\b(Paper|GitHub): (\S+)")
_AUTOLINKABLE = re.compile(r"[^\s<>`\\]+")


def autolink_supplied(text: str, source: SourceSet) -> str:
    """'Paper: URL' -> 'Paper: <URL>' for exactly-supplied URLs only; nothing else changes."""
    supplied = set(source.links)

    def replace(match: re.Match[str]) -> str:
        url = match.group(2)
        tail = ""
        while url not in supplied and url.endswith(")"):
            url, tail = url[:-1], ")" + tail
        if url not in supplied or not _AUTOLINKABLE.fullmatch(url):
            return match.group(0)
        return f"{match.group(1)}: <{url}>{tail}"

    return _LINK_LABEL.sub(replace, text)


def build_report(
    name: str,
    source: SourceSet,
    question: str,
    answer: AnswerResult,
    evidence: Evidence,
    *,
    illustration: Illustration | None = None,
    timings: dict[str, float] | None = None,
) -> Report:
    entries = {entry.id: entry for entry in source.entries}
    flows = [] if answer.refused else parse_flows(answer.sections.get("workflow", ""), entries)
    return Report(
        name=name,
        source=source,
        question=question,
        answer=answer,
        flows=flows,
        evidence=evidence,
        illustration=illustration,
        timings={**answer.timings, **(timings or {})},
        generation=answer.stats.to_dict(),
    )


def illustration_from(result: object) -> Illustration:
    """An Illustration from rag_answer.image's result (IllustrationResult or Skipped)."""
    from rag_answer.image import Skipped

    if isinstance(result, Skipped):
        return Illustration(note=f"No illustration: {result.reason}")
    image_path = Path(result.image_path)  # type: ignore[attr-defined]
    record = dict(result.record)  # type: ignore[attr-defined]
    return Illustration(
        note=f"Illustration written to {image_path.name} next to this report.",
        png=image_path.read_bytes(),
        file_name=image_path.name,
        prompt=str(result.prompt),  # type: ignore[attr-defined]
        record={
            key: record.get(key)
            for key in ("model_sha256", "seed", "steps", "guidance", "scheduler", "width", "height", "device")
        },
    )
