"""One generation at a time: a single worker thread owns the LLM, a bounded number of requests wait for it,
and each request's generation can be stopped between tokens (a client that went away stops its answer).

llama.cpp keeps one KV cache per context, so two generations must never interleave; a single thread makes
that true by construction instead of by locking discipline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from rag_answer.errors import RagAnswerError

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
