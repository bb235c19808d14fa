"""The labelled claim-checker benchmark: eval/fields/claims/*.jsonl (sentence, cited entry, label) from 44
prompt files of many fields. Each sentence is cited to its entry with a marker and audited exactly as
`rag-answer audit` does (every supplied entry of its file, claims on).

    python eval/claims_bench.py --split dev --judge none               # tune on dev
    python eval/claims_bench.py --split test --judge qwen2.5-coder-1.5b  # report on test
    python eval/claims_bench.py --split dev --judge qwen2.5-coder-1.5b --judge-cut 1.0  # every judged case asked on
                                                                    # its best passage too, for eval/claims_calibrate.py
Writes eval/results/claims/<split>-<judge>[-cutC].json (every case with its verdict) and prints the metrics.
A case with "program": true is written as program text (rag_answer.audit.spans): it must never be judged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.fields.split import ROOT as FIELDS  # noqa: E402
from eval.fields.split import code_version, split_of  # noqa: E402
from rag_answer.audit import audit  # noqa: E402
from rag_answer.audit.spans import join_segments  # noqa: E402
from rag_answer.audit.verdicts import Thresholds  # noqa: E402
from rag_answer.citations import marker  # noqa: E402
from rag_answer.sources import load_source  # noqa: E402

FLAGGED = {"misattributed", "contradicted", "unsupported"}
OUT = ROOT / "eval" / "results" / "claims"


class CachedJudge:
    """The judge's answers kept on disk, so thresholds can be re-tuned without asking the model again. A judgement
    on one passage of an entry (the boundary re-judgement) is keyed by the passage too. The first cached answer
    used is asked again once and both printed, so a stale cache (another prompt, another model) shows."""

    def __init__(self, judge, path: Path) -> None:
        self.judge, self.path = judge, path
        self.cache: dict[str, float] = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        self.full: dict[str, str] = {}  # entry id -> its whole summary
        self.checked = False
        self.cited: str | None = None  # set in calibration runs: only the cited entry is asked

    def __call__(self, claim: str, entry) -> float:
        if self.cited is not None and entry.id != self.cited:
            return 0.0  # calibration runs: another entry's judgement only names the owner, never changes a flag
        key = f"{entry.id}\t{claim}"
        if self.full.get(entry.id, entry.summary) != entry.summary:
            key = f"{entry.id}\t{hashlib.sha256(entry.summary.encode()).hexdigest()[:12]}\t{claim}"
        if key in self.cache and not self.checked:
            self.checked = True
            print(f"cache check: cached p={self.cache[key]:.4f}, asked again p={self.judge(claim, entry):.4f}",
                  file=sys.stderr)  # fmt: skip
        if key not in self.cache:
            self.cache[key] = self.judge(claim, entry)
            if len(self.cache) % 20 == 0:
                self.save()
        return self.cache[key]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_file():  # another run (the other split) may have saved answers meanwhile: keep them
            self.cache = {**json.loads(self.path.read_text("utf-8")), **self.cache}
        self.path.write_text(json.dumps(self.cache, indent=0, sort_keys=True, ensure_ascii=False), "utf-8")


def load_cases(split: str) -> list[dict]:
    cases = []
    for path in sorted((FIELDS / "claims").glob("f*.jsonl")):
        if split != "all" and split_of(path.name) != split:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if line.strip():
                case = json.loads(line)
                case["case"] = f"{path.stem}:{number}"
                cases.append(case)
    return cases


def run(cases: list[dict], judge_model: str, threads: int | None, cut: float | None = None) -> list[dict]:
    from rag_answer.embedder import get_embedder

    embedder = get_embedder()
    judge = None
    if judge_model != "none":
        from rag_answer.audit.judge import LlmJudge
        from rag_answer.llm import load_generator
        from rag_answer.settings import load_settings

        name = Path(judge_model).stem if judge_model.endswith(".gguf") else judge_model
        engine = load_generator(load_settings(model=judge_model, threads=threads))
        judge = CachedJudge(LlmJudge(engine), OUT / f"judge-cache-{name}.json")
    sources: dict[str, object] = {}
    results = []
    for case in cases:
        if case["file"] not in sources:
            sources[case["file"]] = load_source(FIELDS / "prompts" / case["file"])
        source = sources[case["file"]]
        by_title = {entry.title: entry for entry in source.entries}
        if judge is not None:
            judge.full.update({entry.id: entry.summary for entry in source.entries})
            judge.cited = by_title[case["cited"]].id if cut is not None else None
        cited = by_title[case["cited"]]
        text = f"{case['sentence'].rstrip('.')} {marker(cited.id)}.\n"
        text, spans = join_segments([(text, bool(case.get("program")))])
        thresholds = Thresholds(judge_yes=cut) if cut is not None else None
        started = time.perf_counter()
        report = audit(text, source, embedder=embedder, judge=judge, thresholds=thresholds, program_spans=spans)
        seconds = time.perf_counter() - started
        claim = report.claims[0] if report.claims else None
        results.append({
            **case,
            "verdict": claim.verdict if claim else "none",
            "reason": claim.reason if claim else "",
            "evidence_entry": claim.evidence_entry if claim else None,
            "true_source_id": by_title[case["source"]].id if case.get("source") else None,
            "judge_p": claim.judge if claim else None,
            "judge_passage": claim.judge_passage if claim else None,
            "judge_margin": claim.judge_margin if claim else None,
            "similarity": claim.similarity if claim else None,
            "seconds": round(seconds, 3),
        })  # fmt: skip
    if judge is not None:
        judge.save()
    return results


def metrics(results: list[dict]) -> dict:
    def rate(rows: list[dict]) -> float | None:
        return round(sum(r["verdict"] in FLAGGED for r in rows) / len(rows), 4) if rows else None

    altered = [r for r in results if r["label"] != "supported"]
    by_kind = {kind: rate([r for r in results if r["kind"] == kind]) for kind in sorted({r["kind"] for r in results})}
    verdict_scores = {}
    for verdict in ("supported", "misattributed", "contradicted", "unsupported"):
        predicted = [r for r in results if r["verdict"] == verdict]
        actual = [r for r in results if r["label"] == verdict]
        hits = [r for r in predicted if r["label"] == verdict]
        verdict_scores[verdict] = {
            "precision": round(len(hits) / len(predicted), 4) if predicted else None,
            "recall": round(len(hits) / len(actual), 4) if actual else None,
            "predicted": len(predicted),
            "actual": len(actual),
        }
    misattributed = [r for r in results if r["label"] == "misattributed"]
    named_right = sum(
        r["verdict"] == "misattributed" and r["evidence_entry"] == r["true_source_id"] for r in misattributed
    )
    return {
        "cases": len(results),
        "files": len({r["file"] for r in results}),
        "flagged_altered": rate(altered),
        "flagged_true_paraphrase": rate([r for r in results if r["label"] == "supported"]),
        "flagged_negation": by_kind.get("negation"),
        "flagged_by_kind": by_kind,
        "verdicts": verdict_scores,
        "misattributed_source_named": round(named_right / len(misattributed), 4) if misattributed else None,
        "confusion": {f"{label}->{verdict}": count for (label, verdict), count in
                      sorted(Counter((r["label"], r["verdict"]) for r in results).items())},
        "seconds_per_case": round(sum(r["seconds"] for r in results) / len(results), 3) if results else None,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--judge", default="none", help="'none' or a preset / GGUF path for the LLM judge")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--judge-cut", type=float, help="the judge's cut (default: Thresholds().judge_yes)")
    args = parser.parse_args()
    cases = load_cases(args.split)[: args.limit]
    commit = code_version()  # the code that runs, not the HEAD when a long run ends
    results = run(cases, args.judge, args.threads, args.judge_cut)
    summary = metrics(results)
    OUT.mkdir(parents=True, exist_ok=True)
    name = Path(args.judge).stem if args.judge.endswith(".gguf") else args.judge
    cut = "" if args.judge_cut is None else f"-cut{args.judge_cut:g}"
    out = OUT / f"{args.split}-{name}{cut}.json"
    out.write_text(json.dumps({"split": args.split, "judge": args.judge, "commit": commit, "metrics": summary,
                               "judge_cut": args.judge_cut if args.judge_cut is not None else Thresholds().judge_yes,
                               "results": results},
                              indent=1, ensure_ascii=False) + "\n", "utf-8")  # fmt: skip
    print(json.dumps({k: v for k, v in summary.items() if k != "confusion"}, indent=1))
    print(json.dumps(summary["confusion"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
