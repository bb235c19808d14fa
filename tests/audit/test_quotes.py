"""A claim that is the cited entry's own sentence, turned to the third person, needs no judge; a sentence that
only borrows its words (another subject, a limitation of earlier work, a changed figure) is not a quote."""

from __future__ import annotations

import pytest

from rag_answer.audit.quotes import is_quote
from rag_answer.entries import Entry, Origin

DINO = Entry(
    "grounding-dino", "paper", "Grounding DINO: Marrying DINO with Grounded Pre-Training for Open-Set Object Detection",
    "http://arxiv.org/pdf/2303.05499v4.pdf", None,
    "In this paper, we present an open-set object detector, called Grounding DINO, by marrying the Transformer-based "
    "detector DINO with grounded pre-training. Existing detectors require large labelled datasets and cannot detect "
    "novel categories at all. Grounding DINO achieves a 52.5 AP on the COCO detection zero-shot transfer benchmark, "
    "outperforming GLIP by more than 3 AP. It sets a new record on the ODinW zero-shot benchmark with a mean 26.1 AP.",
    Origin("f", 1),
)  # fmt: skip


@pytest.mark.parametrize(
    ("claim", "quoted"),
    [
        ("Grounding DINO presents an open-set object detector, called Grounding DINO, by marrying the "
         "Transformer-based detector DINO with grounded pre-training", True),  # "we present", the opener dropped
        ("Grounding DINO sets a new record on the ODinW zero-shot benchmark with a mean 26.1 AP", True),  # "It sets"
        ("Grounding DINO achieves a 52.5 AP on the COCO detection zero-shot transfer benchmark", True),  # a run of it
        ("GLIP achieves a 52.5 AP on the COCO detection zero-shot transfer benchmark", False),  # another subject
        ("Grounding DINO achieves a 62.5 AP on the COCO detection zero-shot transfer benchmark", False),  # a figure
        ("Grounding DINO requires large labelled datasets and cannot detect novel categories at all", False),
        ("Grounding DINO achieves a 52.5 AP", False),  # too short to call a quote
    ],
)  # fmt: skip
def test_only_the_entrys_own_sentence_about_itself_is_a_quote(claim: str, quoted: bool) -> None:
    assert is_quote(claim, DINO) is quoted


@pytest.mark.parametrize(
    ("claim", "titled"),
    [
        ("Grounding DINO: Marrying DINO with Grounded Pre-Training for Open-Set Object Detection", True),
        ("Grounding DINO (DINO) for Open-Set Object Detection", True),  # a short form the entry writes, in brackets
        ("Grounding DINO (GD) for Open-Set Object Detection", False),  # one it never writes
        ("Grounding DINO for Closed-Set Object Detection", False),  # a word not in the title
        ("Grounding DINO detects objects", False),
        ("Object Detection", False),  # too short to say what the entry is
    ],
)
def test_a_claim_in_the_titles_own_words_is_the_entrys_own_words(claim: str, titled: bool) -> None:
    """A part-4 item that is the title ("Feature Fusion Attention Network (FFA-Net) for Single Image Dehazing",
    test f02) needs no judge."""
    assert is_quote(claim, DINO) is titled
