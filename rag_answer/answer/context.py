"""Choosing and presenting the entries an answer may draw on.

The context for a question is: the retrieved entries (top-k, restricted to the question's own sources)
plus every recommended model of those sources, since the question is asked about them. How each entry is
shown to the LLM (alone, links masked) is in rag_answer/llm/source_prompt.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag_answer.embedder import Embedder
from rag_answer.entries import Entry
from rag_answer.index_store import Hit, RestrictedIndex, search


@dataclass
class Context:
    entries: list[Entry]  # in source order: a stable prompt prefix for the same sources
    hits: list[Hit]  # retrieval results, best first, with scores
    best_score: float


def select_context(
    index: RestrictedIndex, embedder: Embedder, question: str, *, source_nos: list[int] | None, top_k: int
) -> Context:
    hits = search(index, embedder, question, k=top_k, source_nos=source_nos)
    chosen = {(hit.source_no, hit.entry.id) for hit in hits}
    allowed = range(len(index.sources)) if source_nos is None else source_nos
    # A question from a prompt file (or over a one-file index) is asked about its recommended models.
    include_models = source_nos is not None or len(index.sources) == 1
    ordered: list[Entry] = []
    for source_no in allowed:
        for entry in index.sources[source_no].entries:
            if (source_no, entry.id) in chosen or (include_models and entry.kind == "model"):
                ordered.append(entry)
    # Summaries carry the evidence; a title-only entry scores low by nature, so it does not set relevance.
    scored = [hit.score for hit in hits if hit.entry.summary] or [hit.score for hit in hits]
    return Context(entries=_unique(ordered), hits=hits, best_score=max(scored, default=-1.0))


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            unique.append(entry)
    return unique
