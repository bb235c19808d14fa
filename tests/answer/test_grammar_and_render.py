"""The answer grammar and link rendering, checked without a model and with llama.cpp's grammar parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_answer.answer.render import render_body, sources_section, split_sections
from rag_answer.audit.links import extract_links
from rag_answer.llm.grammar import answer_grammar
from rag_answer.sources import load_source
from tests.conftest import TEST_PROMPTS

BODY = (
    "### 1. Task\nThe user wants sharp skin [@the-skin-game].\n\n"
    "### 2. Workflow (input -> model -> output)\n- Input: a prompt -> Model: [@txt2img-stablediffusionv1] -> Output: an image.\n"
    "\n### 3. Relevant papers and tools\n- [@the-skin-game] It reports F1 of 0.85.\n- [@hi4d-4d-instance] A 4D dataset.\n"
)


@pytest.fixture(scope="module")
def example(example_path: Path):
    return load_source(example_path)


@pytest.mark.parametrize("path", sorted(TEST_PROMPTS.glob("*.txt")), ids=lambda p: p.name)
def test_grammar_compiles_in_llama_cpp_for_every_prompt(path: Path) -> None:
    from llama_cpp import LlamaGrammar

    source = load_source(path)
    entries = list(source.entries)
    for allow in (True, False):
        grammar = answer_grammar(entries, [e for e in entries if e.kind == "model"], allow_refusal=allow)
        LlamaGrammar.from_string(grammar, verbose=False)
        assert ("refusal ::=" in grammar) is allow


def test_grammar_offers_only_the_given_ids(example) -> None:
    entries = list(example.entries)[:2]
    grammar = answer_grammar(entries, entries[:1])
    assert '"[@txt2img-stablediffusionv1]"' in grammar and '"[@the-skin-game]"' in grammar
    assert "hi4d" not in grammar and "matting" not in grammar
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines() if " ::= " in line)
    for name in ("word", "plain", "number"):  # what free text is made of: no ':' or '/' anywhere
        assert ":" not in rules[name] and "/" not in rules[name]


def test_render_adds_supplied_links_to_part_three_only_and_is_prefix_stable(example) -> None:
    entries = {e.id: e for e in example.entries}
    rendered = render_body(BODY, entries)
    assert (
        "(Paper: http://arxiv.org/pdf/2502.02500v1.pdf | GitHub: https://github.com/lmietkiewicz/the-skin-game-research-paper)"
        in rendered
    )
    assert "(Paper: http://arxiv.org/pdf/2303.15380v1.pdf | GitHub: https://github.com/yifeiyin04/Hi4D)" in rendered
    assert rendered.split("### 3.")[0] == BODY.split("### 3.")[0]
    previous = ""
    for end in range(1, len(BODY) + 1):
        partial = render_body(BODY[:end], entries)
        assert partial.startswith(previous)
        previous = partial
    assert previous == rendered
    urls = {link.url for link in extract_links(rendered)}
    assert urls <= set(example.links)


def test_sources_section_and_sections(example) -> None:
    entries = list(example.entries)
    section = sources_section([entries[0], entries[2]])
    assert section.splitlines() == [
        "### Sources",
        "- [@txt2img-stablediffusionv1] Txt2Img-StableDiffusionV1-PirsusEpicRealism (model): GitHub: https://github.com/Kameronski/stable-diffusion-1.5",
        "- [@enhancing-image-matting] Enhancing Image Matting in Real-World Scenes with Mask-Guided Iterative Refinement (paper): Paper: http://arxiv.org/pdf/2502.17093v1.pdf",
    ]
    parts = split_sections(BODY + "\n" + section)
    assert parts["task"] == "The user wants sharp skin [@the-skin-game]."
    assert parts["workflow"].startswith("- Input: a prompt")
    assert parts["papers"].endswith("A 4D dataset.")
