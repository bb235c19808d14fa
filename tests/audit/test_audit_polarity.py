"""A denied need or dependence ("needs no priors", "does not depend on") restates evidence that says it without a
verb negation ("eliminating the need for", "regardless of"); the same words the other way round still contradict."""

from __future__ import annotations

import pytest

from rag_answer.audit.facts import opposed

F03 = "We design a temporal consistency loss on the temporal depth gradient, eliminating the need for additional geometric priors."
F07 = "This bottom-up system achieves high accuracy and realtime performance, regardless of the number of people in the image."


@pytest.mark.parametrize(("sentence", "evidence"), [
    ("It adds a loss on the temporal depth gradient, so it needs no extra geometric priors.", F03),
    ("Because it works bottom-up, its speed does not depend on how many people are in the image.", F07),
    # the evidence's own words ("eliminating the need for") are not a "need" said against its "without"
    ("It designs a temporal consistency loss on the temporal depth gradient, eliminating the need for additional "
     "geometric priors.", F03),
])  # fmt: skip
def test_a_denied_need_restates_the_evidence(sentence: str, evidence: str) -> None:
    assert opposed(sentence, evidence) is None


@pytest.mark.parametrize(("sentence", "evidence"), [
    ("It adds a loss on the temporal depth gradient, so it requires extra geometric priors.", F03),
    ("Its speed does not depend on how many people are in the image.", "Its speed depends on the number of people."),
])  # fmt: skip
def test_the_other_way_round_still_contradicts(sentence: str, evidence: str) -> None:
    assert opposed(sentence, evidence) is not None


def test_an_entry_statement_repeated_is_no_reversed_comparison() -> None:
    """Seen on test file f14: two words on one side of "faster than" (FastSpeech, non-autoregressive), and the
    two names of one comparison in two sentences of a passage (HiFi-GAN ... V100 GPU.), read as reversed."""
    from rag_answer.audit.facts import reversed_comparison

    fast = ("Non-autoregressive text to speech (TTS) models such as FastSpeech can synthesize speech significantly "
            "faster than previous autoregressive models with comparable quality.")
    claim = ("FastSpeech 2 is a non-autoregressive text to speech model that can synthesize speech significantly "
             "faster than previous autoregressive models.")
    assert not reversed_comparison(claim, "FastSpeech 2 " + fast, [fast])
    passage = "It runs 167.9 times faster than real-time on a single V100 GPU. We show that HiFi-GAN generalizes."
    claim = "HiFi-GAN generates samples 167.9 times faster than real-time on a single V100 GPU."
    assert not reversed_comparison(claim, "HiFi-GAN " + passage, [passage])
    # the other way round across the comparison is still caught
    stated = "Our experiments show that MusicLM outperforms Mubert in audio quality."
    assert reversed_comparison("Mubert outperforms MusicLM in audio quality.", "MusicLM " + stated, [stated])


def test_a_word_the_entry_writes_elsewhere_is_not_the_opposite_of_its_passage() -> None:
    """Claim labels round 4 (test f24): "instruction tuning improves zero-shot performance" was removed because the
    passage nearest to it, about small models, says it "hurts"; the summary says "improves" itself."""
    passage = "Instruction tuning hurts zero-shot performance on held-out tasks for models of 8B parameters and smaller."
    summary = f"Instruction tuning substantially improves zero-shot performance on unseen tasks. {passage}"
    claim = "FLAN: instruction tuning improves zero-shot performance."
    assert opposed(claim, passage) is not None
    assert opposed(claim, passage, summary) is None
    # a word the entry never writes still contradicts its passage
    assert opposed("Scaling hurts zero-shot performance.", "Scaling improves zero-shot performance.",
                   "Scaling improves zero-shot performance. Larger models are better.") is not None  # fmt: skip
