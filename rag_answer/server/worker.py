"""One generation at a time: a single worker thread owns the LLM, a bounded number of requests wait for it,
and each request's generation can be stopped between tokens (a client that went away stops its answer).

llama.cpp keeps one KV cache per context, so two generations must never interleave; a single thread makes
that true by construction instead of by locking discipline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from rag_answer.chat.session import GenerationStopped
from rag_answer.errors import RagAnswerError
from rag_answer.llm.chat_template import ChatTemplate
from rag_answer.llm.engine import GenerationStats, TextGenerator

T = TypeVar("T")


class ServerBusyError(RagAnswerError):
    """Every worker slot and every queue place is taken: try again later (HTTP 503)."""


class GenerationQueue:
    """Runs jobs on one thread; refuses a job when `max_waiting` jobs already wait behind the running one."""

    def __init__(self, max_waiting: int) -> None:
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-answer-llm")
        self._lock = threading.Lock()
        self._pending = 0  # running + waiting
        self.served = 0
        self.refused = 0

    def submit(self, job: Callable[[], T]) -> Future[T]:
        with self._lock:
            if self._pending >= 1 + self.max_waiting:
                self.refused += 1
                raise ServerBusyError(
                    f"the answer queue is full ({self.max_waiting} waiting)", hint="retry in a few seconds"
                )
            self._pending += 1
        return self._executor.submit(self._run, job)

    def _run(self, job: Callable[[], T]) -> T:
        try:
            return job()
        finally:
            with self._lock:
                self._pending -= 1
                self.served += 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            pending = self._pending
        return {"running": min(pending, 1), "waiting": max(pending - 1, 0), "max_waiting": self.max_waiting,
                "served": self.served, "refused_busy": self.refused}  # fmt: skip

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class ObservedGenerator:
    """Wraps the shared TextGenerator for one request: reports each drafted token, and stops between tokens
    (and before a judge call) once `stop` is set."""

    def __init__(self, inner: TextGenerator, stop: threading.Event, on_token: Callable[[str], None] | None) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.model_sha256 = inner.model_sha256
        self.stop = stop
        self.on_token = on_token

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
        pieces = self.inner.stream(
            prefix, suffix, grammar=grammar, max_tokens=max_tokens, temperature=temperature, seed=seed
        )
        try:
            for piece in pieces:
                self._check()
                if self.on_token:
                    self.on_token(piece)
                yield piece
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()  # the engine's cleanup runs now, between tokens, so the engine stays usable

    def choice_logprobs(self, prefix: str, suffix: str, choices: Sequence[str]) -> dict[str, float]:
        self._check()
        return self.inner.choice_logprobs(prefix, suffix, choices)

    def _check(self) -> None:
        if self.stop.is_set():
            raise GenerationStopped
