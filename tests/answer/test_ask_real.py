"""`ask` on the real 0.5B preset through llama.cpp at temperature 0: structure, links, markers, determinism."""

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
from rag_answer.sources import load_source
from tests.conftest import SMALL_PRESET, TEST_PROMPTS

pytestmark = pytest.mark.llm


def run_ask(path: Path, embedder, llm, settings):
    source = load_source(path)
    index = build_index([source], embedder, progress=False)
    shown: list[str] = []
    result = answer_question(source.question, index, embedder, llm, settings, source_nos=[0], on_text=shown.append)
    return source, result, "".join(shown)


def assert_grounded(source, result) -> None:
    supplied = set(source.links)
    report = audit(result.text, source, claims=False)
    assert report.rejected_links == [] and report.invalid_markers == []
    assert {finding.url for finding in report.links} <= supplied | {
        finding.url for finding in report.links if finding.accepted
    }
    context_ids = {entry.id for entry in result.context.entries}
    assert set(find_markers(result.text)) <= context_ids


def test_example_answer_has_three_parts_supplied_links_and_is_reproducible(
    example_path, real_embedder, small_llm, test_settings
) -> None:
    source, first, shown = run_ask(example_path, real_embedder, small_llm, test_settings)
    assert not first.refused
    assert first.sections["task"] and first.sections["workflow"] and first.sections["papers"]
    assert "-> Model: [@txt2img-stablediffusionv1] -> Output:" in first.sections["workflow"]
    assert first.text.startswith(shown.split("\n### Sources")[0])  # what streamed is what was kept
    assert_grounded(source, first)
    assert first.verification.clean
    assert any(link in first.text for link in source.links)
    _, second, _ = run_ask(example_path, real_embedder, small_llm, test_settings)
    assert second.text == first.text  # same inputs, model and seed: same bytes
    assert second.stats.reused_tokens > 0  # the instructions + sources prefix was not evaluated again


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


def test_cli_ask_json_and_warm_prompt_state(example_path: Path, private_home: Path, tmp_path: Path) -> None:
    env = dict(
        os.environ, RAG_ANSWER_HOME=str(private_home), RAG_ANSWER_MODEL=SMALL_PRESET, RAG_ANSWER_MAX_TOKENS="160"
    )
    command = [sys.executable, "-m", "rag_answer", "ask", "--prompt", str(example_path), "--json", "--quiet"]
    runs = [
        subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path) for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
    first, second = (json.loads(run.stdout) for run in runs)
    supplied = set(load_source(example_path).links)
    for answer in (first, second):
        assert {source[key] for source in answer["sources"] for key in ("paper", "github") if source[key]} <= supplied
        assert answer["audit"]["clean"] is True
        assert answer["model"]["sha256"] == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert second["answer"] == first["answer"]
    assert second["generation"]["prefix_cache"] in ("disk", "memory")
    assert second["generation"]["reused_tokens"] > 0.8 * second["generation"]["prompt_tokens"]
