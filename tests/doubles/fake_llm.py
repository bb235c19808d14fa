"""A scripted TextGenerator for tests of orchestration (the real engine is tested separately)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

from rag_answer.llm.chat_template import CHATML, ChatTemplate
from rag_answer.llm.engine import GenerationStats


class FakeGenerator:
    """Streams a fixed text (or one computed from the prompt) in small pieces; records every call."""

    model_name = "fake"
    model_sha256 = "0" * 64

    template = ChatTemplate(CHATML, False)

    def __init__(
        self,
        script: str | Callable[[str, str], str],
        *,
        piece: int = 7,
        judge_yes: float | Callable[[str, str], float] = 0.0,
    ):
        """judge_yes: the log-probability choice_logprobs gives "yes" (0.0: the judge always says yes; "no" gets
        -30), or a function of (prefix, suffix) giving P(yes) (then "no" gets log(1 - P(yes)))."""
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
        if callable(self.judge_yes):
            p_yes = self.judge_yes(prefix, suffix)
            yes, no = math.log(max(p_yes, 1e-12)), math.log(max(1.0 - p_yes, 1e-12))
        else:
            yes, no = self.judge_yes, -30.0
        return {choice: (yes if choice.lower() == "yes" else no) for choice in choices}


TASK_REPLY = "The user wants to know what data and tricks give generated portraits fine skin detail."


def reading_script(readings: dict[str, str], task: str = TASK_REPLY) -> Callable[[str, str], str]:
    """A script for the per-entry answer pipeline: the task call gets `task`; an entry's call gets the reading
    whose key (a title prefix, e.g. "The Skin Game") its prompt shows after "Source (...): "."""

    def answer(prefix: str, suffix: str) -> str:
        if "what is the user trying to do" in suffix:
            return task
        for title, text in readings.items():
            if f": {title}" in prefix:
                return text
        return "Offers: a related method.\nAnswer: none."

    return answer


EXAMPLE_READINGS = {
    "The Skin Game": "Offers: a training and evaluation framework for skin disease classification.\n"
    "Answer: DINOv2 is trained and evaluated on three benchmark datasets, HAM10000, DermNet and ISIC Atlas.",
    "Enhancing Image Matting": "Offers: Mask2Alpha, an iterative refinement framework for image matting.\n"
    "Answer: A sparse convolution scheme recovers high-resolution details through progressive refinement.",
    "Hi4D": "Offers: a dataset of 4D textured scans of close human interaction.\nAnswer: none.",
    "Txt2Img": "Input: a text prompt describing a portrait\nOutput: a photorealistic portrait.",
}
