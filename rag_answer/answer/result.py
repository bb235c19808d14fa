"""What an answer returns: AnswerResult (the shown text, its sections, the audit, the readings and evidence)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rag_answer.answer.context import Context
from rag_answer.answer.reading import Reading
from rag_answer.answer.verify import Verification
from rag_answer.entries import Entry
from rag_answer.llm.engine import GenerationStats
from rag_answer.settings import Settings

if TYPE_CHECKING:
    from rag_answer.answer.draft import Evidence


@dataclass
class Turn:
    question: str
    answer: str


@dataclass
class AnswerResult:
    question: str
    text: str  # the final answer as shown (with the sources list in the short form)
    body: str
    sections: dict[str, str]
    citations: list[str]
    sources: list[Entry]
    context: Context
    refused: bool
    refusal_reason: str | None
    verification: Verification | None
    stats: GenerationStats
    timings: dict[str, float] = field(default_factory=dict)
    readings: list[Reading] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # the things the question asks, answered in turn
    evidence: list[list[Evidence]] = field(default_factory=list)  # per part: the sentences shown, checked
    labels: dict[str, str] = field(default_factory=dict)  # entry id -> direct / partial / tangential
    program_spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of program text in `text`
    source_warnings: list[str] = field(default_factory=list)  # one line per supplied entry that tries to give orders

    def to_dict(self, settings: Settings, model: dict[str, str]) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "sections": self.sections,
            "citations": self.citations,
            "sources": [
                {"id": e.id, "kind": e.kind, "title": e.title, "paper": e.paper_url, "github": e.github_url}
                for e in self.sources
            ],
            "retrieved": [hit.to_dict() for hit in self.context.hits],
            "parts": self.parts,
            "labels": self.labels,
            "program_spans": [list(span) for span in self.program_spans],
            "source_warnings": self.source_warnings,
            "refused": self.refused,
            "refusal_reason": self.refusal_reason,
            "repairs": self.repairs,
            "audit": self.verification.to_dict() if self.verification else None,
            "timings": {key: round(value, 3) for key, value in self.timings.items()},
            "generation": self.stats.to_dict(),
            "model": model,
            "settings": {
                key: getattr(settings, key)
                for key in ("seed", "temperature", "max_tokens", "top_k", "min_score", "threads", "n_ctx")
            },
        }
