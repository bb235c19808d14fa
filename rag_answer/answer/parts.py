"""The question's parts: the things it asks (what data / what tricks / how it stays consistent), split once."""

from __future__ import annotations

import re

_ASKING = "(?:what|how|why|which|where|when|who|whose|does|do|is|are|can|could|should|would|will)"
# A joint between two asked things: ", and how ...", " and what ...", "; why ...", " — how ...".
_JOINTS = re.compile(r"(?:,\s*(?:and|or)?\s*|\s+and\s+|;\s*|\s+[—–-]+\s+)(?=" + _ASKING + r"\b)", re.IGNORECASE)
# Sentences: at '?' or '!' always, and at '.' before a capital (a statement before the question).
_SENTENCES = re.compile(r"[?!]+|(?<=[a-z0-9)])\.\s+(?=[A-Z])")


def question_parts(question: str) -> list[str]:
    """The asked parts of a question, each a lower-case-initial question ending in '?'; statements ("I film my
    squats ...") are context, not parts. [] when nothing reads as asked (the caller uses the whole question)."""
    parts: list[str] = []
    for chunk in _SENTENCES.split(" ".join(question.split())):
        parts.extend(piece.strip(" ,.;:—–-") for piece in _JOINTS.split(chunk))
    asked = [part for part in parts if re.match(_ASKING + r"\b", part, flags=re.IGNORECASE)]
    return [part[:1].lower() + part[1:] + "?" for part in asked if len(part.split()) >= 3]
