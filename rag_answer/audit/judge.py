"""The entailment judge: the local GGUF asked whether ONE entry states a claim, scored by the log-probabilities
of "yes" / "no" / "partial" as its first answer token (no sampling, no parsing).

The prompt's prefix is the same entry block the answer pipeline reads the entry with, so the judge reuses that
KV state and evaluates only the claim. No NLI or fact-checking weights are packaged for this machine, so the
judge is the answering model itself unless --judge-model names another GGUF.
"""

from __future__ import annotations

import math

from rag_answer.entries import Entry
from rag_answer.llm.engine import TextGenerator
from rag_answer.llm.source_prompt import source_prompt
from rag_answer.prompts import load_template

YES = ("yes", "Yes")
NO = ("no", "No")
PARTIAL = ("partial", "Partial")


class LlmJudge:
    """judge(claim, entry) -> probability that the entry states everything in the claim ("partial" counts half)."""

    def __init__(self, generator: TextGenerator) -> None:
        self.generator = generator
        self._cache: dict[tuple[str, str, str], float] = {}
        self.calls = 0

    def __call__(self, claim: str, entry: Entry) -> float:
        key = (entry.id, entry.summary, claim)
        return self._p_yes(key, entry, "judge_request", {"claim": claim}, partial=PARTIAL)

    def covers(self, question: str, entry: Entry) -> float:
        """Probability that the entry answers the question at least in part (before "the sources do not say")."""
        key = (entry.id, entry.summary, "covers:" + question)
        return self._p_yes(key, entry, "coverage_request", {"question": question}, partial=())

    def answers(self, part: str, sentence: str, entry: Entry) -> float:
        """Probability that a sentence about the entry gives what one part of the question asks for (a sentence
        on the part's topic that does not answer it leaves the part open)."""
        key = (entry.id, entry.summary, f"answers:{part}\n{sentence}")
        return self._p_yes(key, entry, "part_answer_request", {"part": part, "sentence": sentence}, partial=())

    def _p_yes(
        self, key: tuple[str, str, str], entry: Entry, template: str, text: dict[str, str], *, partial: tuple[str, ...]
    ) -> float:
        """P(yes) to the template's request about the entry, asked once per key; a `partial` answer counts half."""
        if key not in self._cache:
            self.calls += 1
            request = load_template(template).render(**{name: value.replace('"', "'") for name, value in text.items()})
            prefix, suffix = source_prompt(self.generator, entry, request)
            logprobs = self.generator.choice_logprobs(prefix, suffix, [*YES, *NO, *partial])
            yes = sum(math.exp(logprobs[word]) for word in YES)
            no = sum(math.exp(logprobs[word]) for word in NO)
            half = sum(math.exp(logprobs[word]) for word in partial)
            total = yes + no + half
            self._cache[key] = (yes + 0.5 * half) / total if total > 0 else 0.0
        return self._cache[key]
