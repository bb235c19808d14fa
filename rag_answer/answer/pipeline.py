"""Answering one question: a thin wrapper over the stages in stages.py (plan, read, check, compose, render).

Nothing is shown before it is checked: a sentence the claim checker finds misattributed, contradicted or
unsupported is dropped or replaced by its entry's own sentence, and the repair is reported.
"""

from __future__ import annotations

from collections.abc import Callable

from rag_answer.answer.parts import question_parts
from rag_answer.answer.result import AnswerResult, Turn
from rag_answer.answer.stages import (
    CONFIDENT_SCORE,
    FOLLOW_UP_RELEVANCE,
    Answerer,
    entries_to_read,
    entry_scores,
    relevance_order,
)
from rag_answer.audit.claims import ClaimJudge
from rag_answer.audit.judge import LlmJudge
from rag_answer.embedder import Embedder
from rag_answer.index_store import RestrictedIndex
from rag_answer.llm import load_judge_generator
from rag_answer.llm.engine import TextGenerator
from rag_answer.settings import Settings

__all__ = [
    "CONFIDENT_SCORE",
    "FOLLOW_UP_RELEVANCE",
    "AnswerResult",
    "Answerer",
    "Turn",
    "answer_question",
    "default_judge",
    "entries_to_read",
    "entry_scores",
    "question_parts",
    "relevance_order",
]


def default_judge(settings: Settings, generator: TextGenerator) -> ClaimJudge:
    """The entailment judge of the claim check: the answering model itself unless settings name a judge model."""
    return LlmJudge(load_judge_generator(settings, generator))


def answer_question(
    question: str,
    index: RestrictedIndex,
    embedder: Embedder,
    generator: TextGenerator,
    settings: Settings,
    *,
    source_nos: list[int] | None = None,
    history: list[Turn] | None = None,
    on_text: Callable[[str], None] | None = None,
    check_claims: bool = True,
    retrieval_query: str | None = None,
    full: bool | None = None,
    judge: ClaimJudge | None = None,
) -> AnswerResult:
    """full: the task / answer / workflow / papers form (default: for a first question; a follow-up in a chat,
    given history, gets the short form: cited answer sentences and their sources).
    judge: the entailment judge for the claim check (default: the answering model itself)."""
    if check_claims and judge is None:
        judge = default_judge(settings, generator)
    answerer = Answerer(index, embedder, generator, settings, judge=judge, check_claims=check_claims)
    return answerer.answer(question, source_nos=source_nos, history=history, on_text=on_text,
                           retrieval_query=retrieval_query, full=full)  # fmt: skip
