"""Shared fixtures for the auditor tests: the example's entries and one real embedder per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_answer.entries import SourceSet
from rag_answer.sources import load_source

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"


@pytest.fixture(scope="session")
def example() -> SourceSet:
    return load_source(EXAMPLE)


@pytest.fixture(scope="session")
def embedder():
    from rag_answer.embedder import get_embedder

    embedder = get_embedder()
    embedder.encode(["warm up"])
    return embedder
