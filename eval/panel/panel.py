"""The blind panel: readers who did not write the code compare three answers per test-split prompt file (rag-answer,
the LangChain chain on the same GGUF, a general chat assistant with no tools), without knowing which is which,
and score each by ../shared/rubric.md.

    python eval/panel/panel.py packets     # eval/panel/packets/fNN.md (answers as A/B/C, seeded order) + key.json
    python eval/panel/panel.py score       # eval/panel/verdicts/*.json + key.json -> eval/results/panel/summary.json

A reader writes eval/panel/verdicts/READER.json: {"fNN": {"A": {scores}, "B": {...}, "C": {...},
"preference": ["B", "A", "C"], "notes": "..."}}, scores as in SCORE_KEYS (directness, coverage, clarity 0-3;
unsupported, misattributions, fabricated, unsupplied_links counts; honest_about_gaps true/false).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PANEL = ROOT / "eval" / "panel"
RESULTS = ROOT / "eval" / "results"
PROMPTS = ROOT / "eval" / "fields" / "prompts"
SYSTEMS = {
    "rag-answer": RESULTS / "fields" / "test" / "rag-qwen2.5-coder-1.5b",
    "langchain": RESULTS / "fields" / "test" / "langchain-qwen2.5-coder-1.5b",
    "chat-assistant": PANEL / "chat_assistant",
}
SCALES = ("directness", "coverage", "clarity")
COUNTS = ("unsupported", "misattributions", "fabricated", "unsupplied_links")
SCORE_KEYS = (*SCALES, *COUNTS, "honest_about_gaps")
SEED = 20261210  # a new order each round (rounds 1 and 2: 20261206; round 3: 20261208; round 4: 20261209)


def _answer(system: str, prompt: Path) -> str:
    folder = SYSTEMS[system]
    if system == "chat-assistant":
        return (folder / f"{prompt.name[:3]}.md").read_text("utf-8").strip()
    return json.loads((folder / f"{prompt.stem}.json").read_text("utf-8"))["answer"].strip()


def test_prompts() -> list[Path]:
    return [path for path in sorted(PROMPTS.glob("f*.txt")) if int(path.name[1:3]) % 2 == 0]


def make_packets() -> None:
    key: dict[str, dict[str, str]] = {}
    (PANEL / "packets").mkdir(parents=True, exist_ok=True)
    for prompt in test_prompts():
        if not (SYSTEMS["rag-answer"] / f"{prompt.stem}.json").is_file():
            continue  # not answered at the run's commit (yet): the summary says how many files were judged
        systems = list(SYSTEMS)
        random.Random(f"{SEED}:{prompt.name}").shuffle(systems)  # noqa: S311 (a fixed, seeded order)
        letters = dict(zip("ABC", systems, strict=True))
        key[prompt.name[:3]] = letters
        parts = [f"# {prompt.name[:3]}", "", "## The prompt file (the only sources an answer may use)", "", "````text",
                 prompt.read_text("utf-8").strip(), "````", ""]  # fmt: skip
        for letter, system in letters.items():
            parts += [f"## Answer {letter}", "", "````markdown", _answer(system, prompt), "````", ""]
        (PANEL / "packets" / f"{prompt.name[:3]}.md").write_text("\n".join(parts), "utf-8")
    (PANEL / "key.json").write_text(json.dumps(key, indent=1) + "\n", "utf-8")
    print(f"wrote {len(key)} packets to eval/panel/packets/ and the key to eval/panel/key.json")


def _check(reader: str, verdicts: dict[str, Any], key: dict[str, dict[str, str]]) -> None:
    for file, row in verdicts.items():
        assert file in key, f"{reader}: unknown file {file}"
        assert sorted(row["preference"]) == ["A", "B", "C"], f"{reader} {file}: preference must rank A, B, C"
        for letter in "ABC":
            missing = [name for name in SCORE_KEYS if name not in row[letter]]
            assert not missing, f"{reader} {file} {letter}: missing {missing}"


def summarize(key: dict[str, dict[str, str]], readers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    per_system: dict[str, dict[str, list[Any]]] = {s: {k: [] for k in SCORE_KEYS} for s in SYSTEMS}
    beats: dict[str, list[bool]] = {"langchain": [], "chat-assistant": []}
    for verdicts in readers.values():
        for file, row in verdicts.items():
            letters = key[file]
            for letter, system in letters.items():
                for name in SCORE_KEYS:
                    per_system[system][name].append(row[letter][name])
            rank = {letters[letter]: place for place, letter in enumerate(row["preference"])}
            for other in beats:
                beats[other].append(rank["rag-answer"] < rank[other])
    table = {}
    for system, scores in per_system.items():
        table[system] = {name: round(statistics.mean(scores[name]), 2) for name in SCALES}
        table[system] |= {name: sum(scores[name]) for name in COUNTS}
        honest = sum(map(bool, scores["honest_about_gaps"]))
        table[system]["honest_about_gaps"] = f"{honest}/{len(scores['directness'])}"
    return {"readers": sorted(readers), "files": len(key), "judgements": len(beats["langchain"]), "systems": table,
            "rag_preferred": {other: f"{sum(won)}/{len(won)}" for other, won in beats.items()},
            "rag_preferred_share": {other: round(sum(won) / len(won), 3) for other, won in beats.items() if won},
            }  # fmt: skip


def score() -> dict[str, Any]:
    key = json.loads((PANEL / "key.json").read_text("utf-8"))
    readers = {path.stem: json.loads(path.read_text("utf-8")) for path in sorted((PANEL / "verdicts").glob("*.json"))}
    for reader, verdicts in readers.items():
        _check(reader, verdicts, key)
    summary = summarize(key, readers)
    (RESULTS / "panel").mkdir(parents=True, exist_ok=True)
    (RESULTS / "panel" / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    print(json.dumps(summary, indent=1))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("verb", choices=["packets", "score"])
    args = parser.parse_args()
    if args.verb == "packets":
        make_packets()
    else:
        score()
    return 0


if __name__ == "__main__":
    sys.exit(main())
