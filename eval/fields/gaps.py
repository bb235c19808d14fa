"""Which parts of a question the labels leave unanswered, for the gap figures of tune_gaps.py and fields_eval.py.

A label file lists every part the question asks (`asks`) and, in other words, the ones the sources do not
answer (`unanswered`). An ask is open when it is the ask closest to one of the unanswered parts; a part of the
question (or a gap an answer states) is truly unanswered when its closest ask is open.
"""

from __future__ import annotations

import numpy as np


def open_asks(ask_vectors: np.ndarray, unanswered_vectors: np.ndarray) -> set[int]:
    """Indices of the asks the labels leave unanswered."""
    return {int(np.argmax(ask_vectors @ vector)) for vector in unanswered_vectors}


def truly_unanswered(part_vector: np.ndarray, ask_vectors: np.ndarray, open_: set[int]) -> bool:
    return int(np.argmax(ask_vectors @ part_vector)) in open_


def labelled_parts(path, embedder) -> tuple[object, list[str], list[bool]]:
    """A prompt file's source, its question's parts (as the answer path splits it) and, per part, whether the
    labels leave it unanswered."""
    import json

    from eval.fields.split import ROOT as FIELDS
    from rag_answer.answer.parts import question_parts
    from rag_answer.sources import load_source

    source = load_source(path)
    question = " ".join((source.question or "").split())
    parts = question_parts(question) or [question]
    labels = json.loads((FIELDS / "labels" / f"{path.name[:3]}.json").read_text("utf-8"))
    asks = embedder.encode(labels["asks"])
    open_ = open_asks(asks, embedder.encode(labels["unanswered"])) if labels["unanswered"] else set()
    return source, parts, [truly_unanswered(vector, asks, open_) for vector in embedder.encode(parts)]


def open_counts(rows: list[dict], said_open: list[dict]) -> dict[str, int]:
    """The gap figures of a sweep: truly open parts said open, and answered parts said open, of each."""
    return {
        "open_found": sum(r["open"] for r in said_open),
        "open_total": sum(r["open"] for r in rows),
        "answered_called_open": sum(not r["open"] for r in said_open),
        "answered_total": sum(not r["open"] for r in rows),
    }
