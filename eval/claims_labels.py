"""Labelling the claim checker on real answers (issue #27): every sentence it removed or flagged in the test split's
final answers, and an equal seeded random sample of the sentences it kept, each next to the entry it cites, for
two labellers who do not see what the checker decided.

    python eval/claims_labels.py packet    # eval/claims_labels/packet.md + key.json (the checker's decisions)
    python eval/claims_labels.py score     # eval/claims_labels/labels/*.json -> eval/results/claims/real_answers.json

A labeller writes eval/claims_labels/labels/NAME.json: {"item id": {"supported": true|false, "note": "..."}}.
supported = every fact in the sentence is stated by the cited entry (its title or summary). A removal or flag
labelled supported is a false alarm; a kept sentence labelled unsupported is a missed error.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag_answer.sources import load_source  # noqa: E402

ANSWERS = ROOT / "eval" / "results" / "fields" / "test" / "rag-qwen2.5-coder-1.5b"
PROMPTS = ROOT / "eval" / "fields" / "prompts"
FOLDER = ROOT / "eval" / "claims_labels"
OUT = ROOT / "eval" / "results" / "claims" / "real_answers.json"
SEED = 27
FLAGGED = ("misattributed", "contradicted", "unsupported")
_REPAIR = re.compile(r"^(?:removed|replaced) the (?:answer sentence|description) (?:for|of) \[@(?P<id>[a-z0-9-]+)\] "
                     r"\((?P<reason>.*?)\)(?: by its entry's own sentence)?(?:: (?P<quoted>'.*'|\".*\"))$",
                     re.DOTALL)  # fmt: skip


def _items(row: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(what the checker removed or flagged, what it kept), each item: sentence, cited entry, decision."""
    alarms, kept = [], []
    for repair in row.get("repairs", []):
        if match := _REPAIR.match(repair):
            alarms.append({"text": ast.literal_eval(match.group("quoted")), "entry": match.group("id"),
                           "decision": "removed before showing", "reason": match.group("reason")})  # fmt: skip
    for claim in row.get("claims", []):
        if claim["entry"] is None:
            continue
        item = {"text": claim["text"], "entry": claim["entry"], "decision": claim["verdict"], "reason": ""}
        (alarms if claim["verdict"] in FLAGGED else kept).append(item)
    return alarms, kept


def make_packet() -> None:
    rng = random.Random(SEED)  # noqa: S311 (a fixed sample, not a secret)
    alarms, kept = [], []
    for path in sorted(ANSWERS.glob("f*.json")):
        row = json.loads(path.read_text("utf-8"))
        found, fine = _items(row)
        for item in found + fine:
            item["file"] = row["file"]
        alarms += found
        kept += fine
    sample = rng.sample(kept, min(len(kept), max(len(alarms), 12)))
    items = alarms + sample
    rng.shuffle(items)
    key, parts = {}, ["# Claim labelling packet", "",
                      "For each item: is EVERY fact in the sentence stated by the cited entry (its title or summary)? "
                      "Answer supported: true or false. Ignore the [@...] marker itself and wording; judge facts.", ""]
    for number, item in enumerate(items, start=1):
        item_id = f"c{number:03d}"
        key[item_id] = item
        entry = next(e for e in load_source(PROMPTS / item["file"]).entries if e.id == item["entry"])
        summary = entry.summary.strip() or "(none: the entry supplies only its name)"
        parts += [f"## {item_id}", "", f"Sentence: {item['text']}", "", f"Cited entry: {entry.title} ({entry.kind})",
                  "", f"Entry summary: {summary}", ""]  # fmt: skip
    FOLDER.mkdir(parents=True, exist_ok=True)
    (FOLDER / "packet.md").write_text("\n".join(parts), "utf-8")
    (FOLDER / "key.json").write_text(json.dumps(key, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(items)} items ({len(alarms)} removed or flagged, {len(sample)} kept) -> eval/claims_labels/")


def score_labels(key: dict[str, dict[str, Any]], labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """False alarms: removed/flagged items every labeller calls supported; missed errors: kept items every labeller
    calls unsupported; items the labellers disagree on are counted apart."""
    alarmed = [i for i, item in key.items() if item["decision"] not in ("supported", "weak")]
    kept = [i for i in key if i not in alarmed]

    def verdicts(item_id: str) -> set[bool]:
        return {bool(labels[name][item_id]["supported"]) for name in labels}

    agree = sum(len(verdicts(i)) == 1 for i in key)
    return {"labellers": sorted(labels), "items": len(key), "agreement": f"{agree}/{len(key)}",
            "removed_or_flagged": len(alarmed),
            "false_alarms": sum(verdicts(i) == {True} for i in alarmed),
            "alarms_disputed": sum(len(verdicts(i)) == 2 for i in alarmed),
            "kept_sampled": len(kept), "missed_errors": sum(verdicts(i) == {False} for i in kept),
            "kept_disputed": sum(len(verdicts(i)) == 2 for i in kept)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("verb", choices=["packet", "score"])
    args = parser.parse_args()
    if args.verb == "packet":
        make_packet()
        return 0
    key = json.loads((FOLDER / "key.json").read_text("utf-8"))
    labels = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted((FOLDER / "labels").glob("*.json"))}
    result = score_labels(key, labels)
    OUT.write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
