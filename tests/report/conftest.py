"""Fixtures for the report tests: the scripted per-entry generator (tests/doubles) and a runner.

The answer pipeline reads one entry per call; the fake answers each call in the grammar's field format: the
example's entries get EXAMPLE_READINGS, any other prompt file's entries a reading made from their own text.
Claims are checked (the fake's judge says yes): a report test sees the pipeline's claim check at work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rag_answer.report import ReportRunner
from rag_answer.settings import Settings, load_settings
from tests.doubles.fake_llm import EXAMPLE_READINGS, TASK_REPLY, FakeGenerator, reading_script

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"
TEST_PROMPTS = ROOT / "tests" / "data" / "prompts"
_BLOCK = re.compile(r"Source \((recommended model|paper)\): (.*)\nSummary: (.*)")
GENERIC_WORKFLOW = "Input: the user's data\nOutput: the result the user asked for."

Script = Callable[[str, str], str]


def entry_script(readings: dict[str, str] = EXAMPLE_READINGS, task: str = TASK_REPLY) -> Script:
    """reading_script(readings) for the entries it knows; any other entry 'offers' its title and answers with the
    first sentence of its summary (none without one); a recommended model fits with a generic workflow."""
    known = reading_script(readings, task)

    def answer(prefix: str, suffix: str) -> str:
        block = _BLOCK.search(prefix)
        if block is None or any(f": {title}" in prefix for title in readings):
            return known(prefix, suffix)
        _, title, summary = block.groups()
        first = "" if summary.startswith("(none supplied") else re.split(r"(?<=[a-z0-9)])\. ", summary)[0]
        reading = f"Offers: {title.rstrip('.')}.\nAnswer: {first.rstrip('.') or 'none'}."
        if "Input:" in suffix:  # a recommended model's request
            return GENERIC_WORKFLOW + ("\n" + reading if "Offers:" in suffix else "")
        return reading

    return answer


def fake(script: str | Script | None = None) -> FakeGenerator:
    return FakeGenerator(script if script is not None else entry_script())


@pytest.fixture
def settings(private_home: Path) -> Settings:
    return load_settings(home=private_home, temperature=0.0, seed=7, quiet=True)


@pytest.fixture
def make_runner(settings: Settings, real_embedder, tmp_path: Path):
    """make_runner(generator=None, outdir=None, **options) -> ReportRunner (claims checked unless told not to)."""

    def make(generator=None, outdir: Path | None = None, **options) -> ReportRunner:
        return ReportRunner(settings, real_embedder, generator or fake(), outdir or tmp_path / "out", **options)

    return make


@pytest.fixture
def make_fake():
    """make_fake(script=entry_script()) -> FakeGenerator."""
    return fake


@pytest.fixture(scope="session")
def example_file() -> Path:
    return EXAMPLE


@pytest.fixture
def readings() -> dict[str, str]:
    """A copy of the example's scripted readings, for a test to change one."""
    return dict(EXAMPLE_READINGS)
