"""Parsing prompt files: a question, "Recommended AI Models", "Related Papers", and an optional "Answer:"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rag_answer.entries import Entry, EntryKind, Origin, SourceSet, unique_ids
from rag_answer.errors import BadInputError
from rag_answer.sources.links import parse_supplied_link
from rag_answer.sources.reading import read_text

_QUESTION_HEAD = re.compile(r"(asked the following question|^\s*question)\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_SECTION = re.compile(
    r"^\s*#{1,6}\s*(?P<name>recommended(?:\s+ai)?\s+models?|related\s+papers?)\s*:?\s*$", re.IGNORECASE
)
_TITLE = re.compile(r"^\s*(?:model|title|name|paper\s+title)\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_FIELD = re.compile(
    r"^\s*(?P<key>paper|arxiv|github|code|repo(?:sitory)?|summary|abstract)\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE
)
_ANSWER = re.compile(r"^\s*answer\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_QUESTION_END = re.compile(r"^\s*(based on|#{1,6}\s)", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»„"
_FIELD_KEYS = {"paper": "paper", "arxiv": "paper", "github": "github", "code": "github", "repo": "github",
               "repository": "github", "summary": "summary", "abstract": "summary"}  # fmt: skip


@dataclass
class _Draft:
    kind: EntryKind
    title: str
    line: int
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    summary_lines: list[str] = field(default_factory=list)


def looks_like_prompt_file(text: str) -> bool:
    return any(_SECTION.match(line) or _TITLE.match(line) for line in text.split("\n"))


def parse_prompt_file(path: Path) -> SourceSet:
    text, digest = read_text(path)
    return parse_prompt_text(text, path=str(path), source_id=digest)


def parse_prompt_text(text: str, *, path: str, source_id: str) -> SourceSet:
    lines = text.split("\n")
    question, body_start = _find_question(lines)
    drafts: list[_Draft] = []
    kind: EntryKind = "model"
    in_summary = False
    answer: str | None = None
    answer_line: int | None = None

    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        if (match := _ANSWER.match(line)) and not _FIELD.match(line):
            answer_line = number
            rest = [match.group("rest"), *lines[number:]]
            answer = "\n".join(rest).strip() or None
            break
        if match := _SECTION.match(line):
            kind = "model" if match.group("name").lower().startswith("recommended") else "paper"
            in_summary = False
            continue
        if match := _TITLE.match(line):
            title = match.group("value").strip()
            if not title:
                raise BadInputError("entry has an empty title", path=path, line=number, hint="write 'Model: <title>'")
            drafts.append(_Draft(kind=kind, title=title, line=number))
            in_summary = False
            continue
        if drafts and (match := _FIELD.match(line)):
            key = _FIELD_KEYS[match.group("key").lower()]
            current = drafts[-1]
            if key in current.fields:
                raise BadInputError(
                    f"second '{match.group('key')}:' line for entry {current.title!r}",
                    path=path,
                    line=number,
                    hint=f"the first one is on line {current.fields[key][1]}; keep one",
                )
            current.fields[key] = (match.group("value"), number)
            in_summary = key == "summary"
            if in_summary and match.group("value"):
                current.summary_lines.append(match.group("value"))
            continue
        if in_summary:
            drafts[-1].summary_lines.append(line.strip())

    if not drafts:
        raise BadInputError(
            "no entries found",
            path=path,
            line=1,
            hint="expected 'Model: <title>' lines under '### Recommended AI Models:' or '### Related Papers:'",
        )
    entries = _finish(drafts, path)
    return SourceSet(
        source_id=source_id, path=path, question=question, entries=entries, answer=answer, answer_line=answer_line
    )


def _find_question(lines: list[str]) -> tuple[str | None, int]:
    """The question (quotes and line breaks removed) and the index of the first line after it."""
    for index, line in enumerate(lines):
        match = _QUESTION_HEAD.search(line)
        if not match or _SECTION.match(line):
            continue
        parts = [match.group("rest").strip()] if match.group("rest").strip() else []
        cursor = index + 1
        while cursor < len(lines):
            current = lines[cursor].strip()
            if _QUESTION_END.match(current) or _SECTION.match(current) or _TITLE.match(current):
                break
            if not current and parts:
                break
            if current:
                parts.append(current)
            cursor += 1
        question = " ".join(parts).strip().strip(_QUOTES).strip()
        return (question or None), cursor
    return None, 0


def _finish(drafts: list[_Draft], path: str) -> tuple[Entry, ...]:
    seen_titles: dict[str, int] = {}
    for draft in drafts:
        key = " ".join(draft.title.lower().split())
        if key in seen_titles:
            raise BadInputError(
                f"duplicate entry {draft.title!r}",
                path=path,
                line=draft.line,
                hint=f"the same title is on line {seen_titles[key]}; remove one",
            )
        seen_titles[key] = draft.line
    ids = unique_ids([draft.title for draft in drafts])
    entries = []
    for entry_id, draft in zip(ids, drafts, strict=True):
        links = {}
        for key in ("paper", "github"):
            value, line = draft.fields.get(key, ("", draft.line))
            links[key] = parse_supplied_link(value, path=path, line=line, field_name=key.capitalize())
        summary = "\n".join(draft.summary_lines).strip()
        summary = re.sub(r"\n{3,}", "\n\n", summary)
        entries.append(
            Entry(
                id=entry_id,
                kind=draft.kind,
                title=draft.title,
                paper_url=links["paper"],
                github_url=links["github"],
                summary=summary,
                origin=Origin(path=path, line=draft.line),
            )
        )
    return tuple(entries)
