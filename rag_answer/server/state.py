"""What a server holds warm: settings, the embedder, the LLM, and the loaded prompt files and indexes (each
one a model id for /v1/models), plus the generation queue and the request limits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag_answer.embedder import Embedder
from rag_answer.entries import Entry, SourceSet
from rag_answer.errors import BadInputError
from rag_answer.index_store import RestrictedIndex, load_index
from rag_answer.index_store.cache import cached_index
from rag_answer.llm.engine import TextGenerator
from rag_answer.server.worker import GenerationQueue
from rag_answer.settings import Settings
from rag_answer.sources import load_source
from rag_answer.sources.prompt_file import parse_prompt_text


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1_000_000
    max_question_chars: int = 2_000
    max_waiting: int = 8


@dataclass
class Target:
    """A loaded prompt file or index: what a question is answered from."""

    id: str
    kind: str  # "prompt" or "index"
    label: str
    index: RestrictedIndex
    source_nos: list[int] | None
    question: str | None = None  # a prompt file's own question

    def entries(self) -> list[Entry]:
        return [entry for number, source in enumerate(self.index.sources)
                if self.source_nos is None or number in self.source_nos for entry in source.entries]  # fmt: skip

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "question": self.question,
            "entries": [
                {"id": e.id, "kind": e.kind, "title": e.title, "paper": e.paper_url, "github": e.github_url}
                for e in self.entries()
            ],
        }


@dataclass
class ServerState:
    settings: Settings
    embedder: Embedder
    generator: TextGenerator
    targets: dict[str, Target] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    token: str | None = None
    queue: GenerationQueue = field(init=False)

    def __post_init__(self) -> None:
        self.queue = GenerationQueue(self.limits.max_waiting)

    def target(self, model_id: str) -> Target:
        try:
            return self.targets[model_id]
        except KeyError:
            known = ", ".join(sorted(self.targets)) or "none loaded"
            hint = "GET /api/models lists them; start the server with --prompt/--index"
            message = f"no prompt file or index {model_id!r} is loaded (loaded: {known})"
            raise UnknownModelError(message, hint=hint) from None

    def model(self) -> dict[str, str]:
        return {"name": self.generator.model_name, "sha256": self.generator.model_sha256}


class UnknownModelError(BadInputError):
    """A model id that names no loaded prompt file or index (HTTP 404)."""


def prompt_from_text(text: str, *, path: str) -> SourceSet:
    """A prompt file sent as text, parsed exactly as `ask --prompt` parses the file (same source id for the
    same bytes, so the same cached index)."""
    normalized = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not normalized.strip():
        raise BadInputError("prompt file is empty", path=path, hint="send the whole prompt file's text")
    return parse_prompt_text(normalized, path=path, source_id=hashlib.sha256(text.encode("utf-8")).hexdigest())


def prompt_target(source: SourceSet, embedder: Embedder, settings: Settings, *, target_id: str) -> Target:
    index = cached_index(source, embedder, settings.cache_dir, progress=False)
    return Target(target_id, "prompt", source.path, index, [0], source.question)


def load_targets(prompts: list[Path], indexes: list[str], embedder: Embedder, settings: Settings) -> dict[str, Target]:
    """Prompt files are named by their file stem, indexes by their name; two with one name are refused."""
    targets: dict[str, Target] = {}

    def add(target: Target) -> None:
        if target.id in targets:
            raise BadInputError(f"two loaded prompt files or indexes are both named {target.id!r}",
                                hint="rename one file, or load one of them")  # fmt: skip
        targets[target.id] = target

    for path in prompts:
        add(prompt_target(load_source(path), embedder, settings, target_id=path.stem))
    for name in indexes:
        add(Target(name, "index", f"index {name}", load_index(settings.index_dir, name, embedder), None))
    return targets
