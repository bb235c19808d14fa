"""Reading markers back out of an answer."""

from __future__ import annotations

from rag_answer.citations import find_markers
from rag_answer.entries import Entry


def cited_ids(text: str, entries: dict[str, Entry]) -> list[str]:
    """Ids of known entries in order of first citation."""
    seen: list[str] = []
    for entry_id in find_markers(text):
        if entry_id in entries and entry_id not in seen:
            seen.append(entry_id)
    return seen
