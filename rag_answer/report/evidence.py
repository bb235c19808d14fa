"""The evidence record: everything needed to say what produced a report, and to check it again.

Entry ids with content hashes, the LLM file's SHA-256, the embedder and its weights hash, the prompt template
hashes, the sampling settings and seed, and the tool versions. Timings are kept apart: they are the only part
of a report that changes from run to run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from rag_answer import __version__
from rag_answer.answer import AnswerResult
from rag_answer.embedder import Embedder
from rag_answer.entries import SourceSet
from rag_answer.prompts import load_template
from rag_answer.settings import Settings

TEMPLATES = (  # the prompt templates the answer pipeline renders
    "task_system",
    "task_request",
    "source_system",
    "source_block",
    "evidence_request",
    "model_request",
    "model_evidence_request",
    "judge_request",
    "fit_request",
    "part_answer_request",
)
SAMPLING_KEYS = ("seed", "temperature", "max_tokens", "top_k", "min_score", "n_ctx", "threads")


@dataclass(frozen=True)
class EntryRecord:
    id: str
    kind: str
    content_sha256: str
    in_context: bool  # shown to the LLM
    score: float | None  # best retrieval cosine, None when not retrieved
    cited: bool


@dataclass
class Evidence:
    source_file: str  # the file name only: the same inputs give the same report wherever they live
    source_sha256: str
    entries: list[EntryRecord]
    model_name: str
    model_sha256: str
    embedder_name: str
    embedder_sha256: str
    templates: dict[str, str]
    sampling: dict[str, Any]
    versions: dict[str, str]
    image: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def collect_evidence(
    source: SourceSet,
    answer: AnswerResult,
    *,
    model_name: str,
    model_sha256: str,
    embedder: Embedder,
    settings: Settings,
) -> Evidence:
    in_context = {entry.id for entry in answer.context.entries}
    scores: dict[str, float] = {}
    for hit in answer.context.hits:
        scores[hit.entry.id] = max(scores.get(hit.entry.id, -1.0), float(hit.score))
    cited = set(answer.citations)
    entries = [
        EntryRecord(
            entry.id,
            entry.kind,
            entry.content_hash(),
            entry.id in in_context,
            round(scores[entry.id], 3) if entry.id in scores else None,
            entry.id in cited,
        )
        for entry in source.entries
    ]
    return Evidence(
        source_file=Path(source.path).name,
        source_sha256=source.source_id,
        entries=entries,
        model_name=model_name,
        model_sha256=model_sha256,
        embedder_name=embedder.name,
        embedder_sha256=embedder.weights_sha256,
        templates={name: load_template(name).sha256 for name in TEMPLATES},
        sampling={key: getattr(settings, key) for key in SAMPLING_KEYS},
        versions={
            "rag-answer": __version__,
            "llama-cpp-python": _version("llama-cpp-python"),
            "sentence-transformers": _version("sentence-transformers"),
            "faiss-cpu": _version("faiss-cpu"),
        },
    )
