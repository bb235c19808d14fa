"""Answering one question: retrieve (restricted), read each entry on its own, compose, check every claim,
repair, and only then show the answer.

Nothing is shown before it is checked: a sentence the claim checker finds misattributed, contradicted or
unsupported is removed (an item falls back to its title and links) and the repair is reported.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rag_answer.answer.compose import (
    MAX_ANSWER_SENTENCES,
    answer_sentence,
    compose,
    paper_item,
    sources_section,
    split_sections,
)
from rag_answer.answer.context import Context, select_context
from rag_answer.answer.gate import LinkGate
from rag_answer.answer.reading import Reading, read_entry, read_task
from rag_answer.answer.render import cited_ids
from rag_answer.answer.verify import Verification, verify_answer
from rag_answer.audit.claims import FLAGGED, ClaimJudge, entry_passages
from rag_answer.audit.judge import LlmJudge
from rag_answer.citations import REFUSAL_PHRASE
from rag_answer.embedder import Embedder
from rag_answer.entries import Entry
from rag_answer.index_store import RestrictedIndex
from rag_answer.llm import load_judge_generator
from rag_answer.llm.engine import GenerationStats, TextGenerator
from rag_answer.settings import Settings

# Retrieval at or above this cosine is taken as on topic. Below it, an answer in which no entry's reading
# answers the question is a refusal. Measured on the eval prompts: answerable questions score 0.24-0.66.
CONFIDENT_SCORE = 0.20
# A part of the question whose best cosine to every passage of the retrieved entries is below this is reported
# as a gap. Tuned on the dev split of eval/fields (python eval/tune_gaps.py): 0.30 flags 7 of 33 parts with
# precision 0.71 and recall 0.45; higher thresholds say "the sources do not say" about parts they do answer.
GAP_COVERAGE = 0.30
# Before a part below GAP_COVERAGE is reported, the judge is asked of each entry whether it answers that part;
# any P(yes) at or above this keeps the program from saying "the sources do not say". On the dev split
# (python eval/tune_gaps.py --split dev --judge) 0.8 removes the one false gap of 7 and keeps all 5 true ones;
# lower cuts drop true gaps too, since the 1.5B gives true gaps P(yes) up to 0.70.
GAP_JUDGED_YES = 0.8
# A follow-up (short form) reads only the entries whose best passage scores at least this fraction of the best
# entry's: "which paper is about image matting?" scores the matting paper 0.42 and the others 0.20 or less on the
# example, and a sentence from those would answer a question nobody asked. The full form reads every entry.
FOLLOW_UP_RELEVANCE = 0.6


@dataclass
class Turn:
    question: str
    answer: str


@dataclass
class AnswerResult:
    question: str
    text: str  # the final answer as shown, with the sources list
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
    readings: list[Reading] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

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
            "repairs": self.repairs,
            "audit": self.verification.to_dict() if self.verification else None,
            "timings": {key: round(value, 3) for key, value in self.timings.items()},
            "generation": self.stats.to_dict(),
            "model": model,
            "settings": {
                key: getattr(settings, key)
                for key in ("seed", "temperature", "max_tokens", "top_k", "min_score", "threads", "n_ctx")
            },
        }


def entry_scores(context: Context) -> dict[str, float]:
    """Each retrieved entry's best passage score."""
    best: dict[str, float] = {}
    for hit in context.hits:
        best[hit.entry.id] = max(best.get(hit.entry.id, -1.0), hit.score)
    return best


def relevance_order(context: Context) -> list[Entry]:
    """Retrieved entries best first, then recommended models that were not retrieved."""
    best = entry_scores(context)
    ranked = sorted(context.entries, key=lambda entry: (entry.id not in best, -best.get(entry.id, -1.0)))
    return ranked


def entries_to_read(context: Context, *, full: bool) -> list[Entry]:
    """The entries an answer reads, one model call each, most relevant first. A follow-up (short form) is answered
    from evidence (a name-only model has none) and only from entries on its topic."""
    if full:
        return relevance_order(context)
    scores = entry_scores(context)
    return [entry for entry in relevance_order(context) if entry.has_summary
            and scores.get(entry.id, -1.0) >= FOLLOW_UP_RELEVANCE * context.best_score]  # fmt: skip


_ASKING = "(?:what|how|why|which|where|when|who|whose|does|do|is|are|can|could|should|would|will)"


def question_parts(question: str) -> list[str]:
    """The things a question asks: split at '?' and at ', and what/how/why ...' joints."""
    joints = r"(?:,\s*(?:and|or)?\s*|\s+and\s+|;\s*)(?=" + _ASKING + r"\b)"
    parts: list[str] = []
    for chunk in re.split(r"\?+", " ".join(question.split())):
        parts.extend(piece.strip(" ,.;:") for piece in re.split(joints, chunk, flags=re.IGNORECASE))
    asked = [part for part in parts if re.match(_ASKING + r"\b", part, flags=re.IGNORECASE)]
    return [part[:1].lower() + part[1:] + "?" for part in asked if len(part.split()) >= 3]


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
    started = time.perf_counter()
    write = on_text or (lambda _text: None)
    full = not history if full is None else full
    context = select_context(index, embedder, retrieval_query or question, source_nos=source_nos, top_k=settings.top_k)
    timings = {"retrieval_s": time.perf_counter() - started}
    gate = LinkGate(context.entries, write)  # nothing unsupplied streams, even for a moment

    if not context.entries or context.best_score < settings.min_score:
        reason = f"retrieval: best passage score {context.best_score:.2f} is below min_score {settings.min_score}"
        gate.feed(REFUSAL_PHRASE + "\n")
        return AnswerResult(question, REFUSAL_PHRASE + "\n", REFUSAL_PHRASE, {}, [], [], context, True, reason,
                            None, GenerationStats(), timings)  # fmt: skip

    stats: GenerationStats | None = None
    task = ""
    if full:
        task, stats = read_task(generator, question, settings)
    readings: list[Reading] = []
    for entry in entries_to_read(context, full=full):
        reading, call = read_entry(generator, entry, question, settings)
        readings.append(reading)
        stats = call if stats is None else stats.add(call)
    stats = stats or GenerationStats()
    timings["generation_s"] = stats.seconds_total

    if not any(r.answer for r in readings) and context.best_score < CONFIDENT_SCORE:
        gate.feed(REFUSAL_PHRASE + "\n")
        return AnswerResult(question, REFUSAL_PHRASE + "\n", REFUSAL_PHRASE, {}, [], [], context, True,
                            "no source's reading answers the question", None, stats, timings, readings)  # fmt: skip

    check_started = time.perf_counter()
    if check_claims and judge is None:
        judge = LlmJudge(load_judge_generator(settings, generator))
    claim_judge = judge if check_claims else None
    repairs: list[str] = []
    readings, repairs = _repair_readings(readings, context.entries, embedder if check_claims else None, claim_judge)
    answers = [answer_sentence(r) for r in readings if r.answer][:MAX_ANSWER_SENTENCES]
    gaps = _gaps(question, answers, context.entries, embedder, getattr(claim_judge, "covers", None))
    body = compose(task, answers, gaps, readings, full=full)
    entries = {entry.id: entry for entry in context.entries}
    cited = [entries[entry_id] for entry_id in cited_ids(body, entries)]
    sources = sources_section(cited)
    text = body + ("\n" + sources if sources else "")
    verification = verify_answer(text, context.entries, embedder if check_claims else None, judge=claim_judge)
    final = verification.text
    gate.feed(final)
    gate.close()
    cited = [entries[entry_id] for entry_id in cited_ids(final, entries)]
    timings["check_s"] = time.perf_counter() - check_started
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
        stats=stats,
        timings=timings,
        readings=readings,
        repairs=repairs + verification.repairs,
    )


def _repair_readings(
    readings: list[Reading], entries: list[Entry], embedder: Embedder | None, judge: ClaimJudge | None
) -> tuple[list[Reading], list[str]]:
    """Check each reading's answer sentence and part-4 item, exactly as they will be written, against every
    entry; drop what fails. The final audit then meets the same sentences (and the judge's cached answers)."""
    if embedder is None:
        return readings, []
    from rag_answer.audit.claims import judge_sentence

    repairs: list[str] = []
    for reading in readings:
        entry = reading.entry
        if reading.answer:
            verdict = judge_sentence(answer_sentence(reading), entry, entries, embedder, judge)
            if verdict.verdict in FLAGGED:
                repairs.append(f"removed the answer sentence for [@{entry.id}] ({verdict.verdict}: {verdict.reason})")
                reading.answer = ""
        if reading.offers:
            verdict = judge_sentence(paper_item(reading), entry, entries, embedder, judge)
            if verdict.verdict in FLAGGED:
                repairs.append(f"removed the description of [@{entry.id}] ({verdict.verdict}: {verdict.reason})")
                reading.offers = ""
    return readings, repairs


def _gaps(
    question: str,
    answers: list[str],
    entries: list[Entry],
    embedder: Embedder,
    covers: Callable[[str, Entry], float] | None = None,
) -> list[str]:
    """The parts of the question the sources do not address (all of them when no answer sentence survived): far
    from every passage, and, when a judge is given, answered by no entry in its reading either."""
    parts = question_parts(question)
    if not answers or not parts:
        return parts
    passages = [passage for entry in entries for passage in entry_passages(entry)]
    vectors = embedder.encode(parts + passages)
    coverage = (vectors[: len(parts)] @ vectors[len(parts) :].T).max(axis=1)
    far = [part for part, score in zip(parts, coverage, strict=True) if score < GAP_COVERAGE]
    if covers is None:
        return far
    return [part for part in far if all(covers(part, e) < GAP_JUDGED_YES for e in entries if e.has_summary)]
