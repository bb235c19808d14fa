"""Reading supplied sources: prompt files and catalogs, into SourceSets."""

from __future__ import annotations

from pathlib import Path

from rag_answer.entries import SourceSet
from rag_answer.sources.catalog import parse_catalog
from rag_answer.sources.prompt_file import parse_prompt_file

CATALOG_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")


def load_source(path: Path) -> SourceSet:
    """One prompt file (any other suffix) or catalog (.yaml/.yml/.json/.jsonl)."""
    if path.suffix.lower() in CATALOG_SUFFIXES:
        return parse_catalog(path)
    return parse_prompt_file(path)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder becomes the files directly inside it (not hidden, sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(child for child in path.iterdir() if child.is_file() and not child.name.startswith("."))
            )
        else:
            files.append(path)
    return files


def load_sources(paths: list[Path]) -> list[SourceSet]:
    """Every file named, and every file directly inside a named folder, in sorted order."""
    return [load_source(path) for path in expand_paths(paths)]


__all__ = ["expand_paths", "load_source", "load_sources", "parse_catalog", "parse_prompt_file"]
