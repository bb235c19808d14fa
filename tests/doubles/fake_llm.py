"""A scripted TextGenerator for tests of orchestration (the real engine is tested separately)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from rag_answer.llm.chat_template import CHATML, ChatTemplate
from rag_answer.llm.engine import GenerationStats


class FakeGenerator:
    """Streams a fixed text (or one computed from the prompt) in small pieces; records every call."""

    model_name = "fake"
    model_sha256 = "0" * 64

    template = ChatTemplate(CHATML, False)

    def __init__(self, script: str | Callable[[str, str], str], *, piece: int = 7, judge_yes: float = 0.0):
        """judge_yes: the log-probability choice_logprobs gives "yes" (0.0: the judge always says yes)."""
        self.script = script
        self.judge_yes = judge_yes
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

    def choice_logprobs(self, prefix: str, suffix: str, choices: Sequence[str]) -> dict[str, float]:
        self.calls.append({"prefix": prefix, "suffix": suffix, "grammar": None, "seed": None})
        return {choice: (self.judge_yes if choice.lower() == "yes" else -30.0) for choice in choices}
