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
