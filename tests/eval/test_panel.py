"""The blind panel's arithmetic: preferences are read through the key, never by letter."""

from __future__ import annotations

from eval.panel.panel import SCORE_KEYS, summarize


def _scores(directness: int, fabricated: int) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(SCORE_KEYS, 0)
    return row | {"directness": directness, "coverage": 2, "clarity": 3, "fabricated": fabricated,
                  "honest_about_gaps": directness > 1}  # fmt: skip


def test_preferences_and_scores_follow_the_key_not_the_letters() -> None:
    key = {"f02": {"A": "rag-answer", "B": "langchain", "C": "chat-assistant"},
           "f04": {"A": "chat-assistant", "B": "rag-answer", "C": "langchain"}}  # fmt: skip
    reader = {
        "f02": {"A": _scores(3, 0), "B": _scores(1, 2), "C": _scores(2, 1), "preference": ["A", "C", "B"]},
        "f04": {"A": _scores(3, 0), "B": _scores(2, 0), "C": _scores(0, 4), "preference": ["B", "C", "A"]},
    }
    summary = summarize(key, {"r1": reader})
    assert summary["rag_preferred"] == {"langchain": "2/2", "chat-assistant": "2/2"}
    assert summary["systems"]["rag-answer"]["directness"] == 2.5
    assert summary["systems"]["langchain"]["fabricated"] == 6
    assert summary["systems"]["chat-assistant"]["honest_about_gaps"] == "2/2"
