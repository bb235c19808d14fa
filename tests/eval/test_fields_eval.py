"""The fields evaluation's own figures about stated gaps and tangential labels, read from answers as written."""

from __future__ import annotations

from eval.fields_eval import artefacts, false_gaps, relevant_tangential

F06 = "f06_open-vocabulary-detection.txt"  # its labels leave only the commercial-use part unanswered


def test_a_stated_gap_is_false_unless_the_labels_leave_its_part_unanswered(real_embedder) -> None:
    answers = [
        "**Are we allowed to use them commercially?** The supplied sources do not say.",  # true, as a part's lead
        "**How do these text-prompted detectors work?** No supplied source answers this directly. Grounding DINO ...",
        'No supplied source answers "how well do they do on categories they never saw in training" directly.',
        'The supplied sources do not say: "are we allowed to use them commercially?".',  # the one-part form, true
    ]
    assert false_gaps([{"file": F06, "answer": text} for text in answers], real_embedder) == (4, 2)


def test_a_relevant_entry_labelled_tangential_is_counted() -> None:
    answer = ("### 4. Relevant papers and tools\n- [@grounding-dino-marrying] Tangential: it answers no part of the "
              "question.\n- [@simple-open-vocabulary] OWL-ViT: open-vocabulary detection.\n")  # fmt: skip
    assert relevant_tangential({"file": F06, "answer": answer}) == (1, 1)


def test_first_person_counts_abstract_text_not_the_users_own_question() -> None:
    """The test run at bbebc04 counted "**Do we need a separate OCR step ...?**", a part's lead in the user's
    words, as first-person abstract text."""
    assert artefacts("**Do we need a separate OCR step?** No supplied source answers this directly.")[
        "first_person"] == 0  # fmt: skip
    assert artefacts("**How?** Donut: we propose an OCR-free model.")["first_person"] == 1
