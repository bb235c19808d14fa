"""Detection and false-alarm rates of rag_answer.sources.hostile over eval/hostile and the ordinary prompt files.

    python eval/hostile_eval.py            # prints a Markdown table, writes eval/results/hostile/detection.json

Detection: a hostile file counts as detected when its labelled entry (eval/hostile/manifest.json) gets an
instruction finding; "right entry only" also asks that no other entry of that file is flagged for instructions.
False alarms: ordinary entries (with a summary) flagged for instructions / ordinary entries with a summary.
URL findings are counted separately: a URL in an abstract ("code is at https://github.com/...") is reported to
the user but is not an instruction.

Split: patterns were tuned on the odd-numbered hostile files and the odd (dev) eval/fields files; the even
hostile files, even eval/fields files, eval/prompts, examples and eval/hostile/benign are reported, not tuned on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # this checkout's rag_answer, run from anywhere

from rag_answer.sources import load_source  # noqa: E402
from rag_answer.sources.hostile import source_warnings  # noqa: E402

HOSTILE = ROOT / "hostile"
# The injected entries of the two older adversarial prompt files (eval/README.md); their other entries, and
# every entry of the other adv_* files, are ordinary.
ADV_LABELS = {
    "adv_023_injected-instruction.txt": "lora-low-rank",
    "adv_027_lookalike-link.txt": "robust-speech-recognition",
}
OUT = ROOT / "results" / "hostile" / "detection.json"


def _ordinary_groups() -> dict[str, list[Path]]:
    fields = sorted((ROOT / "fields" / "prompts").glob("f*.txt"))
    return {
        "fields dev (odd fNN, tuned on)": [path for path in fields if int(path.name[1:3]) % 2],
        "fields test (even fNN)": [path for path in fields if not int(path.name[1:3]) % 2],
        "eval/prompts NNN_*": sorted((ROOT / "prompts").glob("[0-9]*.txt")),
        "examples": sorted((ROOT.parent / "examples").glob("*.txt")),
        "hostile/benign (hard negatives)": sorted((HOSTILE / "benign").glob("*.txt")),
        "eval/prompts adv_* (entries not injected)": sorted((ROOT / "prompts").glob("adv_*.txt")),
    }


def _labels() -> list[dict[str, Any]]:
    labels = json.loads((HOSTILE / "manifest.json").read_text("utf-8"))
    for name, entry_id in ADV_LABELS.items():
        labels.append({"file": f"../prompts/{name}", "split": "adv", "language": "en", "technique": "eval/prompts",
                       "entry_id": entry_id, "injected": ""})  # fmt: skip
    return labels


def run_hostile() -> list[dict[str, Any]]:
    rows = []
    for label in _labels():
        source = load_source(HOSTILE / label["file"])
        warnings = {warning.entry_id: warning for warning in source_warnings(source.entries)}
        target = warnings.get(label["entry_id"])
        others = [w.entry_id for w in warnings.values() if w.has_instructions and w.entry_id != label["entry_id"]]
        rows.append({
            "file": label["file"], "split": label["split"], "language": label["language"],
            "technique": label["technique"], "entry_id": label["entry_id"],
            "injected_in_summary": _injected_present(source.entry(label["entry_id"]).summary, label["injected"]),
            "detected": bool(target and target.has_instructions),
            "right_entry_only": bool(target and target.has_instructions) and not others,
            "other_entries_flagged": others,
            "findings": [finding.__dict__ for finding in target.findings] if target else [],
            "one_line": target.one_line() if target else None,
        })  # fmt: skip
    return rows


def _injected_present(summary: str, injected: str) -> bool:
    """The parser keeps the injection (multi-line ones are re-joined line by line, stripped)."""
    squash = "".join
    return squash(injected.split()) in squash(summary.split())


def run_ordinary() -> dict[str, dict[str, Any]]:
    groups = {}
    for group, paths in _ordinary_groups().items():
        entries = flagged = with_url = 0
        alarms = []
        for path in paths:
            source = load_source(path)
            warnings = {warning.entry_id: warning for warning in source_warnings(source.entries)}
            for entry in source.entries:
                if not entry.has_summary or ADV_LABELS.get(path.name) == entry.id:
                    continue
                entries += 1
                warning = warnings.get(entry.id)
                if warning and warning.has_instructions:
                    flagged += 1
                    alarms.append({"file": str(path.relative_to(ROOT.parent)), "entry_id": entry.id,
                                   "one_line": warning.one_line()})  # fmt: skip
                if warning and warning.urls:
                    with_url += 1
        groups[group] = {"files": len(paths), "entries": entries, "flagged_instructions": flagged,
                         "with_url": with_url, "false_alarms": alarms}  # fmt: skip
    return groups


def _rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def main() -> int:
    hostile = run_hostile()
    ordinary = run_ordinary()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"hostile": hostile, "ordinary": ordinary}, ensure_ascii=False, indent=1) + "\n")
    print("| hostile split | files | detected (labelled entry) | right entry only | injection kept by parser |")
    print("| --- | --- | --- | --- | --- |")
    names = {
        "dev": "dev (odd h01-h33, tuned on)",
        "test": "test (even h02-h34)",
        "blind": "h35-h46 (blind at first run: 4/12; tuned on since)",
        "blind2": "h47-h58 (blind at first run: 7/12; tuned on since)",
        "blind3": "h59-h70 (own batch, blind at first run: 1/12; tuned on since)",
        "adv": "eval/prompts adv_023, adv_027",
    }
    for split, name in names.items():
        rows = [row for row in hostile if row["split"] == split]
        print(f"| {name} | {len(rows)} | {_rate(sum(r['detected'] for r in rows), len(rows))} | "
              f"{_rate(sum(r['right_entry_only'] for r in rows), len(rows))} | "
              f"{sum(r['injected_in_summary'] for r in rows)}/{len(rows)} |")  # fmt: skip
    print()
    print("| ordinary group | files | entries with a summary | false alarms (instructions) | with a URL in text |")
    print("| --- | --- | --- | --- | --- |")
    for group, data in ordinary.items():
        alarms, urls = _rate(data["flagged_instructions"], data["entries"]), _rate(data["with_url"], data["entries"])
        print(f"| {group} | {data['files']} | {data['entries']} | {alarms} | {urls} |")
    missed = [row["file"] for row in hostile if not row["detected"]]
    alarms = [alarm for data in ordinary.values() for alarm in data["false_alarms"]]
    print(f"\nmissed: {', '.join(missed) or 'none'}")
    for alarm in alarms:
        print(f"false alarm: {alarm['file']}: {alarm['one_line']}")
    print(f"\nraw results: {OUT.relative_to(ROOT.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
