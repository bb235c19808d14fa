"""Turning the model's text into the final answer: links come from the supplied entries, never the model.

render_body is prefix-stable (rendering a longer text only appends), so the streamed output and the
final answer are the same bytes.
"""

from __future__ import annotations

from rag_answer.citations import find_markers, marker
from rag_answer.entries import Entry
from rag_answer.llm.grammar import PAPERS_HEADING

SOURCES_HEADING = "### Sources"


def links_line(entry: Entry) -> str:
    parts = []
    if entry.paper_url:
        parts.append(f"Paper: {entry.paper_url}")
    if entry.github_url:
        parts.append(f"GitHub: {entry.github_url}")
    return " | ".join(parts) if parts else "no links supplied"


def render_body(model_text: str, entries: dict[str, Entry]) -> str:
    """Append each part-3 line's supplied links when the line is complete."""
    out: list[str] = []
    in_papers = False
    lines = model_text.split("\n")
    for number, line in enumerate(lines):
        complete = number < len(lines) - 1
        if line.startswith("### "):
            in_papers = line.strip() == PAPERS_HEADING
        cited = find_markers(line)
        if complete and in_papers and line.startswith("- ") and cited and cited[0] in entries:
            line = f"{line} ({links_line(entries[cited[0]])})"
        out.append(line)
    return "\n".join(out)


def cited_ids(text: str, entries: dict[str, Entry]) -> list[str]:
    """Ids of known entries in order of first citation."""
    seen: list[str] = []
    for entry_id in find_markers(text):
        if entry_id in entries and entry_id not in seen:
            seen.append(entry_id)
    return seen


def sources_section(cited: list[Entry]) -> str:
    if not cited:
        return ""
    lines = [SOURCES_HEADING]
    for entry in cited:
        lines.append(f"- {marker(entry.id)} {entry.title} ({entry.kind}): {links_line(entry)}")
    return "\n".join(lines) + "\n"


def split_sections(body: str) -> dict[str, str]:
    """The answer's parts keyed 'task', 'workflow', 'papers' (empty when absent)."""
    keys = {"### 1.": "task", "### 2.": "workflow", "### 3.": "papers"}
    sections = {"task": "", "workflow": "", "papers": ""}
    current = None
    for line in body.split("\n"):
        prefix = line[:6]
        if line.startswith("### "):
            current = keys.get(prefix)
            continue
        if current:
            sections[current] += line + "\n"
    return {key: value.strip() for key, value in sections.items()}
