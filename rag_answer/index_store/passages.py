"""Splitting entries into passages: the title, then overlapping windows of summary sentences."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rag_answer.audit.sentences import plain_sentences
from rag_answer.entries import Entry

# Windows of this many sentences, moving by STRIDE: short enough to pin a claim, long enough for context.
WINDOW = 3
STRIDE = 2


@dataclass(frozen=True)
class Passage:
    number: int  # position in the index: the FAISS id
    source_no: int  # which SourceSet of the index it belongs to
    entry_id: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_sentences(text: str) -> list[str]:
    """The claim checker's splitter (audit/sentences.py), so an indexed passage and an audited one end alike."""
    return plain_sentences(text)


def passage_texts(entry: Entry) -> list[str]:
    """The texts embedded for one entry; every one starts with the title so it stays attributable."""
    heading = f"{entry.title} ({entry.kind})"
    sentences = split_sentences(entry.summary)
    if not sentences:
        return [heading]
    texts = []
    for start in range(0, max(len(sentences) - WINDOW + STRIDE, 1), STRIDE):
        window = sentences[start : start + WINDOW]
        if window:
            texts.append(f"{heading}: {' '.join(window)}")
    return texts
