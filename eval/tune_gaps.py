"""Tune GAP_COVERAGE on the dev split: a part of the question is reported as a gap when its best cosine to
every passage of the retrieved entries is below the threshold. Ground truth: the labels' "unanswered" parts.

    python eval/tune_gaps.py --split dev            # prints precision/recall per threshold
    python eval/tune_gaps.py --split dev --judge    # and, for the parts below GAP_COVERAGE, the judge's check:
                                                    # a part stays a gap only if no entry answers it (P(yes))

With --judge, writes eval/results/gaps/<split>.json: every part's cosine, truth and per-entry P(yes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.fields.gaps import open_asks, truly_unanswered  # noqa: E402
from eval.fields.split import ROOT as FIELDS  # noqa: E402
from eval.fields.split import prompt_files  # noqa: E402
from rag_answer.answer.pipeline import GAP_COVERAGE, question_parts  # noqa: E402
from rag_answer.audit.claims import entry_passages  # noqa: E402
from rag_answer.embedder import get_embedder  # noqa: E402
from rag_answer.sources import load_source  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--judge", action="store_true", help="also ask the 1.5B judge about each flagged part")
    args = parser.parse_args()
    judge = None
    if args.judge:
        from rag_answer.audit.judge import LlmJudge
        from rag_answer.llm import load_generator
        from rag_answer.settings import load_settings

        judge = LlmJudge(load_generator(load_settings(model="qwen2.5-coder-1.5b", threads=2)))
    embedder = get_embedder()
    rows = []  # (best cosine to the sources, truly unanswered)
    covers: dict[tuple[str, str], dict[str, float]] = {}
    for path in prompt_files(args.split):
        source = load_source(path)
        labels = json.loads((FIELDS / "labels" / f"{path.name[:3]}.json").read_text("utf-8"))
        parts = question_parts(source.question or "")
        if not parts:
            continue
        passages = [p for e in source.entries for p in entry_passages(e)]
        asks, unanswered = labels["asks"], labels["unanswered"]
        vectors = embedder.encode(parts + passages + asks + unanswered)
        part_v = vectors[: len(parts)]
        pass_v = vectors[len(parts) : len(parts) + len(passages)]
        ask_v = vectors[len(parts) + len(passages) : len(parts) + len(passages) + len(asks)]
        opened = open_asks(ask_v, vectors[len(parts) + len(passages) + len(asks) :])
        for i, part in enumerate(parts):
            best = float((pass_v @ part_v[i]).max())
            truth = truly_unanswered(part_v[i], ask_v, opened)
            rows.append((best, truth, path.name, part))
            if judge is not None and best < GAP_COVERAGE:
                covers[(path.name, part)] = {e.id: judge.covers(part, e) for e in source.entries if e.has_summary}
    for threshold in np.arange(0.20, 0.56, 0.025):
        flagged = [r for r in rows if r[0] < threshold]
        hits = sum(r[1] for r in flagged)
        positives = sum(r[1] for r in rows)
        print(f"{threshold:.3f} flagged {len(flagged):3d} precision {hits / max(1, len(flagged)):.2f} "
              f"recall {hits / max(1, positives):.2f} (parts {len(rows)}, unanswered {positives})")  # fmt: skip
    for r in sorted(rows)[:12]:
        print(f"{r[0]:.2f} {r[1]} {r[2]} {r[3]}")
    if covers:
        flagged = [r for r in rows if (r[2], r[3]) in covers]
        print(f"judge check of the {len(flagged)} parts below {GAP_COVERAGE}: a part stays a gap when no entry's "
              f"P(yes) reaches the cut")  # fmt: skip
        for cut in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            kept = [r for r in flagged if max(covers[(r[2], r[3])].values(), default=0.0) < cut]
            hits = sum(r[1] for r in kept)
            print(f"  cut {cut:.1f}: gaps said {len(kept):2d}, true {hits:2d}, false {len(kept) - hits:2d}")
        for r in flagged:
            print(f"  {r[1]!s:5} {max(covers[(r[2], r[3])].values(), default=0.0):.2f} {r[2]} {r[3]}")
    if judge is None:
        return 0  # the committed raw results are the judged run's
    out = ROOT / "eval" / "results" / "gaps" / f"{args.split}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    records = [{"cosine": r[0], "unanswered": r[1], "file": r[2], "part": r[3], "covers": covers.get((r[2], r[3]))}
               for r in rows]  # fmt: skip
    out.write_text(json.dumps(records, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
