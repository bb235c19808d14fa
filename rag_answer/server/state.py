"""What a server holds warm: settings, the embedder, the LLM, and the loaded prompt files and indexes (each
one a model id for /v1/models), plus the generation queue and the request limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rag_answer.embedder import Embedder
from rag_answer.errors import BadInputError
from rag_answer.llm.engine import TextGenerator
from rag_answer.request import (
    HTTP,
    IndexFolder,
    Resolver,
    Target,
    UnknownModelError,
    prompt_from_text,
    prompt_target,
)
from rag_answer.server.worker import GenerationQueue
from rag_answer.settings import Settings
from rag_answer.sources import load_source

__all__ = ["Limits", "ServerState", "Target", "UnknownModelError", "load_targets", "prompt_from_text",
           "prompt_target"]  # fmt: skip


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1_000_000
    max_question_chars: int = 2_000
    max_waiting: int = 8


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

    def resolver(self) -> Resolver:
        """Requests resolved against what this server loaded, in the HTTP API's words, within its limits."""
        return Resolver(self.settings, self.embedder, self, HTTP, max_question_chars=self.limits.max_question_chars,
                        index_questions=True)  # fmt: skip


def load_targets(prompts: list[Path], indexes: list[str], embedder: Embedder, settings: Settings) -> dict[str, Target]:
    """Prompt files are named by their file stem, indexes by their name; two with one name are refused."""
    targets: dict[str, Target] = {}

    def add(target: Target) -> None:
        if target.id in targets:
            raise BadInputError(f"two loaded prompt files or indexes are both named {target.id!r}",
                                hint="rename one file, or load one of them")  # fmt: skip
        targets[target.id] = target

    folder = IndexFolder(settings.index_dir, embedder)
    for path in prompts:
        add(prompt_target(load_source(path), embedder, settings, target_id=path.stem))
    for name in indexes:
        add(folder.target(name))
    return targets
