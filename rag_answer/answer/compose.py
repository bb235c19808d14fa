"""Writing the answer from the per-entry readings. The program writes headings, markers and links; the
model's words appear only inside the sentence or phrase of the entry it read."""

from __future__ import annotations

import re

from rag_answer.answer.reading import Reading
from rag_answer.citations import (
    NAME_ONLY_WORKFLOW,
    gap_sentence,
    marker,
    name_only_model_sentence,
    title_only_sentence,
    unchecked_item_sentence,
)
from rag_answer.entries import Entry

TASK_HEADING = "### 1. Task"
ANSWER_HEADING = "### 2. Answer"
WORKFLOW_HEADING = "### 3. Workflow (input -> model -> output)"
PAPERS_HEADING = "### 4. Relevant papers and tools"
SOURCES_HEADING = "### Sources"
SECTION_KEYS = {
    TASK_HEADING: "task",
    ANSWER_HEADING: "answer",
    WORKFLOW_HEADING: "workflow",
    PAPERS_HEADING: "papers",
    SOURCES_HEADING: "sources",
}
MAX_ANSWER_SENTENCES = 5
TANGENTIAL = "Tangential to the question; it offers"


def links_line(entry: Entry) -> str:
    parts = []
    if entry.paper_url:
        parts.append(f"Paper: {entry.paper_url}")
    if entry.github_url:
        parts.append(f"GitHub: {entry.github_url}")
    return " | ".join(parts) if parts else "no links supplied"


_VAGUE_SUBJECT = re.compile(
    r"^(?:(?:The|This) (?:source|paper|study|work|article|method|approach|software|system|framework)|It)\b"
)


def short_name(entry: Entry) -> str | None:
    """The name a title leads with ("AOD-Net: All-in-One Dehazing Network" -> "AOD-Net"), if it has one."""
    head, colon, _ = entry.title.partition(":")
    return head.strip() if colon and 0 < len(head.split()) <= 4 else None


def answer_sentence(reading: Reading) -> str:
    """The reading's answer, cited; a vague subject ("The source ...") is replaced by the entry's name, unless the
    sentence names it already ("The paper presents Real-ESRGAN", not "Real-ESRGAN presents Real-ESRGAN")."""
    text = _capitalized(reading.answer)
    name = short_name(reading.entry)
    if name and _VAGUE_SUBJECT.match(text) and name.lower() not in text.lower():
        text = _VAGUE_SUBJECT.sub(name, text, count=1)
    return f"{text} {marker(reading.entry.id)}."


def paper_item(reading: Reading) -> str:
    """One part-4 line: what the entry offers (tangential ones say so), then its supplied links."""
    entry = reading.entry
    if not reading.offers:
        text = title_only_sentence(entry.id) if entry.kind == "model" else unchecked_item_sentence(entry.id)
    elif reading.answered or entry.kind == "model":
        text = f"{marker(entry.id)} {_capitalized(reading.offers)}."
    else:
        text = f"{marker(entry.id)} {TANGENTIAL} {_decapitalized(reading.offers)}."
    return f"- {text} ({links_line(entry)})"


def workflow_line(reading: Reading) -> str:
    """A name-only model's input and output are what its name says (drafted without the question), and say so."""
    line = f"- Input: {reading.input} -> Model: {marker(reading.entry.id)} -> Output: {reading.output}"
    return line + (f" {NAME_ONLY_WORKFLOW}." if not reading.entry.has_summary else ".")


def compose(
    task: str,
    answers: list[str],
    gaps: list[str],
    readings: list[Reading],
    *,
    full: bool,
) -> str:
    """The answer text (without the sources list). answers: the answer sentences kept, in relevance order."""
    answer_lines = [*answers, *(gap_sentence(part) for part in gaps)]
    if full:  # a follow-up asks about something else; the first turn said this
        name_only = [r for r in readings if r.entry.kind == "model" and not r.entry.has_summary]
        answer_lines.extend(name_only_model_sentence(r.entry.id) for r in name_only)
    answer_text = " ".join(answer_lines) if answer_lines else gap_sentence("the question as asked")
    if not full:
        return answer_text + "\n"
    models = [r for r in readings if r.entry.kind == "model" and r.input and r.output]
    parts = [TASK_HEADING, task, "", ANSWER_HEADING, answer_text, ""]
    if models:
        parts += [WORKFLOW_HEADING, *(workflow_line(r) for r in models), ""]
    parts += [PAPERS_HEADING, *(paper_item(r) for r in readings)]
    return "\n".join(parts) + "\n"


def sources_section(cited: list[Entry]) -> str:
    if not cited:
        return ""
    lines = [SOURCES_HEADING]
    for entry in cited:
        lines.append(f"- {marker(entry.id)} {entry.title} ({entry.kind}): {links_line(entry)}")
    return "\n".join(lines) + "\n"


def split_sections(text: str) -> dict[str, str]:
    """The answer's parts keyed task, answer, workflow, papers, sources (empty when absent).

    A text with no headings (a chat follow-up) is all answer until its sources list."""
    sections = dict.fromkeys(("task", "answer", "workflow", "papers", "sources"), "")
    current: str | None = "answer" if not text.startswith("### ") else None
    for line in text.split("\n"):
        if line.startswith("### "):
            current = SECTION_KEYS.get(line.strip())
            continue
        if current:
            sections[current] += line + "\n"
    return {key: value.strip() for key, value in sections.items()}


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decapitalized(text: str) -> str:
    """Lower-case the first letter unless the first word is a name (an acronym or mixed case, e.g. 'DINOv2')."""
    first = text.split(" ", 1)[0]
    if re.search(r"[A-Z].*[A-Z0-9]|[0-9]", first):
        return text
    return text[:1].lower() + text[1:]
