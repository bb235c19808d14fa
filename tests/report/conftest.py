"""Fixtures for the report tests: a scripted generator answering in the pipeline's exact format, and a runner."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rag_answer.report import ReportRunner
from rag_answer.settings import Settings, load_settings
from tests.doubles.fake_llm import FakeGenerator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"
_SOURCE = re.compile(r"^\[@([a-z0-9][a-z0-9-]*)\] \((recommended model|paper)\)", re.MULTILINE)


def scripted_answer(prefix: str, suffix: str = "") -> str:
    """An answer in the grammar's format for whatever sources the prompt shows: every model gets a workflow
    line, every paper a part-3 line."""
    found = _SOURCE.findall(prefix)
    models = [entry_id for entry_id, kind in found if kind == "recommended model"] or [found[0][0]]
    papers = [entry_id for entry_id, kind in found if kind == "paper"] or [found[0][0]]
    lines = ["### 1. Task", f"The user wants to understand how the recommended model works [@{models[0]}].", ""]
    lines.append("### 2. Workflow (input -> model -> output)")
    lines += [f"- Input: the user's data -> Model: [@{m}] -> Output: the result the user asked for." for m in models]
    lines += ["", "### 3. Relevant papers and tools"]
    lines += [f"- [@{p}] This paper describes a method related to the question." for p in papers]
    return "\n".join(lines) + "\n"


def fake(script: str | Callable[[str, str], str] = scripted_answer) -> FakeGenerator:
    return FakeGenerator(script)


@pytest.fixture
def settings(private_home: Path) -> Settings:
    return load_settings(home=private_home, temperature=0.0, seed=7, quiet=True)


@pytest.fixture
def make_runner(settings: Settings, real_embedder, tmp_path: Path):
    """make_runner(generator=None, outdir=None, **options) -> ReportRunner (links and markers audited only)."""

    def make(generator=None, outdir: Path | None = None, **options) -> ReportRunner:
        options.setdefault("check_claims", False)
        return ReportRunner(settings, real_embedder, generator or fake(), outdir or tmp_path / "out", **options)

    return make


@pytest.fixture
def make_fake():
    """make_fake(script=scripted_answer) -> FakeGenerator."""
    return fake


@pytest.fixture(scope="session")
def example_file() -> Path:
    return EXAMPLE


@pytest.fixture
def scripted():
    return scripted_answer
