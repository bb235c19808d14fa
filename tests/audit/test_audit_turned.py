"""One of the entry's statements with one thing turned: a comparison the other way round (its sides swapped, or its
direction), a quantity's direction, a denial dropped, a name's version or a figure's label swapped. Each rule
catches its case and leaves a faithful restatement alone."""

from __future__ import annotations

import pytest

from rag_answer.audit.comparisons import reversed_degree, reversed_frames
from rag_answer.audit.facts import denial_dropped
from rag_answer.audit.substitutions import swapped_label, swapped_version

TITLE = "FlowNet3: Faster Optical Flow with Sparse Cost Volumes"
SUMMARY = (
    "Optical flow estimation is a core task in video analysis. We present FlowNet3, which builds a sparse cost "
    "volume instead of a dense one. In a user study, FlowNet3 outperforms RAFT-Lite in terms of sharpness and "
    "temporal stability. Our model is more accurate and 4$\\times$ faster than the original FlowNet2. "
    "Training takes 20 hours, which is 3$\\times$ faster than PWC-Net. Dense volumes are easy to build while sparse "
    "volumes are not. Larger models translate to higher sample-efficiency. Unlike warping methods, FlowNet3 does "
    "not need a refinement stage. On the Sintel final pass, FlowNet3 reaches an EPE of 2.45 at 30 FPS on a V100 GPU."
)
SENTENCES = [
    "Optical flow estimation is a core task in video analysis.",
    "On the Sintel final pass, FlowNet3 reaches an EPE of 2.45 at 30 FPS on a V100 GPU.",
    "FlowNet3 uses a 2D cost volume with a light decoder.",
    "Unlike warping methods, FlowNet3 does not need a refinement stage.",
]


@pytest.mark.parametrize("sentence", [
    "In the user study, RAFT-Lite was judged sharper and more stable than FlowNet3.",  # sides swapped
    "The original FlowNet2 is more accurate and four times faster than FlowNet3.",  # "our model" is the entry's own
    "Training FlowNet3 takes about three times as long as PWC-Net.",  # same sides, the other direction
    "Sparse volumes are easier to build than dense volumes.",  # "X is easy while Y is not"
    "FlowNet3 is outperformed by RAFT-Lite in terms of sharpness.",  # passive
])  # fmt: skip
def test_a_comparison_the_other_way_round_is_caught(sentence: str) -> None:
    assert reversed_frames(sentence, TITLE, SUMMARY)


@pytest.mark.parametrize("sentence", [
    "In the user study, FlowNet3 was judged sharper and more stable than RAFT-Lite.",
    "FlowNet3 is more accurate and four times faster than the original FlowNet2.",
    "Compared with PWC-Net, FlowNet3 trains three times faster.",
    "Dense volumes are easier to build than sparse volumes.",
    "RAFT-Lite is outperformed by FlowNet3 in terms of sharpness.",
    "FlowNet3 builds a sparse cost volume rather than a dense one.",  # "rather than" compares nothing
])  # fmt: skip
def test_a_comparison_the_entrys_way_round_stands(sentence: str) -> None:
    assert not reversed_frames(sentence, TITLE, SUMMARY)


def test_a_quantity_going_the_other_way_is_caught() -> None:
    assert reversed_degree("FlowNet3 becomes less sample-efficient as its models grow.", SUMMARY)
    assert reversed_degree("FlowNet3 gets lower sample-efficiency from larger models.", SUMMARY)


@pytest.mark.parametrize("sentence", [
    "Larger FlowNet3 models are more sample-efficient.",
    "FlowNet3 uses less memory than dense methods.",  # not stated either way; a "than" is the frames' business
    "FlowNet3 reaches lower error on Sintel.",  # a quantity the entry does not grade
])  # fmt: skip
def test_a_quantity_going_the_entrys_way_stands(sentence: str) -> None:
    assert reversed_degree(sentence, SUMMARY) is None


def test_an_affirmed_denial_is_caught() -> None:
    assert denial_dropped("Like warping methods, FlowNet3 still needs a refinement stage.", SENTENCES)


@pytest.mark.parametrize("sentence", [
    "FlowNet3 needs no refinement stage.",
    "FlowNet3 does without a refinement stage.",
    "FlowNet3 avoids the need for a refinement stage.",
    "FlowNet3 does not need a refinement stage, unlike warping methods.",
    "FlowNet3 needs a sparse cost volume.",  # the denied verb about another thing
])  # fmt: skip
def test_a_kept_denial_stands(sentence: str) -> None:
    assert denial_dropped(sentence, SENTENCES) is None


@pytest.mark.parametrize("sentence", [
    "On the Sintel final pass, FlowNet3 reaches an EPE of 2.45 at 30 FPS on an A100 GPU.",  # letters differ: not
    "FlowNet3 uses a 3D cost volume with a light decoder.",
])  # fmt: skip
def test_a_swapped_version_is_caught_only_for_a_version(sentence: str) -> None:
    caught = swapped_version(sentence, SENTENCES)
    assert (caught is not None) == ("3D" in sentence)


@pytest.mark.parametrize("sentence", [
    "FlowNet3 uses a 2D cost volume with a light decoder.",
    "FlowNet3 reaches an EPE of 2.45 on Sintel with a V100.",
    "FlowNet3, unlike FlowNet2, uses a 2D cost volume.",  # another version beside the entry's own
])  # fmt: skip
def test_a_restated_version_stands(sentence: str) -> None:
    assert swapped_version(sentence, SENTENCES) is None


def test_a_swapped_label_on_a_figure_is_caught() -> None:
    assert swapped_label("On the Sintel final pass, FlowNet3 reaches an AEE of 2.45 at 30 FPS.", SENTENCES)


@pytest.mark.parametrize("sentence", [
    "On the Sintel final pass, FlowNet3 reaches an EPE of 2.45 at 30 FPS.",
    "FlowNet3 reaches 2.45 EPE on the Sintel final pass.",
    "On the Sintel final pass, FlowNet3 reaches an error of 2.45 at 30 FPS.",  # the label dropped, no other given
])  # fmt: skip
def test_a_figure_with_its_own_label_stands(sentence: str) -> None:
    assert swapped_label(sentence, SENTENCES) is None


@pytest.mark.parametrize(("sentence", "expected"), [
    ("In the user study, RAFT-Lite was judged sharper and more stable than FlowNet3 [@flow].", "contradicted"),
    ("Like warping methods, FlowNet3 still needs a refinement stage [@flow].", "contradicted"),
    ("FlowNet3 becomes less sample-efficient as its models grow [@flow].", "contradicted"),
    ("FlowNet3 uses a 3D cost volume with a light decoder [@flow].", "contradicted"),
    ("On the Sintel final pass, FlowNet3 reaches an AEE of 2.45 at 30 FPS [@flow].", "contradicted"),
    ("In the user study, FlowNet3 was judged sharper and more stable than RAFT-Lite [@flow].", "supported"),
    ("Unlike warping methods, FlowNet3 needs no refinement stage [@flow].", "supported"),
])  # fmt: skip
def test_the_audit_calls_a_turned_statement_contradicted(sentence: str, expected: str, embedder) -> None:
    from rag_answer.audit import audit
    from rag_answer.entries import Entry, Origin, SourceSet

    entry = Entry(id="flow", kind="paper", title=TITLE, paper_url="https://arxiv.org/abs/2101.00002", github_url=None,
                  summary=SUMMARY + " " + " ".join(SENTENCES[2:3]), origin=Origin(path="inline", line=1))  # fmt: skip
    source = SourceSet(source_id="inline", path="inline", question=None, entries=(entry,))
    report = audit(sentence + "\n", source, embedder=embedder)
    assert [claim.verdict for claim in report.claims] == [expected], report.claims[0].reason
