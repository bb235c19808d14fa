"""The fit of a name-only recommended model as the answer pipeline judges it: the task its name states (by rule
from the name's task words, else as read by the model where it rests on the name: name_task.from_name), then
P(yes) that this is the task asked about
(reading.judge_fit), and the embedder's cosine between that task and the question. Against the labels'
`model_fits`: tuned on the dev split, reported on the test split.

    python eval/tune_fit_states.py --split dev
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.fields.split import ROOT as FIELDS  # noqa: E402
from eval.fields.split import code_version, prompt_files  # noqa: E402
from rag_answer.answer.name_task import from_name, name_task  # noqa: E402
from rag_answer.answer.parts import question_parts  # noqa: E402
from rag_answer.answer.reading import Reading, judge_fit, read_entry  # noqa: E402
from rag_answer.embedder import get_embedder  # noqa: E402
from rag_answer.llm import load_generator  # noqa: E402
from rag_answer.settings import Settings  # noqa: E402
from rag_answer.sources import load_source  # noqa: E402

OUT = ROOT / "eval" / "results" / "fit"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = Settings(model=args.model, threads=args.threads)
    generator, embedder = load_generator(settings), get_embedder()
    rows = []
    for path in prompt_files(args.split):
        source = load_source(path)
        question = " ".join((source.question or "").split())
        fits = json.loads((FIELDS / "labels" / f"{path.name[:3]}.json").read_text("utf-8"))["model_fits"]
        for entry in (e for e in source.entries if e.kind == "model" and not e.has_summary):
            if name_task(entry.title) is None:  # the model reads the name only where the rule finds no task
                reading, _ = read_entry(generator, entry, question, settings, question_parts(question) or [question])
            else:
                reading = Reading(entry)
            from_name(reading)
            states = reading.states
            p_yes = round(judge_fit(generator, reading, question), 4) if states else None
            vectors = embedder.encode([states or entry.title, question])
            cosine = round(float(vectors[0] @ vectors[1]), 4)
            rows.append({"file": path.name, "entry": entry.title, "fits": fits, "states": states, "p_yes": p_yes,
                         "cosine": cosine})  # fmt: skip
            print(path.name[:3], fits, p_yes, cosine, entry.title[:40], "|", states, flush=True)
    result = {"split": args.split, "model": args.model, "code": code_version(), "rows": rows}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"states-{args.split}-{args.model}.json").write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
