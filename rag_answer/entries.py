"""The data every part of rag-answer shares: supplied entries and the source sets they come in."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EntryKind = Literal["model", "paper"]

# Longest id we derive from a title; short ids keep citation markers readable for people and small LLMs.
_MAX_ID_LENGTH = 32


@dataclass(frozen=True)
class Origin:
    """Where an entry was read: file path and 1-based line of its title."""

    path: str
    line: int


@dataclass(frozen=True)
class Entry:
    """One supplied model card or paper, with the only links anyone may cite for it."""

    id: str
    kind: EntryKind
    title: str
    paper_url: str | None
    github_url: str | None
    summary: str
    origin: Origin

    @property
    def has_summary(self) -> bool:
        """False for an entry supplied by name and links only: nothing in it can back a claim."""
        return bool(self.summary.strip())

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(url for url in (self.paper_url, self.github_url) if url)

    def content_hash(self) -> str:
        """SHA-256 of the entry's content (not its origin), for evidence records."""
        payload = json.dumps(
            [self.id, self.kind, self.title, self.paper_url, self.github_url, self.summary], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        origin = data["origin"]
        return cls(
            id=data["id"],
            kind=data["kind"],
            title=data["title"],
            paper_url=data.get("paper_url"),
            github_url=data.get("github_url"),
            summary=data.get("summary", ""),
            origin=Origin(path=origin["path"], line=int(origin["line"])),
        )


@dataclass(frozen=True)
class SourceSet:
    """The entries supplied together with one question (one prompt file or one catalog)."""

    source_id: str  # SHA-256 of the file's bytes: the cache and restriction key
    path: str
    question: str | None
    entries: tuple[Entry, ...]
    answer: str | None = None  # text after a prompt file's "Answer:", kept for the auditor
    answer_line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(link for entry in self.entries for link in entry.links)

    def entry(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "path": self.path,
            "question": self.question,
            "answer": self.answer,
            "answer_line": self.answer_line,
            "entries": [entry.to_dict() for entry in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceSet:
        return cls(
            source_id=data["source_id"],
            path=data["path"],
            question=data.get("question"),
            entries=tuple(Entry.from_dict(item) for item in data["entries"]),
            answer=data.get("answer"),
            answer_line=data.get("answer_line"),
        )


def slugify_title(title: str) -> str:
    """A short, stable, ASCII id from a title: its first words, lower-case, joined by '-'."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", folded)
    slug = ""
    for word in words[:3]:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > _MAX_ID_LENGTH and slug:
            break
        slug = candidate[:_MAX_ID_LENGTH]
    return slug or "entry"


def unique_ids(titles: list[str]) -> list[str]:
    """Ids for titles in order, made unique within the list by a numeric suffix."""
    seen: dict[str, int] = {}
    ids = []
    for title in titles:
        base = slugify_title(title)
        count = seen.get(base, 0) + 1
        seen[base] = count
        ids.append(base if count == 1 else f"{base}-{count}")
    return ids
