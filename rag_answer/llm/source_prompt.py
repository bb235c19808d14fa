"""The prompt that shows the model ONE entry. Its block is the prompt prefix, shared by every call about that
entry (reading it for a question, judging a claim against it), so its KV state is evaluated once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_answer.entries import Entry
from rag_answer.prompts import load_template, mask_links
from rag_answer.sources.hostile import strip_instructions

if TYPE_CHECKING:
    from rag_answer.llm.engine import TextGenerator

SUMMARY_CHARS = 1500  # per entry: a long abstract is cut at a word boundary


def source_prompt(generator: TextGenerator, entry: Entry, request: str) -> tuple[str, str]:
    """(prefix, suffix): system message + the entry's block is the prefix, the request the suffix. Instruction-like
    sentences of a summary (sources/hostile.py) are replaced by a marker: the model never reads them at all."""
    summary = mask_links(strip_instructions(" ".join(entry.summary.split())))
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " ..."
    block = load_template("source_block").render(
        kind="recommended model" if entry.kind == "model" else "paper",
        title=mask_links(entry.title),
        summary=summary or "(none supplied: only the name is known)",
    )
    system = load_template("source_system").render()
    return generator.template.split(system, block, request)
