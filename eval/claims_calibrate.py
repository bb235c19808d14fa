"""Calibrate the judge's cut on the dev split: a reliability table (the judge's predicted p, in bins, against the
labelled truth) and the flag rates at every cut, from the dev benchmark run with the judge:

    python eval/claims_bench.py --split dev --judge qwen2.5-coder-1.5b [--judge-cut C]
    python eval/claims_calibrate.py --judge qwen2.5-coder-1.5b [--run dev-qwen2.5-coder-1.5b.json]
Writes eval/results/claims/calibration-dev-<judge>.json. A sentence the deterministic checks decide keeps its
verdict at every cut. A judged one is flagged at cut c when its p on the whole entry and its p on the best
passage are both below c (the checker asks the passage only when p < c, so this is exactly what it does at c).
The run asked the passage only where p was below the run's cut: at a higher cut, a sentence with p between the
two has no passage answer and counts as flagged (an upper bound on the flags; the "exact" field says so).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.claims_bench import FLAGGED, OUT  # noqa: E402

BINS = [round(i / 10, 1) for i in range(11)]
CUTS = [round(0.05 * i, 2) for i in range(1, 20)]


def final_p(row: dict) -> float:
    passage = row.get("judge_passage")
    return row["judge_p"] if passage is None else max(row["judge_p"], passage)


def reliability(rows: list[dict], key) -> list[dict]:
    """Per bin of predicted p: how many, their mean p, and the share the labels say the entry supports."""
    table = []
    for low, high in itertools.pairwise(BINS):
        inside = [r for r in rows if low <= key(r) < high or (high == 1.0 and key(r) == 1.0)]
        true = sum(r["label"] == "supported" for r in inside)
        table.append({"bin": f"[{low:.1f}, {high:.1f}{']' if high == 1.0 else ')'}", "n": len(inside),
                      "mean_p": round(sum(key(r) for r in inside) / len(inside), 4) if inside else None,
                      "supported": true,
                      "share_supported": round(true / len(inside), 4) if inside else None})  # fmt: skip
    return table


def flagged_at(row: dict, cut: float) -> bool:
    if row.get("judge_p") is None:
        return row["verdict"] in FLAGGED
    return final_p(row) < cut  # without a passage answer (p >= the run's cut): p alone


def sweep(rows: list[dict], run_cut: float) -> list[dict]:
    altered = [r for r in rows if r["label"] != "supported"]
    true = [r for r in rows if r["label"] == "supported"]
    out = []
    for cut in CUTS:
        caught = sum(flagged_at(r, cut) for r in altered)
        alarms = sum(flagged_at(r, cut) for r in true)
        out.append({"cut": cut, "flagged_altered": round(caught / len(altered), 4),
                    "flagged_true_paraphrase": round(alarms / len(true), 4),
                    "caught": caught, "false_alarms": alarms, "exact": cut <= run_cut})  # fmt: skip
    return out


def choose(rows: list[dict]) -> dict:
    """The cut with the largest share of altered sentences caught minus the share of true ones flagged (Youden's
    J); the lowest such cut on ties, since a removal costs the reader more than a kept slip. Only cuts the run
    measured exactly."""
    exact = [row for row in rows if row["exact"]] or rows
    return max(exact, key=lambda row: (round(row["flagged_altered"] - row["flagged_true_paraphrase"], 4), -row["cut"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--judge", default="qwen2.5-coder-1.5b")
    parser.add_argument("--run", help="the benchmark run to read (default: dev-<judge>.json)")
    args = parser.parse_args()
    source = Path(args.run) if args.run and "/" in args.run else OUT / (args.run or f"dev-{args.judge}.json")
    data = json.loads(source.read_text("utf-8"))
    rows = data["results"]
    judged = [r for r in rows if r.get("judge_p") is not None]
    table = sweep(rows, data.get("judge_cut", 0.5))
    chosen = choose(table)
    result = {
        "split": "dev", "judge": args.judge, "from": source.name, "commit": data["commit"],
        "cases": len(rows), "judged": len(judged), "run_cut": data.get("judge_cut", 0.5),
        "reliability_whole_entry": reliability(judged, lambda r: r["judge_p"]),
        "reliability_after_passage": reliability(judged, final_p),
        "sweep": table, "chosen": chosen,
        "rule": "largest flagged_altered - flagged_true_paraphrase over exactly measured cuts; lowest cut on ties",
    }  # fmt: skip
    out = OUT / f"calibration-dev-{args.judge}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    for name in ("reliability_whole_entry", "reliability_after_passage"):
        print(name)
        for row in result[name]:
            print(f"  {row['bin']:<12} n={row['n']:<4} mean p={row['mean_p']}  supported={row['share_supported']}")
    for row in table:
        print(f"cut {row['cut']:.2f}: altered flagged {row['flagged_altered']:.3f}, true flagged "
              f"{row['flagged_true_paraphrase']:.3f}")  # fmt: skip
    print("chosen:", chosen)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
