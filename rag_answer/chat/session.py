"""A chat session's state: the supplied entries, the earlier turns, the answer form, stopping.

Every question goes through the answer stages (`Answerer`, one per session, with its judge) with the same
source restriction. The answer pipeline reads one
entry per model call (that entry and the question only), so no chat history is ever in a prompt; earlier turns
serve two things here:

- the form: the first question is answered in the full form (task, answer, workflow, papers, sources); a
  later one, given the earlier turns as history, in the short form (cited answer sentences, then the
  sources they cite). `ask(..., full=True)` (the `/full` command) asks for the full form on demand;
- retrieval: a follow-up that refers back ("and its data?", "which of those is fastest?") or that matches
  nothing on its own is retrieved together with the question it follows (which may itself have been
  resolved against an earlier one), so the right entries come first. The model still sees the question as
  asked, next to one entry at a time.

Stopping: the generator is wrapped so that a stop request (Ctrl-C) raises GenerationStopped at the next
token, or before the next claim-judge call; nothing is shown before the answer is checked, so a stopped answer
usually has shown nothing, and it is never kept as a turn.
"""

from __future__ import annotations

import contextlib
import re
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from rag_answer.answer import Answerer, AnswerResult, Turn, default_judge
from rag_answer.answer.context import Context, select_context
from rag_answer.answer.verify import Verification, verify_answer
from rag_answer.embedder import Embedder
from rag_answer.entries import Entry, SourceSet
from rag_answer.errors import BadInputError
from rag_answer.index_store import Hit, RestrictedIndex, search
from rag_answer.llm.engine import TextGenerator
from rag_answer.llm.stoppable import GenerationStopped, StoppableGenerator
from rag_answer.settings import Settings

# Earlier questions a follow-up is retrieved with, at most (the chain of questions it refers back through).
FOLLOW_UP_CONTEXT = 3

# A follow-up that refers back to an earlier turn: it opens like a continuation ("and ...", "what about ...")
# or points at something said before ("its", "those", "that paper", "the first one").
_CONTINUES = re.compile(r"^\W*(?:and|also|plus|then|so|but|or|what about|how about|same for)\b", re.IGNORECASE)
_POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|itself|they|them|their|theirs|those|these|the same|above|earlier|previous(?:ly)?|"
    r"aforementioned|mentioned|former|latter|both|either|neither|"
    r"(?:that|this|the other) (?:one|paper|model|method|dataset|data|entry|approach|work|tool|result)s?|"
    r"the (?:first|second|third|fourth|last|other) ones?)\b",
    re.IGNORECASE,
)


def refers_back(question: str) -> bool:
    """Whether a question reads as a follow-up to an earlier turn (and so cannot be retrieved on its own)."""
    text = " ".join(question.split())
    return bool(_CONTINUES.search(text) or _POINTS_BACK.search(text))


@dataclass
class Exchange:
    """One question and what came of it, for the transcript."""

    question: str
    result: AnswerResult | None = None
    stopped: bool = False
    partial: str = ""  # the text shown before a stop (usually none: only checked text is shown)
    partial_audit: Verification | None = None
    notes: list[str] = field(default_factory=list)
    form: str = "full"  # "full" or "short"
    retrieval_query: str = ""  # what retrieval was given: the question, or it with the ones it follows
    follows: int | None = None  # the turn (1-based, as numbered in the transcript) a follow-up is retrieved with

    @property
    def used(self) -> list[str]:
        """Ids of the entries the answer cites, in order of first citation."""
        return list(self.result.citations) if self.result is not None else []

    @property
    def read(self) -> list[str]:
        """Ids of the entries the model read for this answer (one call each), most relevant first."""
        return [reading.entry.id for reading in self.result.readings] if self.result is not None else []


@dataclass(frozen=True)
class Topic:
    """How a turn in the conversation was retrieved, for the follow-ups after it."""

    query: str  # its retrieval query
    turn: int  # its number in the transcript (1-based)
    follows: int | None  # the turn it was itself a follow-up to


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
        self.generator = StoppableGenerator(generator)
        self.raw_generator = generator
        self.source_nos = source_nos
        self.label = label
        self.settings = settings
        self.history: list[Turn] = []  # the conversation: it sets the answer form and steers retrieval
        self.topics: list[Topic] = []  # for each history turn: how it was retrieved, for follow-ups
        self.exchanges: list[Exchange] = []  # everything, for /save
        self._answerer: Answerer | None = None

    @property
    def answerer(self) -> Answerer:
        """The answer stages over this session's index, built on first use with the judge loaded once."""
        if self._answerer is None:
            generator = self.generator  # stoppable: a stop request also stops before the next judge call
            judge = default_judge(self.settings, generator)  # type: ignore[arg-type]
            self._answerer = Answerer(self.index, self.embedder, generator, self.settings, judge=judge)  # type: ignore[arg-type]
        return self._answerer

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

    @property
    def last_question(self) -> str | None:
        """The last question asked that was answered or refused (not one that was stopped)."""
        result = self.last_result
        return result.question if result is not None else None

    def _context(self, query: str) -> Context:
        return select_context(self.index, self.embedder, query, source_nos=self.source_nos, top_k=self.settings.top_k)

    # -- follow-ups --------------------------------------------------------------------------------------------

    def retrieval_query(self, question: str) -> str:
        """What retrieval is given for a question (see resolve)."""
        return self.resolve(question)[0]

    def resolve(self, question: str) -> tuple[str, int | None]:
        """(retrieval query, the turn it follows or None).

        The question itself, unless it is a follow-up: one that refers back ("and its data?") or that retrieves
        nothing relevant on its own ("and why?") is retrieved with the last turn's retrieval query (its question
        and the ones that question followed, FOLLOW_UP_CONTEXT questions in all). The last question asked again
        (as `/full` does) is retrieved as it was the first time."""
        if not self.history:
            return question, None
        last = self.topics[-1]
        if question == self.history[-1].question:
            return last.query, last.follows
        if not refers_back(question) and self._context(question).best_score >= self.settings.min_score:
            return question, None
        earlier = last.query.split("\n")
        return "\n".join([*earlier[-(FOLLOW_UP_CONTEXT - 1) :], question]), last.turn

    def reading_plan(self, query: str, *, full: bool) -> list[Entry]:
        """The entries the answer will read, one model call each, most relevant first: the answer's own plan."""
        plan = self.answerer.plan(query, source_nos=self.source_nos, full=full)
        return [] if plan.refusal else plan.to_read

    # -- asking ------------------------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        full: bool | None = None,
        on_text: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> Exchange:
        """Answer one question; GenerationStopped is turned into a stopped Exchange. Errors propagate.

        full: None for the default form (full for the first question of the conversation, short after);
        True for the full form (/full); False for the short form."""
        question = question.strip()
        if not question:
            raise BadInputError("empty question")
        form_full = not self.history if full is None else full
        exchange = Exchange(question, form="full" if form_full else "short")

        def notice(text: str, *, keep: bool = True) -> None:
            if keep:  # kept for the transcript and the JSON line
                exchange.notes.append(text)
            if on_notice:
                on_notice(text)

        query, follows = self.resolve(question)
        exchange.retrieval_query, exchange.follows = query, follows
        if follows is not None:
            earlier = self.exchanges[follows - 1].question
            notice(f"[context] retrieved as a follow-up to turn {follows} ({_quoted(earlier)})")
        plan = self.reading_plan(query, full=form_full)
        if plan:
            notice(
                f"[reading] {len(plan)} entr{'y' if len(plan) == 1 else 'ies'}, one model call each, "
                f"for the {exchange.form} form; Ctrl-C stops",
                keep=False,
            )
        shown: list[str] = []

        def show(text: str) -> None:
            shown.append(text)
            if on_text:
                on_text(text)

        self.generator.calls = 0
        self.generator.stop_requested = False
        try:
            result = self.answerer.answer(
                question,
                source_nos=self.source_nos,
                history=list(self.history),
                on_text=show,
                retrieval_query=query,
                full=form_full,
            )
        except GenerationStopped:
            exchange.stopped = True
            self._audit_partial(exchange, query, "".join(shown))
            self.exchanges.append(exchange)
            return exchange
        finally:
            self.generator.stop_requested = False
        exchange.result = result
        if not (result.refused and self.generator.calls == 0):  # a question refused unread is not a topic
            self.history.append(Turn(question, result.text))
        self.exchanges.append(exchange)
        if len(self.topics) < len(self.history):
            self.topics.append(Topic(query, len(self.exchanges), follows))
        return exchange

    def _audit_partial(self, exchange: Exchange, query: str, shown: str) -> None:
        """What was shown before a stop is audited too (links and markers; no claim check)."""
        exchange.partial = shown
        if shown.strip():
            exchange.partial_audit = verify_answer(shown, self._context(query).entries, None)

    def request_stop(self) -> None:
        self.generator.stop_requested = True

    def reset(self) -> int:
        forgotten = len(self.history)
        self.history.clear()
        self.topics.clear()
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


def _quoted(question: str, limit: int = 80) -> str:
    text = " ".join(question.split())
    return repr(text if len(text) <= limit else text[: limit - 3].rstrip() + "...")
