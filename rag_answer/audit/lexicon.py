"""The checker's word lists, read once from the data files under rag_answer/audit/data/ (package data)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


def _read(name: str) -> str:
    return resources.files("rag_answer.audit").joinpath("data", name).read_text("utf-8")


@cache
def word_set(name: str) -> frozenset[str]:
    """A TXT list: one word a line, '#' lines are comments."""
    lines = (line.strip() for line in _read(name).splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@cache
def json_data(name: str) -> Any:
    return json.loads(_read(name))


def stopwords() -> frozenset[str]:
    return word_set("stopwords.txt")


def common_acronyms() -> frozenset[str]:
    return word_set("common_acronyms.txt")


def format_labels() -> frozenset[str]:
    return word_set("format_labels.txt")


def affixes() -> frozenset[str]:
    return word_set("affixes.txt")


def split_abbreviations() -> frozenset[str]:
    return word_set("split_abbreviations.txt")


@cache
def opposites() -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    return tuple((frozenset(one), frozenset(other)) for one, other in json_data("opposites.json")["pairs"])


@cache
def word_numbers() -> dict[str, int]:
    return dict(json_data("word_numbers.json"))


@cache
def field_abbreviations() -> dict[str, tuple[str, ...]]:
    """Abbreviation (as written) -> its expansions, lower case."""
    return {short: tuple(long) for short, long in json_data("field_abbreviations.json").items() if short != "_"}
