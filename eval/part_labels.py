"""Does each sentence shown under a part of the question give what that part asks? Labels written by readers who
never see the judge's P(answers), for choosing (dev) and checking (test) when a sentence is off its part.

The blind panel (round 4) read facts "filed under the wrong part" in most answers: "LIMA tends to generalize well
to unseen tasks" under "where do the instruction examples come from?", Zero-DCE's curve estimation under "what
images are they trained on?". Each was shown because the part judge gave it P(answers) >= ANSWERS (0.55).

    python eval/part_labels.py packet --split dev   # eval/part_labels/dev/{packet.md,key.json}
    (readers write eval/part_labels/dev/labels/<reader>.json: {"s001": "yes" | "partly" | "no", ...})
    python eval/part_labels.py score --split dev    # agreement and a sweep of cuts -> eval/results/answers/
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.fields.split import prompt_files  # noqa: E402
from rag_answer.answer.parts import question_parts  # noqa: E402
from rag_answer.answer.stages import ANSWERS  # noqa: E402
from rag_answer.sources import load_source  # noqa: E402

RUNS = ROOT / "eval" / "results" / "fields"
HERE = ROOT / "eval" / "part_labels"
OUT = ROOT / "eval" / "results" / "answers"
SYSTEM = "rag-qwen2.5-coder-1.5b"
SEED = 20261207
_MARKER = re.compile(r"\s*\[@[^\]]*\]")
INSTRUCTIONS = """# Does the sentence answer its part of the question?

For each item: a user's question, ONE part of it, and one sentence an assistant showed under that part. Judge
only whether the sentence gives what that part asks for. Do not judge whether it is true (another check does
that), and do not use what you know about the field.

- "yes": it answers the part, fully or in a useful part (a figure asked for, the mechanism asked about, the data
  asked about).
- "partly": it is on the part's topic and a reader would take something from it for that part, but it does not
  answer what is asked.
- "no": it answers another part, or something else (a result, a benchmark score, a general claim) that does not
  bear on this part; a reader would call it filed under the wrong heading.

Write a JSON object {"s001": "yes", "s002": "no", ...} with every item id.
"""


def items(split: str, run: Path | None = None) -> list[dict]:
    found = []
    for path in prompt_files(split):
        result_path = (run or RUNS / split) / SYSTEM / f"{path.stem}.json"
        if not result_path.is_file():
            continue
        result = json.loads(result_path.read_text("utf-8"))
        question = " ".join((load_source(path).question or "").split())
        parts = question_parts(question) or [question]
        for n, evidence in enumerate(result["evidence"]):
            for item in evidence:
                if not item.get("checked"):
                    continue  # not shown, not judged
                found.append({"file": path.name, "question": question, "part": parts[n] if n < len(parts) else "",
                              "part_no": n, "entry": item["entry"], "text": _MARKER.sub("", item["text"]),
                              "p": item.get("answers"), "off_part": bool(item.get("off_part"))})  # fmt: skip
    return found


def packet(split: str, run: Path | None = None) -> None:
    found = items(split, run)
    random.Random(SEED).shuffle(found)  # noqa: S311 (an order for readers, not a secret)
    key, lines = {}, [INSTRUCTIONS]
    for n, item in enumerate(found, start=1):
        sid = f"s{n:03d}"
        key[sid] = item
        lines += [f"## {sid}", f"Question: {item['question']}", f"Part: {item['part']}",
                  f"Sentence: {item['text']}", ""]  # fmt: skip
    folder = HERE / split
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "packet.md").write_text("\n".join(lines), "utf-8")
    (folder / "key.json").write_text(json.dumps(key, indent=1) + "\n", "utf-8")
    print(f"{len(found)} sentences -> {folder}")


def score(split: str) -> None:
    folder = HERE / split
    key = json.loads((folder / "key.json").read_text("utf-8"))
    readers = {path.stem: json.loads(path.read_text("utf-8")) for path in sorted((folder / "labels").glob("*.json"))}
    if len(readers) < 2:
        raise SystemExit(f"{folder}/labels: two readers' labels needed, found {len(readers)}")
    names = sorted(readers)
    agree = sum(len({readers[r][sid] for r in names}) == 1 for sid in key)
    # a sentence is off its part when every reader says "no"; on it when none does
    off = {sid for sid in key if all(readers[r][sid] == "no" for r in names)}
    on = {sid for sid in key if all(readers[r][sid] != "no" for r in names)}
    rows = []
    for cut in [0.55, 0.6, 0.65, 0.7, 0.75, 0.8]:
        hidden = {sid for sid, item in key.items() if item["p"] is not None and item["p"] < cut}
        rows.append({"rule": f"P < {cut}", "off_hidden": len(hidden & off), "on_hidden": len(hidden & on)})
    below = {sid for sid, item in key.items() if item["p"] is not None and item["p"] < ANSWERS}
    for gap in [0.15, 0.2, 0.25, 0.3, 0.35]:
        hidden = _relative(key, gap)
        rows.append({"rule": f"P < best of part - {gap}", "off_hidden": len(hidden & off),
                     "on_hidden": len(hidden & on)})  # fmt: skip
        hidden |= below  # the answer's rule: below the cut, or this far below the part's best
        rows.append({"rule": f"P < {ANSWERS} or P < best of part - {gap}", "off_hidden": len(hidden & off),
                     "on_hidden": len(hidden & on)})  # fmt: skip
    shown_now = {sid for sid, item in key.items() if not item["off_part"]}
    result = {"split": split, "readers": names, "sentences": len(key), "agreement": f"{agree}/{len(key)}",
              "off_part_by_all": len(off), "on_part_by_all": len(on), "off_shown_now": len(off & shown_now),
              "on_hidden_now": len(on - shown_now), "sweep": rows,
              "off_sentences": [{"id": sid, **{k: key[sid][k] for k in ("file", "part", "text", "p")}}
                                for sid in sorted(off)]}  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"part-labels-{split}.json").write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "off_sentences"}, indent=1))


def _relative(key: dict, gap: float) -> set[str]:
    best: dict[tuple[str, int], float] = {}
    for item in key.values():
        if item["p"] is not None:
            slot = (item["file"], item["part_no"])
            best[slot] = max(best.get(slot, 0.0), item["p"])
    return {sid for sid, item in key.items()
            if item["p"] is not None and item["p"] < best[(item["file"], item["part_no"])] - gap}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["packet", "score"])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--run", type=Path, help="the run's folder (default eval/results/fields/<split>; the test "
                        "labels read the 5dd74f4 run, now eval/results/fields/archive/test-5dd74f4)")  # fmt: skip
    args = parser.parse_args()
    if args.step == "packet":
        packet(args.split, args.run)
    else:
        score(args.split)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
