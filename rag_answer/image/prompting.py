"""The image prompt: from an LLM hook under a constrained format, or a deterministic fallback.

The fallback keeps the question's key noun-phrase-like chunks (runs of content words between stop words) and the
recommended model's title. Same source set in, same prompt out, whatever the machine.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rag_answer.entries import Entry, SourceSet
from rag_answer.errors import BadInputError

PromptWriter = Callable[[SourceSet], str]
PromptOrigin = Literal["writer", "fallback"]

MAX_PROMPT_CHARS = 300  # CLIP reads 77 tokens; longer prompts are cut by the tokenizer anyway
MAX_PHRASES = 4
MAX_PHRASE_WORDS = 3
STYLE_SUFFIX = "clean detailed digital illustration"

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+\-']*")
# Function words and question/chat filler; anything else counts as content.
_STOP_WORDS = """
    a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each even ever every few for from further get gets getting
    got had has have having he her here hers him his how i if in into is it its itself just keep keeps kind know like
    make makes many me more most much my need needs no nor not now of off on once only or other our out over own
    please really same she should so some such than that the their them then there these they this those through
    to too under until up use used using very want was we were what when where which while who whom why will with
    would you your yours felt feel feels even so-called best good better way ways thing things something anything
    trying try tried tell show give explain help possible able lot lots generate generated
    generating create created creating made produce produced"""
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class ImagePrompt:
    text: str
    origin: PromptOrigin  # "writer" when the hook's text passed the checks, else "fallback"
    note: str | None = None  # why the hook's text was not used, when it was given and failed


def recommended_entry(source_set: SourceSet) -> Entry | None:
    """The first recommended model entry, else the first entry of any kind, else None."""
    for entry in source_set.entries:
        if entry.kind == "model":
            return entry
    return source_set.entries[0] if source_set.entries else None


def key_phrases(question: str, limit: int = MAX_PHRASES) -> list[str]:
    """Runs of up to three content words, in order of appearance, lower-cased, without repeats."""
    text = unicodedata.normalize("NFKC", _URL.sub(" ", question))
    phrases: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            phrase = " ".join(current)
            if phrase not in phrases and not (len(current) == 1 and len(current[0]) < 3):
                phrases.append(phrase)
            current.clear()

    # Punctuation ends a phrase as a stop word does.
    for chunk in re.split(r"[,.;:!?()\[\]{}\"“”‘’/]+", text):
        for word in _WORD.findall(chunk):
            lower = word.lower().strip("'-")
            if not lower or lower in _STOP or lower.isdigit():
                close()
                continue
            current.append(lower)
            if len(current) == MAX_PHRASE_WORDS:
                close()
        close()
    return phrases[:limit]


def fallback_prompt(source_set: SourceSet) -> str:
    """Key phrases of the question + the recommended model's title + a fixed style; deterministic."""
    parts = key_phrases(source_set.question or "")
    entry = recommended_entry(source_set)
    if entry is not None:
        parts.append(f"in the spirit of {_one_line(entry.title)}")
    if not parts:
        raise BadInputError(
            "no question and no entries to draw an image prompt from",
            path=source_set.path,
            hint="the source needs a question or at least one entry",
        )
    parts.append(STYLE_SUFFIX)
    return _clip(", ".join(parts))


def check_written_prompt(text: object) -> str:
    """The hook's text if it fits the format (one printable line, no links, 3..300 chars); else ValueError."""
    if not isinstance(text, str):
        raise ValueError(f"prompt writer returned {type(text).__name__}, not str")
    line = text.strip().strip('"').strip()
    if "\n" in line or "\r" in line:
        raise ValueError("prompt writer returned more than one line")
    if _URL.search(line):
        raise ValueError("prompt writer returned a link")
    if any(unicodedata.category(char).startswith("C") for char in line):
        raise ValueError("prompt writer returned control characters")
    if not 3 <= len(line) <= MAX_PROMPT_CHARS:
        raise ValueError(f"prompt writer returned {len(line)} characters (allowed 3..{MAX_PROMPT_CHARS})")
    return line


def make_prompt(source_set: SourceSet, prompt_writer: PromptWriter | None = None) -> ImagePrompt:
    """The writer's prompt when it gives one that passes `check_written_prompt`, else the deterministic fallback."""
    if prompt_writer is not None:
        try:
            return ImagePrompt(text=check_written_prompt(prompt_writer(source_set)), origin="writer")
        except Exception as exc:  # any failure of the hook falls back; the note records why
            note = f"{type(exc).__name__}: {exc}"[:200]
            return ImagePrompt(text=fallback_prompt(source_set), origin="fallback", note=note)
    return ImagePrompt(text=fallback_prompt(source_set), origin="fallback")


def _one_line(text: str) -> str:
    return " ".join(_URL.sub(" ", text).split())


def _clip(text: str) -> str:
    text = _one_line(text)
    if len(text) <= MAX_PROMPT_CHARS:
        return text
    cut = text[:MAX_PROMPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;")
