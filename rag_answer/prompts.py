"""Prompt templates as files under rag_answer/templates/ (package data), loaded by name, variables checked."""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rag_answer.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent / "templates"  # package data: works from a wheel too


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    variables: frozenset[str]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def render(self, **values: str) -> str:
        given = set(values)
        if given != self.variables:
            missing, extra = sorted(self.variables - given), sorted(given - self.variables)
            raise ConfigError(f"prompt {self.name!r}: missing variables {missing}, unexpected {extra}")
        return self.text.format(**values)


@cache
def load_template(name: str) -> Template:
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        text = path.read_text("utf-8")
    except OSError:
        raise ConfigError("prompt template not found", path=str(path)) from None
    fields = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    if any(not field.isidentifier() for field in fields):
        raise ConfigError("prompt template has a malformed {variable}", path=str(path))
    return Template(name, text, frozenset(fields))


# Anything that looks like a link: scheme URLs, www. hosts, and bare host/path forms.
_URLISH = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|ai|dev|example|edu|gov|co|me|app)\b\S*)",
    re.IGNORECASE,
)
MASK = "[link removed]"


def mask_links(text: str) -> str:
    """Links in source text replaced by a mask: the model never sees one, so it has nothing to copy."""
    return _URLISH.sub(MASK, text)
