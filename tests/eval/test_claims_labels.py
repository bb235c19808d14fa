"""Scoring the labelled checker decisions: a false alarm needs every labeller to call the removed sentence supported."""

from __future__ import annotations

from eval.claims_labels import _items, score_labels


def test_false_alarms_and_missed_errors_need_every_labeller() -> None:
    key = {"c1": {"decision": "removed before showing"}, "c2": {"decision": "misattributed"},
           "c3": {"decision": "supported"}, "c4": {"decision": "supported"}}  # fmt: skip
    labels = {
        "a": {"c1": {"supported": True}, "c2": {"supported": True}, "c3": {"supported": False}, "c4": {"supported": True}},
        "b": {"c1": {"supported": True}, "c2": {"supported": False}, "c3": {"supported": False}, "c4": {"supported": True}},
    }
    result = score_labels(key, labels)
    assert (result["false_alarms"], result["alarms_disputed"]) == (1, 1)
    assert (result["missed_errors"], result["kept_disputed"]) == (1, 0)
    assert result["agreement"] == "3/4"


def test_a_quoted_repair_becomes_an_item_with_its_entry() -> None:
    row = {"repairs": ["removed the answer sentence for [@aod-net] (unsupported: judge p=0.41): 'AOD-Net does X.'",
                       "dropped line 7 (link x): y"],
           "claims": [{"text": "FFA-Net does Y.", "verdict": "supported", "entry": "ffa-net"}]}  # fmt: skip
    alarms, kept = _items(row)
    assert [(a["entry"], a["text"]) for a in alarms] == [("aod-net", "AOD-Net does X.")]
    assert [k["entry"] for k in kept] == ["ffa-net"]
