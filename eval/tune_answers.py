"""Does a part's evidence give what the part asks for? The judge's P(yes) (LlmJudge.answers) for every answer
sentence of a run, against the labels' unanswered parts: tuned on the dev split, reported on the test split.

A part counts as truly open when the labels' `unanswered` list names it (eval/fields/gaps.py matches the part to
the labels' asks by the embedder). A part of the answer is said to be open when no sentence written for it
reaches the threshold; the sweep shows, per threshold, the open parts found and the answered parts called open.

    python eval/tune_answers.py --split dev     # P(yes) per sentence of the dev run, a sweep, writes JSON
    python eval/tune_answers.py --split test    # the same on the test run (nothing tuned on it)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.fields.gaps import labelled_parts, open_counts  # noqa: E402
from eval.fields.split import code_version, prompt_files  # noqa: E402
from rag_answer.audit.judge import LlmJudge  # noqa: E402
from rag_answer.audit.sentences import claim_text, split_plain  # noqa: E402
from rag_answer.citations import GAP_PHRASE  # noqa: E402
from rag_answer.embedder import get_embedder  # noqa: E402
from rag_answer.llm import load_generator  # noqa: E402
from rag_answer.settings import Settings  # noqa: E402

OUT = ROOT / "eval" / "results" / "answers"
_MARKED = re.compile(r"\[@([a-z0-9-]+)\]")


def part_rows(path: Path, result: dict, judge: LlmJudge, embedder) -> list[dict]:
    source, parts, opens = labelled_parts(path, embedder)
    entries = {entry.id: entry for entry in source.entries}
    # a part's lead ("**How do they work?** ...") is the question's, not a sentence to judge
    paragraphs = [re.sub(r"^\*\*[^*\n]+\*\* ", "", p) for p in result["sections"]["answer"].split("\n\n") if p.strip()]
    rows = []
    for n, (part, is_open, paragraph) in enumerate(zip(parts, opens, paragraphs, strict=False)):
        # the audit's sentence split: a stop inside "15.5B" or "e.g." ends nothing (a regex on "." had judged
        # fragments such as "83 on code-to-documentation generation")
        pieces = [paragraph[a:b].strip() for a, b in split_plain(paragraph)]
        sentences = [(piece, m.group(1)) for piece in pieces if (m := _MARKED.search(piece))]
        sentences = [(s, i) for s, i in sentences if i in entries and not s.startswith("The recommended model")]
        p_yes = [round(judge.answers(part, claim_text(s), entries[i]), 4) for s, i in sentences]  # as the answer path
        rows.append({"file": path.name, "part": n, "text": part, "open": is_open, "gap_said": GAP_PHRASE in paragraph,
                     "sentences": [s for s, _ in sentences], "p_yes": p_yes})  # fmt: skip
        print(path.name[:3], n, is_open, p_yes, part[:60], flush=True)
    return rows


def sweep(rows: list[dict], threshold: float) -> dict[str, object]:
    judged = [r for r in rows if r["p_yes"]]
    said_open = [r for r in judged if max(r["p_yes"]) < threshold]
    return {"threshold": threshold, **open_counts(judged, said_open)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--run", type=Path, help="the run's folder of answers (default: the split's committed run)")
    args = parser.parse_args()
    settings = Settings(model=args.model, threads=args.threads)
    judge, embedder = LlmJudge(load_generator(settings)), get_embedder()
    run = args.run or ROOT / "eval" / "results" / "fields" / args.split / f"rag-{args.model}"
    rows = []
    for path in prompt_files(args.split):
        result = json.loads((run / f"{path.stem}.json").read_text("utf-8"))
        if not result.get("refused"):
            rows += part_rows(path, result, judge, embedder)
    table = [sweep(rows, t / 100) for t in range(10, 91, 5)]
    summary = {"split": args.split, "model": args.model, "code": code_version(), "rows": rows, "sweep": table}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.split}-{args.model}.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    for row in table:
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
