"""Claim verdicts with the real embedder, the judge hook, and the summary figures."""

from __future__ import annotations

from rag_answer.audit import audit, split_sentences

SKIN = "the-skin-game"
HI4D = "hi4d-4d-instance"


def _by_text(report, start: str):
    matches = [claim for claim in report.claims if claim.text.startswith(start)]
    assert len(matches) == 1, [claim.text for claim in report.claims]
    return matches[0]


def test_supported_weak_unsupported_and_uncited(example, embedder) -> None:
    text = (
        f"The Skin Game paper evaluates DINOv2-Large on HAM10000, DermNet and ISIC Atlas [@{SKIN}]. "
        f"It reaches a macro F1 of 0.85 on HAM10000 [@{SKIN}].\n"
        f"It reaches a macro F1 of 0.97 on HAM10000 [@{SKIN}].\n"
        f"Hi4D provides 4D textured scans of 20 subject pairs [@{HI4D}].\n"
        f"Hi4D was trained on 5 billion LAION images [@{HI4D}].\n"
        f"Hi4D is a dermatology benchmark for skin lesions [@{HI4D}].\n"
        "Mask2Alpha recovers high-resolution details through progressive refinement.\n"
        "I hope this helps you with your portrait.\n"
    )
    report = audit(text, example, embedder=embedder)
    assert _by_text(report, "The Skin Game paper").verdict == "supported"
    assert _by_text(report, "It reaches a macro F1 of 0.85").verdict == "supported"
    wrong_number = _by_text(report, "It reaches a macro F1 of 0.97")
    assert wrong_number.verdict == "unsupported" and "0.97" in wrong_number.missing
    hi4d = _by_text(report, "Hi4D provides")
    assert hi4d.verdict == "supported" and hi4d.evidence_entry == HI4D and "20 subject pairs" in hi4d.evidence
    invented = _by_text(report, "Hi4D was trained")
    assert invented.verdict == "unsupported" and {"5", "LAION"} <= set(invented.missing)
    assert _by_text(report, "Hi4D is a dermatology").verdict in ("unsupported", "weak")
    uncited = _by_text(report, "Mask2Alpha")
    assert uncited.verdict == "uncited" and uncited.evidence_entry == "enhancing-image-matting"
    assert not [claim for claim in report.claims if claim.text.startswith("I hope")]
    assert report.exit_code() == 0
    assert report.exit_code(strict=True) == 1


def test_wrong_citation_is_unsupported(example, embedder) -> None:
    text = f"Hi4D compiles 4D textured scans of 20 subject pairs and 100 sequences [@{SKIN}]."
    claim = audit(text, example, embedder=embedder).claims[0]
    assert claim.verdict == "unsupported"
    assert claim.citations[0].entry_id == SKIN and not claim.citations[0].supports


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


def test_judge_hook(example, embedder) -> None:
    calls: list[tuple[str, str]] = []

    def no(sentence: str, passage: str) -> bool:
        calls.append((sentence, passage))
        return False

    text = f"Hi4D provides 4D textured scans of 20 subject pairs [@{HI4D}]."
    assert audit(text, example, embedder=embedder).claims[0].verdict == "supported"
    judged = audit(text, example, embedder=embedder, judge=no).claims[0]
    assert judged.verdict == "unsupported" and judged.judge is False
    assert calls and "[@" not in calls[0][0] and "20 subject pairs" in calls[0][1]
    weak_text = f"The skin paper gives advice for clinical settings [@{SKIN}]."
    before = audit(weak_text, example, embedder=embedder).claims[0]
    after = audit(weak_text, example, embedder=embedder, judge=lambda s, p: True).claims[0]
    unsure = audit(weak_text, example, embedder=embedder, judge=lambda s, p: None).claims[0]
    assert before.verdict == unsure.verdict
    if before.verdict == "weak":
        assert after.verdict == "supported"


def test_summary_figures(example, embedder) -> None:
    text = (
        f"Hi4D provides 4D textured scans of 20 subject pairs [@{HI4D}][@{SKIN}]. "
        f"The Skin Game paper evaluates DINOv2-Large on HAM10000, DermNet and ISIC Atlas [@{SKIN}]. "
        "Mask2Alpha recovers high-resolution details through progressive refinement."
    )
    summary = audit(text, example, embedder=embedder).summary
    assert (summary.claim_sentences, summary.supported, summary.uncited) == (3, 2, 1)
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
