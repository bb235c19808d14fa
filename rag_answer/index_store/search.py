"""Restricted retrieval: FAISS search limited to the passages of the allowed entries (see vectors.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rag_answer.embedder import Embedder
from rag_answer.entries import Entry
from rag_answer.index_store.store import RestrictedIndex
from rag_answer.index_store.vectors import search_restricted

# Passages fetched per wanted entry before grouping; an entry has several passages.
_PASSAGES_PER_ENTRY = 8


@dataclass
class Hit:
    """One retrieved entry: its best passage score and its best passages, best first."""

    entry: Entry
    source_no: int
    score: float
    passages: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.entry.id,
            "kind": self.entry.kind,
            "title": self.entry.title,
            "score": round(self.score, 4),
            "links": list(self.entry.links),
            "passages": [{"text": text, "score": round(score, 4)} for text, score in self.passages],
        }


def search(
    index: RestrictedIndex,
    embedder: Embedder,
    query: str,
    *,
    k: int = 4,
    source_nos: list[int] | None = None,
    min_score: float | None = None,
) -> list[Hit]:
    """Top-k entries for a query, drawn only from the given source sets (all of the index when None)."""
    allowed = set(range(len(index.sources))) if source_nos is None else set(source_nos)
    allowed_ids = np.array([p.number for p in index.passages if p.source_no in allowed], dtype=np.int64)
    if len(allowed_ids) == 0 or not query.strip():
        return []
    wanted = min(len(allowed_ids), k * _PASSAGES_PER_ENTRY)
    vector = embedder.encode([query])
    restricted = len(allowed_ids) < len(index.passages)
    scores, ids = search_restricted(index.faiss_index, vector, wanted, allowed_ids, restricted=restricted)
    hits: dict[tuple[int, str], Hit] = {}
    for score, passage_id in zip(scores, ids, strict=True):
        if passage_id < 0:
            continue
        passage = index.passages[int(passage_id)]
        if passage.source_no not in allowed:  # the selector already guarantees this; never trust one layer alone
            continue
        key = (passage.source_no, passage.entry_id)
        if key not in hits:
            entry = index.sources[passage.source_no].entry(passage.entry_id)
            hits[key] = Hit(entry=entry, source_no=passage.source_no, score=float(score))
        hits[key].passages.append((passage.text, float(score)))
    ranked = sorted(hits.values(), key=lambda hit: -hit.score)
    if min_score is not None:
        ranked = [hit for hit in ranked if hit.score >= min_score]
    return ranked[:k]
