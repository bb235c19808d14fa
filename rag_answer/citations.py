"""The citation marker format and the refusal phrase, defined once for prompts, generation and the auditor."""

from __future__ import annotations

import re

# An inline citation marker: "[@entry-id]". Several may follow each other: "[@a][@b]".
MARKER_TEMPLATE = "[@{id}]"
MARKER_PATTERN = re.compile(r"\[@([a-z0-9][a-z0-9-]*)\]")

# Said instead of guessing when the supplied sources do not cover the question.
REFUSAL_PHRASE = "The supplied sources do not cover this question."


def marker(entry_id: str) -> str:
    return MARKER_TEMPLATE.format(id=entry_id)


def find_markers(text: str) -> list[str]:
    """Entry ids of every marker in text, in order, repeats kept."""
    return MARKER_PATTERN.findall(text)


def is_refusal(text: str) -> bool:
    return REFUSAL_PHRASE.lower() in " ".join(text.split()).lower()
