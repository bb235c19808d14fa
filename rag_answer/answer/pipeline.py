"""Answering one question: retrieve (restricted), generate under the grammar, render links, audit, repair."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rag_answer.answer.context import Context, select_context, sources_block
from rag_answer.answer.gate import LinkGate
from rag_answer.answer.render import cited_ids, render_body, sources_section, split_sections
from rag_answer.answer.verify import Verification, verify_answer
from rag_answer.citations import REFUSAL_PHRASE, marker
from rag_answer.embedder import Embedder
from rag_answer.entries import Entry
from rag_answer.index_store import RestrictedIndex
from rag_answer.llm.engine import GenerationStats, TextGenerator, chat_prefix, chat_turn
from rag_answer.llm.grammar import answer_grammar
from rag_answer.prompts import load_template
from rag_answer.settings import Settings

# Retrieval at or above this cosine is taken as on topic: the model is not offered the refusal. Measured on the
# 27 evaluation prompts: answerable questions score 0.24-0.66, the unanswerable one 0.01; at 0.35 the models
# refused two answerable prompts (002 at 0.29, adv_023 at 0.28).
CONFIDENT_SCORE = 0.20


@dataclass
class Turn:
    question: str
    answer: str


@dataclass
class AnswerResult:
    question: str
    text: str  # the final answer as shown: body with links rendered, then the sources list
    body: str
    sections: dict[str, str]
    citations: list[str]
    sources: list[Entry]
    context: Context
    refused: bool
    refusal_reason: str | None
    verification: Verification | None
    stats: GenerationStats
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self, settings: Settings, model: dict[str, str]) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "sections": self.sections,
            "citations": self.citations,
            "sources": [
                {"id": e.id, "kind": e.kind, "title": e.title, "paper": e.paper_url, "github": e.github_url}
                for e in self.sources
            ],
            "retrieved": [hit.to_dict() for hit in self.context.hits],
            "refused": self.refused,
            "refusal_reason": self.refusal_reason,
            "audit": self.verification.to_dict() if self.verification else None,
            "timings": {key: round(value, 3) for key, value in self.timings.items()},
            "generation": self.stats.to_dict(),
            "model": model,
            "settings": {
                key: getattr(settings, key)
                for key in ("seed", "temperature", "max_tokens", "top_k", "min_score", "threads", "n_ctx")
            },
        }


def build_prompt(context: Context, question: str, history: list[Turn]) -> tuple[str, str]:
    """(fixed prefix: instructions + sources, suffix: earlier turns + this question)."""
    system = load_template("answer_system").render(
        marker_example=marker(context.entries[0].id),
        refusal_phrase=REFUSAL_PHRASE,
        sources=sources_block(context.entries),
    )
    question_template = load_template("answer_question")
    suffix = "".join(chat_turn(question_template.render(question=t.question), t.answer) for t in history)
    return chat_prefix(system), suffix + chat_turn(question_template.render(question=question))


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
) -> AnswerResult:
    """retrieval_query: what to retrieve with instead of the question (a chat follow-up such as "and why?")."""
    started = time.perf_counter()
    write = on_text or (lambda _text: None)
    query = retrieval_query or question
    context = select_context(index, embedder, query, source_nos=source_nos, top_k=settings.top_k)
    timings = {"retrieval_s": time.perf_counter() - started}
    entries = {entry.id: entry for entry in context.entries}
    gate = LinkGate(context.entries, write)  # nothing unsupplied streams, even for a moment
    emit = gate.feed

    if not context.entries or context.best_score < settings.min_score:
        reason = f"retrieval: best passage score {context.best_score:.2f} is below min_score {settings.min_score}"
        emit(REFUSAL_PHRASE + "\n")
        return AnswerResult(question, REFUSAL_PHRASE + "\n", REFUSAL_PHRASE, {}, [], [], context, True, reason,
                            None, GenerationStats(), timings)  # fmt: skip

    prefix, suffix = build_prompt(context, question, history or [])
    grammar = answer_grammar(context.entries, context.models, allow_refusal=context.best_score < CONFIDENT_SCORE)
    model_text = ""
    shown = ""
    for piece in generator.stream(
        prefix, suffix, grammar=grammar, max_tokens=settings.max_tokens, temperature=settings.temperature,
        seed=settings.seed,
    ):  # fmt: skip
        model_text += piece
        rendered = render_body(model_text, entries)
        emit(rendered[len(shown) :])
        shown = rendered
    if not model_text.endswith("\n"):
        model_text += "\n"
    body = render_body(model_text, entries)
    emit(body[len(shown) :])
    timings["generation_s"] = generator.last_stats.seconds_total

    if model_text.strip() == REFUSAL_PHRASE:  # the grammar's refusal branch (the phrase inside an answer is not one)
        return AnswerResult(question, REFUSAL_PHRASE + "\n", REFUSAL_PHRASE, {}, [], [], context, True,
                            "the model found the sources do not cover the question", None, generator.last_stats,
                            timings)  # fmt: skip

    cited = [entries[entry_id] for entry_id in cited_ids(body, entries)]
    sources = sources_section(cited)
    emit("\n" + sources if sources else "")
    gate.close()
    verify_started = time.perf_counter()
    verification = verify_answer(body + ("\n" + sources if sources else ""), context.entries,
                                 embedder if check_claims else None)  # fmt: skip
    final = verification.text
    cited = [entries[entry_id] for entry_id in cited_ids(final, entries)]
    timings["audit_s"] = time.perf_counter() - verify_started
    timings["total_s"] = time.perf_counter() - started
    return AnswerResult(
        question=question,
        text=final,
        body=body,
        sections=split_sections(final),
        citations=[entry.id for entry in cited],
        sources=cited,
        context=context,
        refused=False,
        refusal_reason=None,
        verification=verification,
        stats=generator.last_stats,
        timings=timings,
    )
