"""A chat session's state: the supplied entries, the turns the model sees, the context budget, stopping.

The session answers every question through `answer_question` with the same source restriction, passing the
earlier turns as history. Two things keep follow-ups fast and inside the context window:

- When all the supplied entries fit, every question is answered over all of them (top-k is raised to their
  number), so the instructions + sources prefix is the same for every turn and llama.cpp's in-process KV
  cache evaluates it once per session; a follow-up evaluates only its own new tokens.
- Before each question the prompt is measured in tokens; when it would not fit n_ctx with room for the answer,
  the oldest turns are dropped (and the caller is told in one line).

A turn's history text is the model's own text (markers, no links), exactly as generated, so the KV cache that
holds turn N's prompt and answer is reused by turn N+1.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from rag_answer.answer import AnswerResult, Turn, answer_question
from rag_answer.answer.context import Context, select_context
from rag_answer.answer.verify import Verification, verify_answer
from rag_answer.embedder import Embedder
from rag_answer.entries import Entry, SourceSet
from rag_answer.errors import BadInputError
from rag_answer.index_store import Hit, RestrictedIndex, search
from rag_answer.llm.engine import GenerationStats, TextGenerator
from rag_answer.settings import Settings

# Tokens kept free for a question when deciding whether all the supplied entries can stay in every prompt.
QUESTION_ROOM = 256
# Earlier questions a vague follow-up is retrieved with.
FOLLOW_UP_CONTEXT = 4


class GenerationStopped(Exception):
    """The user stopped the answer being generated (Ctrl-C); raised between tokens, so the engine is intact."""


class _StoppableGenerator:
    """Wraps a TextGenerator: records the model's raw text and stops between tokens when asked."""

    def __init__(self, inner: TextGenerator) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.model_sha256 = inner.model_sha256
        self.text = ""
        self.called = False
        self.stop_requested = False

    @property
    def last_stats(self) -> GenerationStats:
        return self.inner.last_stats

    def stream(
        self, prefix: str, suffix: str, *, grammar: str | None, max_tokens: int, temperature: float, seed: int
    ) -> Iterator[str]:
        self.called = True
        pieces = self.inner.stream(
            prefix, suffix, grammar=grammar, max_tokens=max_tokens, temperature=temperature, seed=seed
        )
        try:
            for piece in pieces:
                if self.stop_requested:
                    raise GenerationStopped
                self.text += piece
                yield piece
                if self.stop_requested:
                    raise GenerationStopped
        finally:
            pieces.close()  # runs the engine's cleanup now; it is suspended after sampling, before evaluating


@dataclass
class Exchange:
    """One question and what came of it, for the transcript."""

    question: str
    result: AnswerResult | None = None
    stopped: bool = False
    partial: str = ""  # the rendered text shown before a stop
    partial_audit: Verification | None = None
    dropped_turns: int = 0
    notes: list[str] = field(default_factory=list)


class ChatSession:
    def __init__(
        self,
        index: RestrictedIndex,
        embedder: Embedder,
        generator: TextGenerator,
        settings: Settings,
        *,
        source_nos: list[int] | None,
        label: str = "",
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.generator = _StoppableGenerator(generator)
        self.raw_generator = generator
        self.source_nos = source_nos
        self.label = label
        self.history: list[Turn] = []  # what the model sees
        self.exchanges: list[Exchange] = []  # everything, for /save
        self.n_ctx = int(getattr(generator, "n_ctx", settings.n_ctx))
        self.settings = settings
        self.pinned = self._can_pin_all(settings)
        if self.pinned:
            self.settings = settings.model_copy(update={"top_k": max(settings.top_k, len(self.entries()))})

    # -- what may be used --------------------------------------------------------------------------------------

    def allowed_source_nos(self) -> list[int]:
        return list(range(len(self.index.sources))) if self.source_nos is None else list(self.source_nos)

    def sources(self) -> list[SourceSet]:
        return [self.index.sources[number] for number in self.allowed_source_nos()]

    def entries(self) -> list[Entry]:
        return [entry for source in self.sources() for entry in source.entries]

    def retrieve(self, query: str) -> list[Hit]:
        if not query.strip():
            raise BadInputError("nothing to retrieve", hint="/retrieve QUERY")
        return search(self.index, self.embedder, query, k=self.settings.top_k, source_nos=self.source_nos)

    @property
    def last_result(self) -> AnswerResult | None:
        for exchange in reversed(self.exchanges):
            if exchange.result is not None:
                return exchange.result
        return None

    # -- the context budget ------------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        tokenize = getattr(self.raw_generator, "tokenize", None)
        return len(tokenize(text)) if tokenize else len(text) // 4  # FakeGenerator's own estimate

    def _can_pin_all(self, settings: Settings) -> bool:
        entries = self.entries()
        if not entries or len(entries) > 50:
            return False
        context = select_context(self.index, self.embedder, "overview", source_nos=self.source_nos, top_k=50)
        if len(context.entries) < len(entries):
            return False
        return True  # each entry is read in its own prompt: the context holds one entry at a time

    def _context(self, query: str) -> Context:
        return select_context(self.index, self.embedder, query, source_nos=self.source_nos, top_k=self.settings.top_k)

    def retrieval_query(self, question: str) -> str:
        """The question itself; for a follow-up that retrieves nothing relevant on its own ("and why?"), the
        earlier questions (the last FOLLOW_UP_CONTEXT) and this one together. The model still sees only this
        question as the new turn, and may still refuse."""
        if not self.history or self._context(question).best_score >= self.settings.min_score:
            return question
        return "\n".join([*(turn.question for turn in self.history[-FOLLOW_UP_CONTEXT:]), question])

    def fit_history(self, question: str, query: str | None = None) -> int:
        """Drop the oldest turns until the prompt plus the answer fits n_ctx; returns how many were dropped."""
        if not self.history:
            return 0
        context = self._context(query or question)
        if not context.entries:
            return 0
        # Each entry is read in its own prompt with this question only; earlier turns steer retrieval.
        start = max(0, len(self.history) - FOLLOW_UP_CONTEXT)
        del self.history[:start]
        return start

    # -- asking ------------------------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        on_text: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> Exchange:
        """Answer one question; GenerationStopped is turned into a stopped Exchange. Errors propagate."""
        question = question.strip()
        if not question:
            raise BadInputError("empty question")
        exchange = Exchange(question)
        query = self.retrieval_query(question)
        if query != question:
            exchange.notes.append("[context] retrieved with the earlier questions too (this one alone matched nothing)")
            if on_notice:
                on_notice(exchange.notes[-1])
        dropped = self.fit_history(question, query)
        if dropped:
            kept = len(self.history)
            note = (
                f"[context] dropped the {dropped} oldest turn{'s' if dropped > 1 else ''} to fit the "
                f"{self.n_ctx}-token context (n_ctx); {kept} earlier turn{'' if kept == 1 else 's'} kept"
            )
            exchange.dropped_turns = dropped
            exchange.notes.append(note)
            if on_notice:
                on_notice(note)
        self.generator.text = ""
        self.generator.called = False
        self.generator.stop_requested = False
        try:
            result = answer_question(
                question, self.index, self.embedder, self.generator, self.settings,  # type: ignore[arg-type]
                source_nos=self.source_nos, history=list(self.history), on_text=on_text, retrieval_query=query,
            )  # fmt: skip
        except GenerationStopped:
            exchange.stopped = True
            self._audit_partial(exchange, query)
            self.exchanges.append(exchange)
            return exchange
        finally:
            self.generator.stop_requested = False
        exchange.result = result
        if self.generator.called:  # the model answered (or refused): it sees this turn next time
            self.history.append(Turn(question, self.generator.text))
        self.exchanges.append(exchange)
        return exchange

    def _audit_partial(self, exchange: Exchange, query: str) -> None:
        """The text shown before a stop is audited too (links and markers; no claim check)."""
        context = self._context(query)
        entries = {entry.id: entry for entry in context.entries}
        exchange.partial = self.generator.text if entries else ""
        if exchange.partial.strip():
            exchange.partial_audit = verify_answer(exchange.partial, context.entries, None)

    def request_stop(self) -> None:
        self.generator.stop_requested = True

    def reset(self) -> int:
        forgotten = len(self.history)
        self.history.clear()
        return forgotten

    @contextlib.contextmanager
    def stop_on_interrupt(self, on_first: Callable[[], None] | None = None) -> Iterator[None]:
        """While generating: the first Ctrl-C stops the answer at the next token; a second one stops at once.

        A hard stop (second Ctrl-C) surfaces as GenerationStopped after the engine's KV cache is cleared.
        """
        previous = signal.getsignal(signal.SIGINT)
        if previous is None:  # installed outside Python
            previous = signal.default_int_handler
        presses = 0

        def handler(signum: int, frame: Any) -> None:
            nonlocal presses
            presses += 1
            if presses > 1:
                raise KeyboardInterrupt
            self.request_stop()
            if on_first:
                on_first()

        try:
            signal.signal(signal.SIGINT, handler)
        except ValueError:
            yield
            return
        try:
            yield
        except KeyboardInterrupt:
            self.recover_engine()
            raise GenerationStopped from None
        finally:
            signal.signal(signal.SIGINT, previous)

    def recover_engine(self) -> None:
        """After a hard stop the KV cache may hold tokens the engine does not track: start it clean."""
        llm = getattr(self.raw_generator, "llm", None)
        if llm is None:
            return
        llm.reset()
        with contextlib.suppress(Exception):
            llm._ctx.kv_cache_clear()

    def image_source(self) -> SourceSet:
        """The source set an illustration is drawn for: the last answer's source, asked the last question."""
        sources = self.sources()
        result = self.last_result
        source = sources[0]
        if result is not None and result.context.hits:
            source = self.index.sources[result.context.hits[0].source_no]
        question = result.question if result is not None else source.question
        return replace(source, question=question)
