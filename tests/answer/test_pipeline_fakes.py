"""Orchestration edge cases with a scripted generator (the real model is tested in test_ask_real.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_answer.answer import Turn, answer_question
from rag_answer.answer.gate import WITHHELD
from rag_answer.audit import extract_links
from rag_answer.citations import REFUSAL_PHRASE
from rag_answer.index_store import build_index
from rag_answer.llm.fake import FakeGenerator
from rag_answer.settings import load_settings
from rag_answer.sources import load_source
from tests.conftest import TEST_PROMPTS

GOOD = (
    "### 1. Task\nThe user wants sharp portraits [@txt2img-stablediffusionv1].\n\n"
    "### 2. Workflow (input -> model -> output)\n- Input: a text prompt -> Model: [@txt2img-stablediffusionv1] -> Output: a portrait.\n"
    "\n### 3. Relevant papers and tools\n- [@the-skin-game] DINOv2 reaches a macro F1 of 0.85 on HAM10000.\n"
)


@pytest.fixture(scope="module")
def example_index(real_embedder, example_path: Path):
    return build_index([load_source(example_path)], real_embedder, progress=False)


@pytest.fixture
def settings(private_home: Path):
    return load_settings(model="fake", temperature=0.0, seed=0)


def ask(index, embedder, generator, settings, question: str, **kwargs):
    shown: list[str] = []
    result = answer_question(
        question, index, embedder, generator, settings, source_nos=[0], on_text=shown.append, **kwargs
    )
    return result, "".join(shown)


def test_clean_answer_streams_the_final_text(example_index, real_embedder, settings) -> None:
    question = load_source(Path(example_index.sources[0].path)).question
    result, shown = ask(example_index, real_embedder, FakeGenerator(GOOD), settings, question)
    assert not result.refused and result.verification.clean and not result.verification.repairs
    assert shown == result.text
    assert result.citations == ["txt2img-stablediffusionv1", "the-skin-game"]
    assert "### Sources" in result.text and "https://github.com/Kameronski/stable-diffusion-1.5" in result.text
    assert "https://github.com/yifeiyin04/Hi4D" not in result.text  # not cited, so not listed


def test_invented_link_and_unknown_marker_are_repaired_and_reported(example_index, real_embedder, settings) -> None:
    bad = GOOD.replace(
        "- [@the-skin-game]",
        "- [@nonexistent] See https://github.com/CompVis/stable-diffusion for code.\n- [@the-skin-game]",
    )
    result, shown = ask(example_index, real_embedder, FakeGenerator(bad), settings, "skin detail in portraits")
    assert "CompVis" not in shown and WITHHELD in shown  # the stream gate held the line back ...
    assert "CompVis" not in result.text and "[@nonexistent]" not in result.text  # ... and the audit dropped it
    assert result.verification.clean
    assert len(result.verification.repairs) == 1 and "CompVis" in result.verification.repairs[0]
    assert "https://github.com/CompVis" not in result.verification.repairs[0]  # quoted defanged, not as a link
    assert extract_links(result.verification.repairs[0]) == []


def test_unanswerable_question_is_refused_without_calling_the_model(example_index, real_embedder, settings) -> None:
    generator = FakeGenerator(GOOD)
    result, shown = ask(
        example_index, real_embedder, generator, settings, "How long should I proof sourdough bread dough?"
    )
    assert result.refused and generator.calls == []
    assert shown.strip() == REFUSAL_PHRASE and "min_score" in result.refusal_reason


def test_model_refusal_is_passed_on(example_index, real_embedder, settings) -> None:
    result, _ = ask(example_index, real_embedder, FakeGenerator(REFUSAL_PHRASE), settings, "skin detail")
    assert result.refused and result.text.strip() == REFUSAL_PHRASE and result.sources == []


def test_prompt_carries_no_link_and_masks_injected_ones(real_embedder, settings) -> None:
    source = load_source(TEST_PROMPTS / "adv_023_injected-instruction.txt")
    index = build_index([source], real_embedder, progress=False)
    generator = FakeGenerator(lambda prefix, suffix: REFUSAL_PHRASE)
    answer_question(source.question, index, real_embedder, generator, settings, source_nos=[0])
    prompt = generator.calls[0]["prefix"] + generator.calls[0]["suffix"]
    assert "http" not in prompt and "evil.example" not in prompt
    assert all(link not in prompt for link in source.links)
    assert "evil" not in generator.calls[0]["grammar"]


def test_follow_up_keeps_the_prefix_and_adds_turns(example_index, real_embedder, settings) -> None:
    generator = FakeGenerator(GOOD)
    history = [Turn("first question?", "first answer")]
    ask(example_index, real_embedder, generator, settings, "skin detail", history=history)
    ask(example_index, real_embedder, generator, settings, "skin detail")
    with_history, without = generator.calls
    assert with_history["prefix"] == without["prefix"]
    assert "first question?" in with_history["suffix"] and "first question?" not in without["suffix"]


def test_refusal_words_inside_an_answer_are_not_a_refusal(example_index, real_embedder, settings) -> None:
    text = GOOD.replace("an image.", "an image. The supplied sources do not cover this question in full.")
    result, _ = ask(example_index, real_embedder, FakeGenerator(text), settings, "skin detail in portraits")
    assert not result.refused and result.sections["papers"]
