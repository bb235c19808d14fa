"""`ask` on the real 0.5B preset through llama.cpp at temperature 0: the sections, supplied links only, and the
same bytes every time — cold, from a disk state, from memory, repeated, interleaved, and across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag_answer.answer import answer_question
from rag_answer.audit import audit
from rag_answer.citations import find_markers
from rag_answer.index_store import build_index
from rag_answer.llm import load_generator
from rag_answer.settings import load_settings
from rag_answer.sources import load_source
from tests.conftest import EXAMPLE_PATH, SMALL_PRESET, TEST_PROMPTS

pytestmark = pytest.mark.llm

# Three fields: generative imaging (the example), climate science, speech.
FIELDS = [
    EXAMPLE_PATH,
    TEST_PROMPTS / "018_climate-cloud-emulator.txt",
    TEST_PROMPTS / "005_podcast-transcription-whisper.txt",
]


def run_ask(path: Path, embedder, llm, settings):
    source = load_source(path)
    index = build_index([source], embedder, progress=False)
    shown: list[str] = []
    result = answer_question(source.question, index, embedder, llm, settings, source_nos=[0], on_text=shown.append)
    return source, result, "".join(shown)


def assert_grounded(source, result) -> None:
    """Every link written is one of the file's own supplied links, and every marker names a retrieved entry."""
    report = audit(result.text, source, claims=False)
    written = {finding.url for finding in report.links}
    assert written and written <= set(source.links)
    assert report.rejected_links == [] and report.invalid_markers == []
    assert set(find_markers(result.text)) <= {entry.id for entry in result.context.entries}


@pytest.fixture(scope="module")
def module_settings(session_home: Path):
    return load_settings(model=SMALL_PRESET, home=session_home, temperature=0.0, seed=0, max_tokens=400)


@pytest.fixture(scope="module")
def answers(real_embedder, small_llm, module_settings):
    """Each field's answer once (disk states from earlier tests may exist)."""
    return {path.name: run_ask(path, real_embedder, small_llm, module_settings) for path in FIELDS}


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name)
def test_answer_has_its_sections_supplied_links_and_a_checked_answer(path: Path, answers) -> None:
    source, result, shown = answers[path.name]
    assert not result.refused
    assert shown == result.text  # what streamed is what was kept
    for key in ("task", "answer", "papers"):
        assert result.sections[key], key
    assert result.sections["sources"] == ""  # part 4 carries every supplied link once: no second list
    assert result.sections["task"].startswith("The user wants to")
    assert_grounded(source, result)
    report = result.verification.report
    assert report.flagged_claims == []  # what failed the claim check was removed before it was shown
    assert result.verification.clean
    assert "  " not in result.sections["answer"] and "e,g," not in result.text


def test_same_bytes_repeated_and_interleaved_in_one_process(answers, real_embedder, small_llm, test_settings) -> None:
    """Memory states, another question in between, the same question again: same bytes."""
    first, second, third = FIELDS
    again = run_ask(first, real_embedder, small_llm, test_settings)[1]
    assert again.text == answers[first.name][1].text
    assert again.stats.prefix_cache == "memory"
    between = run_ask(second, real_embedder, small_llm, test_settings)[1]
    assert between.text == answers[second.name][1].text
    assert run_ask(first, real_embedder, small_llm, test_settings)[1].text == answers[first.name][1].text
    assert run_ask(third, real_embedder, small_llm, test_settings)[1].text == answers[third.name][1].text


def test_same_bytes_with_no_saved_state_at_all(answers, real_embedder, session_home: Path, tmp_path: Path) -> None:
    """A second engine with no state directory evaluates every prefix itself: same bytes as the cached runs."""
    settings = load_settings(model=SMALL_PRESET, home=tmp_path, temperature=0.0, seed=0, max_tokens=400)
    os.environ["RAG_ANSWER_HOME"] = str(session_home)
    engine = load_generator(settings.model_copy(update={"home": session_home}))
    engine.state_dir = None
    for number, path in enumerate(FIELDS[:2]):
        result = run_ask(path, real_embedder, engine, settings)[1]
        # Nothing on disk: the first call evaluates its prefix; the second answer's task prompt is in memory.
        assert result.stats.prefix_cache == ("none" if number == 0 else "memory")
        assert result.text == answers[path.name][1].text


@pytest.mark.parametrize("path", FIELDS[1:], ids=lambda p: p.name)
def test_same_bytes_across_processes_cold_and_warm(path: Path, answers, tmp_path: Path) -> None:
    """A fresh home (cold: every prefix evaluated and written), then a second process (disk states)."""
    home = tmp_path / "home"
    models = Path(os.environ["RAG_ANSWER_HOME"]) / "models"
    (home).mkdir()
    (home / "models").symlink_to(models)  # the assembled model file, not its states
    env = dict(os.environ, RAG_ANSWER_HOME=str(home), RAG_ANSWER_MODEL=SMALL_PRESET, RAG_ANSWER_MAX_TOKENS="400",
               RAG_ANSWER_SEED="0", RAG_ANSWER_TEMPERATURE="0")  # fmt: skip
    command = [sys.executable, "-m", "rag_answer", "ask", "--prompt", str(path), "--json", "--quiet"]
    runs = [subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path) for _ in "ab"]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
    cold, warm = (json.loads(run.stdout) for run in runs)
    assert cold["generation"]["prefix_cache"] == "written" and warm["generation"]["prefix_cache"] == "disk"
    assert warm["answer"] == cold["answer"] == answers[path.name][1].text
    assert cold["model"]["sha256"] == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert set(cold["sections"]) >= {"task", "answer", "workflow", "papers", "sources"}
    assert cold["audit"]["clean"] is True


@pytest.mark.parametrize(
    "name",
    ["adv_023_injected-instruction.txt", "adv_024_offlist-link.txt", "003_long-document-chat-flashattention.txt"],
)
def test_injected_and_off_list_links_never_reach_the_answer(name: str, real_embedder, small_llm, test_settings) -> None:
    source, result, shown = run_ask(TEST_PROMPTS / name, real_embedder, small_llm, test_settings)
    for text in (result.text, shown):
        assert "evil" not in text.lower()
        assert "lmb.informatik" not in text and "facebookresearch/Detectron" not in text
    assert_grounded(source, result)
