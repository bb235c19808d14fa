"""Before a part is said to be left open, do the entries' own sentences give what it asks? For every part of every
question of a split: the supplied summaries' sentences nearest to the part (MiniLM cosine), each judged by the
part judge (LlmJudge.answers, as the answer path asks it), against the labels' unanswered parts. Combined with
eval/tune_answers.py's rows (the judge's P for the sentences an answer showed), a sweep over the cut and the
number of sentences judged shows the open parts still found and the answered parts still called open.

    python eval/tune_spans.py --split dev     # tuned on it
    python eval/tune_spans.py --split test    # reported, nothing tuned on it
    python eval/tune_spans.py --split dev --reuse   # the sweep again, after tune_answers.py ran again
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.fields.gaps import labelled_parts, open_counts  # noqa: E402
from eval.fields.split import code_version, prompt_files  # noqa: E402
from rag_answer.answer.stages import span_candidates  # noqa: E402
from rag_answer.audit.judge import LlmJudge  # noqa: E402
from rag_answer.embedder import get_embedder  # noqa: E402
from rag_answer.llm import load_generator  # noqa: E402
from rag_answer.settings import Settings  # noqa: E402

OUT = ROOT / "eval" / "results" / "answers"
MOST = 4  # sentences judged per part, at most (the sweep tries 1..MOST)


def part_rows(path: Path, judge: LlmJudge, embedder) -> list[dict]:
    source, parts, opens = labelled_parts(path, embedder)
    rows = []
    for n, (part, is_open) in enumerate(zip(parts, opens, strict=True)):
        found = span_candidates(part, source.entries, embedder, most=MOST)
        judged = [{"entry": entry.id, "text": text, "cosine": round(cosine, 4),
                   "p_yes": round(judge.answers(part, text, entry), 4)} for entry, text, cosine in found]  # fmt: skip
        rows.append({"file": path.name, "part": n, "text": part, "open": is_open, "spans": judged})
        print(path.name[:3], n, rows[-1]["open"], [c["p_yes"] for c in judged], part[:60], flush=True)
    return rows


def sweep(
    rows: list[dict], shown: dict[tuple[str, int], list[float]], cut: float, most: int, margin: float = 0.0
) -> dict[str, object]:
    """A part is said open when no shown sentence reaches `cut` and none of its `most` nearest spans reaches
    `cut + margin` (a span that turns an open part into an answered one needs the margin); parts an answer showed
    no sentence for count too (the spans alone decide)."""
    said_open = [r for r in rows if max(shown.get((r["file"], r["part"]), []), default=0.0) < cut
                 and max((c["p_yes"] for c in r["spans"][:most]), default=0.0) < cut + margin]  # fmt: skip
    return {"cut": cut, "spans": most, "margin": margin, **open_counts(rows, said_open)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="sweep the rows judged before (after tune_answers.py)")
    args = parser.parse_args()
    target = OUT / f"spans-{args.split}-{args.model}.json"
    judged_at = code_version()
    if args.reuse:  # the rows keep the commit they were judged at
        before = json.loads(target.read_text("utf-8"))
        rows, judged_at = before["rows"], before.get("judged_at", before["code"])
    else:
        settings = Settings(model=args.model, threads=args.threads)
        judge, embedder = LlmJudge(load_generator(settings)), get_embedder()
        rows = [row for path in prompt_files(args.split) for row in part_rows(path, judge, embedder)]
    answers = OUT / f"{args.split}-{args.model}.json"  # eval/tune_answers.py: P for the sentences shown
    shown = {(r["file"], r["part"]): r["p_yes"] for r in json.loads(answers.read_text("utf-8"))["rows"]}
    table = [sweep(rows, shown, cut / 100, most, margin / 100) for cut in range(40, 81, 5)
             for most in range(0, MOST + 1) for margin in (0, 10)]  # fmt: skip
    summary = {"split": args.split, "model": args.model, "code": code_version(), "judged_at": judged_at, "rows": rows,
               "sweep": table}  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    for row in table:
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
