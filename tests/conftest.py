"""Fixtures shared by the whole suite: a private RAG_ANSWER_HOME, the example, the real embedder and LLM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PATH = ROOT / "examples" / "000_54cb972efbc5016b.txt"
TEST_PROMPTS = ROOT / "tests" / "data" / "prompts"
SMALL_PRESET = "qwen2.5-coder-0.5b"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One home for the session: assembled model files and prompt states are reused across tests."""
    return tmp_path_factory.mktemp("rag-answer-home")


@pytest.fixture(autouse=True)
def private_home(session_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never touch ~/.cache: every test runs with RAG_ANSWER_HOME in a temp folder."""
    monkeypatch.setenv("RAG_ANSWER_HOME", str(session_home))
    monkeypatch.delenv("RAG_ANSWER_CONFIG", raising=False)
    return session_home


@pytest.fixture(scope="session")
def example_path() -> Path:
    return EXAMPLE_PATH


@pytest.fixture(scope="session")
def real_embedder():
    from rag_answer.embedder import get_embedder

    embedder = get_embedder()
    embedder.encode(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def small_llm(session_home: Path):
    """The real 0.5B preset through llama.cpp (assembled and SHA-256 checked once per session)."""
    from rag_answer.llm import load_generator
    from rag_answer.settings import load_settings

    os.environ["RAG_ANSWER_HOME"] = str(session_home)
    settings = load_settings(model=SMALL_PRESET, home=session_home)
    return load_generator(settings)


@pytest.fixture
def test_settings(session_home: Path):
    from rag_answer.settings import load_settings

    return load_settings(model=SMALL_PRESET, home=session_home, temperature=0.0, seed=0, max_tokens=400)
