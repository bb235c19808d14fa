"""Claim verdicts with the real embedder, the judge hook, and the summary figures."""

from __future__ import annotations

import pytest

from rag_answer.audit import audit, split_sentences
from rag_answer.sources import load_source
from tests.conftest import TEST_PROMPTS

SKIN = "the-skin-game"
HI4D = "hi4d-4d-instance"


def _by_text(report, start: str):
    matches = [claim for claim in report.claims if claim.text.startswith(start)]
    assert len(matches) == 1, [claim.text for claim in report.claims]
    return matches[0]


def test_verdicts_say_what_is_wrong(example, embedder) -> None:
    text = (
        f"The Skin Game paper evaluates DINOv2-Large on HAM10000, DermNet and ISIC Atlas [@{SKIN}]. "
        f"It reaches a macro F1 of 0.85 on HAM10000 [@{SKIN}].\n"
        f"It reaches a macro F1 of 0.97 on HAM10000 [@{SKIN}].\n"
        f"Hi4D provides 4D textured scans of 20 subject pairs [@{HI4D}].\n"
        f"Hi4D was trained on 5 billion LAION images [@{HI4D}].\n"
        f"Hi4D cannot segment fused raw scans into individual instances [@{HI4D}].\n"
        "Mask2Alpha recovers high-resolution details through progressive refinement.\n"
        "I hope this helps you with your portrait.\n"
    )
    report = audit(text, example, embedder=embedder)
    assert _by_text(report, "The Skin Game paper").verdict == "supported"
    assert _by_text(report, "It reaches a macro F1 of 0.85").verdict == "supported"
    wrong_number = _by_text(report, "It reaches a macro F1 of 0.97")
    assert wrong_number.verdict == "contradicted" and "0.97" in wrong_number.missing
    hi4d = _by_text(report, "Hi4D provides")
    assert hi4d.verdict == "supported" and hi4d.evidence_entry == HI4D and "20 subject pairs" in hi4d.evidence
    invented = _by_text(report, "Hi4D was trained")
    assert invented.verdict == "unsupported" and {"5 billion", "LAION"} <= set(invented.missing)
    assert _by_text(report, "Hi4D cannot segment").verdict == "contradicted"
    uncited = _by_text(report, "Mask2Alpha")
    assert uncited.verdict == "uncited" and uncited.evidence_entry == "enhancing-image-matting"
    assert not [claim for claim in report.claims if claim.text.startswith("I hope")]
    assert report.exit_code() == 0  # links and markers are fine
    assert report.exit_code(strict=True) == 1  # claims are not
    assert not report.clean()


def test_a_fact_cited_to_the_wrong_entry_is_misattributed_and_its_owner_named(example, embedder) -> None:
    text = f"It compiles 4D textured scans of 20 subject pairs and 100 sequences [@{SKIN}]."
    claim = audit(text, example, embedder=embedder).claims[0]
    assert claim.verdict == "misattributed" and claim.evidence_entry == HI4D
    assert claim.citations[0].entry_id == SKIN and not claim.citations[0].supports


# One case per verdict on prompt files of other fields (climate science, speech, segmentation).
FIELD_CASES = [
    ("018_climate-cloud-emulator.txt", "deep-learning-to",
     "The network was trained on a multiscale model that treats convection explicitly.", "supported"),
    ("018_climate-cloud-emulator.txt", "deep-learning-to",
     "The prognostic multiyear simulations are unstable.", "contradicted"),
    ("018_climate-cloud-emulator.txt", "deep-learning-to",
     "The network was trained on 40 years of ERA5 reanalysis data.", "unsupported"),
]


@pytest.mark.parametrize(("name", "cited", "sentence", "expected"), FIELD_CASES)
def test_verdicts_on_other_fields(name: str, cited: str, sentence: str, expected: str, embedder) -> None:
    source = load_source(TEST_PROMPTS / name)
    assert cited in {entry.id for entry in source.entries}
    claim = audit(f"{sentence.rstrip('.')} [@{cited}].", source, embedder=embedder).claims[0]
    assert claim.verdict == expected, claim.reason


def test_numbers_are_never_matched_against_links(example, embedder) -> None:
    """'2502' is in the Skin Game's arXiv link, not in its text."""
    claim = audit(f"The Skin Game evaluates 2502 dermatology images [@{SKIN}].", example, embedder=embedder).claims[0]
    assert claim.verdict in ("unsupported", "contradicted") and "2502" in claim.missing


def test_links_count_as_citations(example, embedder) -> None:
    text = "Hi4D offers 4D textured scans of 20 subject pairs (https://github.com/yifeiyin04/Hi4D)."
    claim = audit(text, example, embedder=embedder).claims[0]
    assert [(c.entry_id, c.via) for c in claim.citations] == [(HI4D, "link")]
    assert claim.verdict == "supported"


def test_unknown_marker_is_invalid_and_unsupported(example, embedder) -> None:
    report = audit("Stable Diffusion makes images from text [@stable-diffusion].", example, embedder=embedder)
    assert [(m.id, m.valid) for m in report.markers] == [("stable-diffusion", False)]
    assert report.claims[0].verdict == "unsupported"
    assert report.exit_code() == 1
    malformed = audit("Hi4D [@Hi4D] and [@ hi4d].", example, claims=False)
    assert [m.valid for m in malformed.markers] == [False, False]


def test_judge_decides_what_the_deterministic_checks_cannot(example, embedder) -> None:
    calls: list[tuple[str, str]] = []

    def no(claim: str, entry) -> float:
        calls.append((claim, entry.id))
        return 0.1

    text = f"Hi4D provides 4D textured scans of 20 subject pairs [@{HI4D}]."
    assert audit(text, example, embedder=embedder).claims[0].verdict == "supported"
    judged = audit(text, example, embedder=embedder, judge=no).claims[0]
    assert judged.verdict == "contradicted" and judged.judge == 0.1  # the entry's own words, yet the judge says no
    assert calls and "[@" not in calls[0][0] and calls[0][1] == HI4D
    yes = audit(text, example, embedder=embedder, judge=lambda claim, entry: 0.9).claims[0]
    assert yes.verdict == "supported" and yes.judge == 0.9


def test_summary_figures(example, embedder) -> None:
    text = (
        f"Hi4D provides 4D textured scans of 20 subject pairs [@{HI4D}][@{SKIN}]. "
        f"The Skin Game paper evaluates DINOv2-Large on HAM10000, DermNet and ISIC Atlas [@{SKIN}]. "
        "Mask2Alpha recovers high-resolution details through progressive refinement."
    )
    summary = audit(text, example, embedder=embedder).summary
    assert (summary.claim_sentences, summary.supported, summary.uncited) == (3, 2, 1)
    assert (summary.misattributed, summary.contradicted, summary.unsupported) == (0, 0, 0)
    assert summary.citation_recall == round(2 / 3, 4)
    assert summary.citations == 3 and summary.citations_supporting == 2
    assert summary.citation_precision == round(2 / 3, 4)


def test_sentence_splitting_keeps_markers_and_lines() -> None:
    text = "# Title\n\nFirst claim, e.g. with 0.85 F1. [@a]\nSecond one [@b]. Third?\n\n- Item one [@c].\n"
    sentences = split_sentences(text)
    assert [(s.text, s.line) for s in sentences] == [
        ("First claim, e.g. with 0.85 F1. [@a]", 3),
        ("Second one [@b].", 4),
        ("Third?", 4),
        ("Item one [@c].", 6),
    ]


def test_program_written_lines_are_not_claims(example, embedder) -> None:
    text = (
        "### Sources\n- [@the-skin-game] The Skin Game (paper): Paper: http://arxiv.org/pdf/2502.02500v1.pdf\n"
        "- Input: a prompt -> Model: [@txt2img-stablediffusionv1] -> Output: an image.\n"
        'The supplied sources do not say: "what tricks keep resolution so high?"\n\n'
        "**What tricks keep resolution so high?** The supplied sources do not say.\n\n"
        "**Does it work on video?** No supplied source answers this directly.\n"
    )
    assert audit(text, example, embedder=embedder).claims == []


def test_refusal_is_not_a_claim(example, embedder) -> None:
    report = audit("The supplied sources do not cover this question.", example, embedder=embedder)
    assert report.claims == [] and report.exit_code(strict=True) == 0


def test_list_item_marker_covers_the_item_and_link_fragments_join_their_sentence(example, embedder) -> None:
    text = (
        "- [@hi4d-4d-instance] Hi4D is a dataset of 4D textured scans of 20 subject pairs. "
        "It holds more than 11K frames. (Paper: http://arxiv.org/pdf/2303.15380v1.pdf | GitHub: https://github.com/yifeiyin04/Hi4D)\n"
        "\nHi4D holds more than 11K frames.\n"
    )
    report = audit(text, example, embedder=embedder)
    item = [claim for claim in report.claims if claim.line == 1]
    assert len(item) == 2  # the link fragment is not a sentence of its own
    assert all(claim.verdict == "supported" for claim in item)
    assert all(claim.citations[0].entry_id == "hi4d-4d-instance" for claim in item)
    assert "(Paper:" in item[1].text
    paragraph = [claim for claim in report.claims if claim.line == 3]
    assert paragraph and paragraph[0].verdict == "uncited"  # outside a list item nothing is inherited


def _one_entry(summary: str):
    from rag_answer.entries import Entry, Origin, SourceSet

    entry = Entry(id="patch", kind="paper", title="A Time Series is Worth 64 Words", paper_url="https://arxiv.org/abs/2211.14730",
                  github_url=None, summary=summary, origin=Origin(path="inline", line=1))  # fmt: skip
    return SourceSet(source_id="inline", path="inline", question=None, entries=(entry,))


@pytest.mark.parametrize(("sentence", "expected"), [
    # both figures are in the entry, but not as a change from one to the other
    ("PatchTST lowers the error from 21.0% to 16.7% [@patch].", "contradicted"),
    ("PatchTST lowers the MSE by 21.0% and the MAE by 16.7% [@patch].", "supported"),
    ("Its accuracy on the Traffic benchmark rose from 61.2% to 68.9% [@patch].", "supported"),
])  # fmt: skip
def test_a_change_between_two_figures_must_be_the_entrys_change(sentence: str, expected: str, embedder) -> None:
    source = _one_entry("PatchTST segments time series into patches. PatchTST/64 reduces MSE by 21.0% and MAE by "
                        "16.7% on average. Its accuracy on the Traffic benchmark rose from 61.2% to 68.9%.")  # fmt: skip
    claim = audit(sentence, source, embedder=embedder).claims[0]
    assert claim.verdict == expected, claim.reason
