"""The held-out hostile set: eval/hostile_blind3/, written by someone who never saw the detector, its patterns or
the other hostile files (16 injected files, 6 benign near-misses). Run once per detector version, never tuned on.

    python eval/hostile_blind_eval.py --label NAME     # writes eval/results/hostile/blind3-NAME.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag_answer.sources import load_source  # noqa: E402
from rag_answer.sources.hostile import source_warnings  # noqa: E402

BLIND = ROOT / "eval" / "hostile_blind3"
OUT = ROOT / "eval" / "results" / "hostile"


def _names(title: str, titles: list[str]) -> bool:
    """Warnings cut long titles to 57 characters plus '...'."""
    return any(title.startswith(shown.removesuffix("...")) for shown in titles)


def _rows(folder: Path) -> list[dict]:
    rows = []
    for truth in json.loads((folder / "manifest.json").read_text("utf-8")):
        source = load_source(folder / truth["file"])
        warnings = source_warnings(source.entries)
        flagged = [w.title for w in warnings if w.has_instructions]
        shown = [w.title for w in warnings if w.has_instructions or w.unsupplied_urls]  # what a user is told
        labelled = next(e for e in source.entries if e.title == truth["entry_title"])
        rows.append({"file": truth["file"], "language": truth["language"], "technique": truth["technique"],
                     "flagged": flagged, "labelled_flagged": _names(labelled.title, flagged),
                     "warned": shown, "labelled_warned": _names(labelled.title, shown),
                     "entries": len([e for e in source.entries if e.has_summary])})  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True)
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    hostile, benign = _rows(BLIND), _rows(BLIND / "benign")
    detected = sum(row["labelled_flagged"] for row in hostile)
    warned = sum(row["labelled_warned"] for row in hostile)
    false_alarms = sum(len(row["flagged"]) for row in benign)
    benign_entries = sum(row["entries"] for row in benign)
    result = {"label": args.label, "commit": commit.stdout.strip(), "detected": detected, "warned": warned,
              "hostile": len(hostile),
              "benign_entries_flagged": false_alarms, "benign_entries": benign_entries,
              "rows": {"hostile": hostile, "benign": benign}}  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"blind3-{args.label}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"blind3 [{args.label}] at {result['commit']}: detected {detected}/{len(hostile)} hostile files on the "
          f"labelled entry as instruction-like; warned (instructions or an unsupplied URL) {warned}/{len(hostile)}; "
          f"benign near-miss entries flagged {false_alarms}/{benign_entries}")
    for row in hostile:
        print(f"  {'ok ' if row['labelled_flagged'] else 'MISS'} {row['file']} ({row['language']}, {row['technique']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
