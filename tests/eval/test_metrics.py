"""Fast tests of the evaluation metrics (eval/metrics.py): structure, refusals, links, models, aggregation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from rag_answer.audit import audit
from rag_answer.entries import Entry, Origin

ROOT = Path(__file__).resolve().parents[2]


def _load_metrics():
    spec = importlib.util.spec_from_file_location("eval_metrics", ROOT / "eval" / "metrics.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_metrics"] = module
    spec.loader.exec_module(module)
    return module


metrics = _load_metrics()

MODEL = Entry("txt2img-sd", "model", "Txt2Img-SD", None, "https://github.com/a/sd", "", Origin("f", 1))
PAPER = Entry(
    "ldm",
    "paper",
    "Latent Diffusion",
    "http://arxiv.org/pdf/2112.10752.pdf",
    "https://github.com/CompVis/latent-diffusion",
    "Latent diffusion models run the diffusion process in the latent space of a pretrained autoencoder.",
    Origin("f", 5),
)
ENTRIES = [MODEL, PAPER]

GOOD = """### 1. Task
The user wants a portrait image from text.

### 2. Workflow (input -> model -> output)
- A text prompt goes into [@txt2img-sd], which returns an image.

### 3. Relevant papers and tools
- [@ldm] Latent diffusion models run the diffusion process in the latent space of a pretrained autoencoder. (Paper: http://arxiv.org/pdf/2112.10752.pdf | GitHub: https://github.com/CompVis/latent-diffusion)

### Sources
- [@txt2img-sd] Txt2Img-SD (model): GitHub: https://github.com/a/sd
"""


def _audit(text: str):
    return audit(text, ENTRIES, claims=False)


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        "1. **Task**: make a portrait.\n2. **Workflow**: prompt -> model -> image.\n3. **Papers**: LDM.\n",
        "**1. Task**\nmake a portrait\n\n**2. Workflow**\nprompt to image\n\n**3. Papers**\n- LDM\n",
        "Part 1: the task is a portrait.\nPart 2: text in, image out.\nPart 3: LDM paper.\n",
    ],
)
def test_structure_complete_in_common_styles(text: str) -> None:
    assert metrics.structure_complete(metrics.split_parts(text))


@pytest.mark.parametrize(
    "text",
    [
        "The user wants a portrait. Use latent diffusion.\n",  # no parts at all
        "### 1. Task\nportrait\n\n### 2. Workflow\n\n### 3. Relevant papers and tools\n- LDM\n",  # empty part 2
        "### 1. Task\nportrait\n\n### 3. Relevant papers\n- LDM\n",  # part 2 missing
        "### 1. Task\nportrait\n### 2. Workflow\ntext in\n### 3. Relevant papers\n### Sources\n- x\n",  # empty 3
        "### 2. Workflow\ntext in\n### 1. Task\nportrait\n### 3. Papers\n- LDM\n",  # out of order: no part 2 after 1
    ],
)
def test_structure_incomplete(text: str) -> None:
    assert not metrics.structure_complete(metrics.split_parts(text))


def test_split_parts_stops_part_three_at_sources_heading() -> None:
    parts = metrics.split_parts(GOOD)
    assert "Sources" not in parts["papers"]
    assert parts["task"] == "The user wants a portrait image from text."


def test_numbered_list_inside_a_part_does_not_restart_parts() -> None:
    text = "### 1. Task\nportrait\n### 2. Workflow\n1. prompt\n2. model\n3. image\n### 3. Papers\n- LDM\n"
    parts = metrics.split_parts(text)
    assert parts["papers"] == "- LDM"
    assert "1. prompt" in parts["workflow"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The supplied sources do not cover this question.\n", True),
        ("I don't know.", True),
        ("The context does not contain information about sourdough.", True),
        (GOOD, False),
        ("The sources do not mention the exact resolution. " + "Latent diffusion is efficient. " * 20, False),
    ],
)
def test_refusal_detection(text: str, expected: bool) -> None:
    assert metrics.looks_like_refusal(text) is expected


def test_clean_answer_metrics() -> None:
    run = metrics.run_metrics("001_x", GOOD, ENTRIES, _audit(GOOD))
    assert run.links == 3 and run.links_supplied == 3 and run.unsupplied_links == 0
    assert run.link_precision == 1.0
    assert run.invalid_markers == 0 and run.clean
    assert run.structure_complete is True
    assert (run.models_supplied, run.models_cited, run.models_mentioned) == (1, 1, 1)
    assert run.answerable and not run.refused


def test_unsupplied_link_and_invalid_marker_are_counted() -> None:
    bad = GOOD.replace("https://github.com/CompVis/latent-diffusion", "https://github.com.evil.io/CompVis/x")
    bad = bad.replace("[@ldm]", "[@made-up]")
    run = metrics.run_metrics("adv_027_x", bad, ENTRIES, _audit(bad))
    assert run.unsupplied_links == 1
    assert run.link_precision == pytest.approx(2 / 3)
    assert run.invalid_markers == 1
    assert not run.clean
    assert any("evil" in url for url in run.rejected)


def test_model_mentioned_by_title_but_not_cited() -> None:
    text = "### 1. Task\nportrait\n### 2. Workflow\nUse Txt2Img-SD on a prompt.\n### 3. Papers\n- Latent Diffusion\n"
    run = metrics.run_metrics("001_x", text, ENTRIES, _audit(text))
    assert (run.models_cited, run.models_mentioned) == (0, 1)


def test_model_cited_by_its_supplied_link() -> None:
    text = "Use the model at https://github.com/a/sd for this."
    run = metrics.run_metrics("001_x", text, ENTRIES, _audit(text))
    assert run.models_cited == 1


def test_unanswerable_prompt_and_refusal_flags() -> None:
    refusal = "The supplied sources do not cover this question.\n"
    run = metrics.run_metrics("adv_026_unanswerable-sourdough", refusal, ENTRIES, _audit(refusal))
    assert not run.answerable and run.refused and run.structure_complete is None


def test_supported_share_from_claims() -> None:
    from rag_answer.audit.claims import ClaimVerdict

    report = _audit(GOOD)
    report.claims = [ClaimVerdict("a", 1, "supported", ""), ClaimVerdict("b", 2, "supported", ""),
                     ClaimVerdict("c", 3, "unsupported", ""), ClaimVerdict("d", 4, "uncited", "")]  # fmt: skip
    report.claims_checked = True
    run = metrics.run_metrics("001_x", GOOD, ENTRIES, report)
    assert run.cited_sentences == 3
    assert run.supported_share == pytest.approx(2 / 3)
    assert run.uncited_claims == 1


def test_aggregate_micro_averages_and_refusal_counts() -> None:
    clean = metrics.run_metrics("001_a", GOOD, ENTRIES, _audit(GOOD), seconds=2.0)
    bad_text = GOOD + "\nSee https://evil.example/paper\n"
    bad = metrics.run_metrics("002_b", bad_text, ENTRIES, _audit(bad_text), seconds=4.0)
    refusal = "The supplied sources do not cover this question.\n"
    refused_ok = metrics.run_metrics("adv_026_unanswerable-sourdough", refusal, ENTRIES, _audit(refusal))
    false_refusal = metrics.run_metrics("003_c", refusal, ENTRIES, _audit(refusal))
    total = metrics.aggregate([clean, bad, refused_ok, false_refusal])
    assert total["link_precision"] == pytest.approx(6 / 7)
    assert total["runs_with_unsupplied_link"] == 1
    assert total["clean_runs"] == 3
    assert total["refused_unanswerable"] == 1 and total["unanswerable"] == 1
    assert total["false_refusals"] == 1 and total["answerable"] == 3
    assert total["answered"] == 2 and total["structure_complete"] == 2
    assert total["models_cited_share"] == 1.0
    assert total["median_seconds"] == 3.0


def test_pipeline_answer_with_fake_generator_scores_clean(real_embedder, test_settings, example_path) -> None:
    """The full path run_eval uses, with a scripted generator: rendered links are all supplied."""
    from rag_answer.answer import answer_question
    from rag_answer.index_store import build_index
    from rag_answer.sources import load_source
    from tests.doubles.fake_llm import FakeGenerator

    source = load_source(example_path)
    index = build_index([source], real_embedder, progress=False)
    model = next(e for e in source.entries if e.kind == "model")
    paper = next(e for e in source.entries if e.kind == "paper")
    script = (
        "### 1. Task\nThe user wants a sharp portrait.\n\n### 2. Workflow (input -> model -> output)\n"
        f"- A text prompt goes into [@{model.id}], which returns an image.\n\n"
        f"### 3. Relevant papers and tools\n- [@{paper.id}] It studies skin images.\n"
    )
    result = answer_question(source.question or "", index, real_embedder, FakeGenerator(script), test_settings,
                             source_nos=[0], check_claims=False)  # fmt: skip
    run = metrics.run_metrics("000_example", result.text, source.entries, audit(result.text, source.entries,
                              claims=False), refused=result.refused)  # fmt: skip
    assert not run.refused
    assert run.links > 0 and run.link_precision == 1.0 and run.clean
    assert run.structure_complete
    assert run.models_cited == run.models_supplied == 1
