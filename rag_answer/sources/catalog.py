"""Catalog files (YAML, JSON, JSONL) holding entries in a documented schema, with line numbers for errors.

Schema (README "Catalog files"): either a list of entries, or a mapping with an optional `question`
and a required `entries` list. Each entry: `title` (required), `kind` (model|paper, default paper),
`paper`, `github` (links or null), `summary`, and optionally `id`. JSONL: one entry object per line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from rag_answer.entries import Entry, Origin, SourceSet, unique_ids
from rag_answer.errors import BadInputError
from rag_answer.sources.links import parse_supplied_link
from rag_answer.sources.reading import read_text

ENTRY_FIELDS = ("id", "kind", "title", "paper", "github", "summary")
TOP_LEVEL_FIELDS = ("question", "entries")
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that records each mapping's 1-based start line under _LINE_KEY."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE_KEY] = node.start_mark.line + 1
        return mapping


def parse_catalog(path: Path) -> SourceSet:
    text, digest = read_text(path)
    shown = str(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        question, raw_entries = None, _load_jsonl(text, shown)
    else:
        if suffix == ".json":
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                raise BadInputError(f"invalid JSON: {exc.msg}", path=shown, line=exc.lineno) from None
        try:
            document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or "cannot parse"
            raise BadInputError(f"invalid YAML: {problem}", path=shown, line=line) from None
        question, raw_entries = _split_document(document, shown)
    if not raw_entries:
        raise BadInputError("no entries found", path=shown, line=1, hint="add entries with at least a 'title'")
    entries = _build_entries(raw_entries, shown)
    return SourceSet(source_id=digest, path=shown, question=question, entries=entries)


def _load_jsonl(text: str, path: str) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"invalid JSON on this line: {exc.msg}", path=path, line=number) from None
        if not isinstance(item, dict):
            raise BadInputError("each JSONL line must be one entry object", path=path, line=number)
        item[_LINE_KEY] = number
        items.append(item)
    return items


def _split_document(document: Any, path: str) -> tuple[str | None, list[dict[str, Any]]]:
    if isinstance(document, list):
        return None, document
    if not isinstance(document, dict):
        raise BadInputError("catalog must be a list of entries or a mapping with 'entries'", path=path, line=1)
    line = document.get(_LINE_KEY, 1)
    for key in document:
        if key != _LINE_KEY and key not in TOP_LEVEL_FIELDS:
            raise BadInputError(
                f"unknown catalog field {key!r}", path=path, line=line, hint=f"allowed: {', '.join(TOP_LEVEL_FIELDS)}"
            )
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise BadInputError("'entries' must be a list", path=path, line=line)
    question = document.get("question")
    if question is not None and not isinstance(question, str):
        raise BadInputError("'question' must be text", path=path, line=line)
    return (question.strip() if question else None), entries


def _build_entries(raw_entries: list[Any], path: str) -> tuple[Entry, ...]:
    checked = []
    for raw in raw_entries:
        if not isinstance(raw, dict):
            raise BadInputError("each entry must be a mapping with at least 'title'", path=path, line=None)
        line = int(raw.get(_LINE_KEY, 1))
        for key in raw:
            if key != _LINE_KEY and key not in ENTRY_FIELDS:
                raise BadInputError(
                    f"unknown catalog field {key!r}", path=path, line=line, hint=f"allowed: {', '.join(ENTRY_FIELDS)}"
                )
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise BadInputError("entry has no 'title'", path=path, line=line, hint="every entry needs a title")
        kind = raw.get("kind", "paper")
        if kind not in ("model", "paper"):
            raise BadInputError(f"kind {kind!r} is neither 'model' nor 'paper'", path=path, line=line)
        for key in ("paper", "github", "summary", "id"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise BadInputError(f"'{key}' must be text", path=path, line=line)
        checked.append((raw, line, title.strip(), kind))

    derived = unique_ids([title for _, _, title, _ in checked])
    seen_ids: dict[str, int] = {}
    seen_titles: dict[str, int] = {}
    entries = []
    for (raw, line, title, kind), derived_id in zip(checked, derived, strict=True):
        entry_id = raw.get("id") or derived_id
        if not _ID_PATTERN.match(entry_id):
            raise BadInputError(f"id {entry_id!r} must be lower-case letters, digits and '-'", path=path, line=line)
        title_key = " ".join(title.lower().split())
        for key, seen in ((entry_id, seen_ids), (title_key, seen_titles)):
            if key in seen:
                raise BadInputError(
                    f"duplicate entry {title!r}", path=path, line=line, hint=f"same as the entry on line {seen[key]}"
                )
            seen[key] = line
        entries.append(
            Entry(
                id=entry_id,
                kind=kind,
                title=title,
                paper_url=parse_supplied_link(raw.get("paper") or "", path=path, line=line, field_name="Paper"),
                github_url=parse_supplied_link(raw.get("github") or "", path=path, line=line, field_name="GitHub"),
                summary=(raw.get("summary") or "").strip(),
                origin=Origin(path=path, line=line),
            )
        )
    return tuple(entries)
