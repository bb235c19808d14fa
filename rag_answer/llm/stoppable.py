"""A TextGenerator that can be stopped between tokens: the chat's Ctrl-C and the server's departed client.

Stopping raises GenerationStopped at the next token (or before the next call) and closes the engine's token
stream there, so its cleanup runs while no llama.cpp call is in flight and the engine stays usable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from rag_answer.llm.chat_template import ChatTemplate
from rag_answer.llm.engine import GenerationStats, TextGenerator


class GenerationStopped(Exception):
    """The generation was stopped on request; raised between tokens, so the engine is intact."""


def _never() -> bool:
    return False


class StoppableGenerator:
    """Wraps a TextGenerator for one user of it: stops once `stop_requested` is set or `should_stop()` is true,
    hands each generated piece to `on_token`, and counts the calls it passed on."""

    def __init__(
        self,
        inner: TextGenerator,
        should_stop: Callable[[], bool] = _never,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.model_sha256 = inner.model_sha256
        self.should_stop = should_stop
        self.on_token = on_token
        self.stop_requested = False
        self.calls = 0

    @property
    def last_stats(self) -> GenerationStats:
        return self.inner.last_stats

    @property
    def template(self) -> ChatTemplate:
        return self.inner.template

    def stream(
        self, prefix: str, suffix: str, *, grammar: str | None, max_tokens: int, temperature: float, seed: int
    ) -> Iterator[str]:
        self._check()
        self.calls += 1
        pieces = self.inner.stream(
            prefix, suffix, grammar=grammar, max_tokens=max_tokens, temperature=temperature, seed=seed
        )
        try:
            for piece in pieces:
                self._check()
                if self.on_token:
                    self.on_token(piece)
                yield piece
                self._check()
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()  # runs the engine's cleanup now; it is suspended after sampling, before evaluating

    def choice_logprobs(self, prefix: str, suffix: str, choices: Sequence[str]) -> dict[str, float]:
        self._check()
        self.calls += 1
        scores = self.inner.choice_logprobs(prefix, suffix, choices)
        self._check()
        return scores

    def _check(self) -> None:
        if self.stop_requested or self.should_stop():
            raise GenerationStopped
