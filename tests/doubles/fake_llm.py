"""A scripted TextGenerator for tests of orchestration (the real engine is tested separately)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rag_answer.llm.engine import GenerationStats


class FakeGenerator:
    """Streams a fixed text (or one computed from the prompt) in small pieces; records every call."""

    model_name = "fake"
    model_sha256 = "0" * 64

    def __init__(self, script: str | Callable[[str, str], str], *, piece: int = 7):
        self.script = script
        self.piece = piece
        self.calls: list[dict[str, object]] = []
        self.last_stats = GenerationStats()

    def stream(
        self, prefix: str, suffix: str, *, grammar: str | None, max_tokens: int, temperature: float, seed: int
    ) -> Iterator[str]:
        self.calls.append({"prefix": prefix, "suffix": suffix, "grammar": grammar, "seed": seed})
        text = self.script(prefix, suffix) if callable(self.script) else self.script
        self.last_stats = GenerationStats(prompt_tokens=len(prefix + suffix) // 4)
        for start in range(0, len(text), self.piece):
            self.last_stats.generated_tokens += 1
            yield text[start : start + self.piece]
