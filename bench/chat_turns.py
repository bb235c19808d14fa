"""Chat turns 1..N in one process: model calls, prompt tokens reused, first token and seconds per turn.

    python bench/chat_turns.py                          # the example, 0.5B preset, 5 turns
    python bench/chat_turns.py --model qwen2.5-coder-1.5b --prompt tests/data/prompts/FILE.txt

Each answer reads one entry per model call (that entry's block is the prompt prefix), plus a task call in the
full form and the claim judge's calls. Turn 1 (full form) evaluates every entry's prefix once; later turns
(short form, and follow-ups that refer back) restore those prefixes from memory and evaluate only their own
question. The prompt-state disk cache is off (state_dir=None), so turn 1 is a true cold start. Prints a
Markdown table with ratios against turn 1 of the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FOLLOW_UPS = [
    "Which supplied paper is most relevant to that, and why?",
    "And what data does it use?",
    "Which of those is evaluated on benchmarks?",
    "What would the input and the output of the workflow be?",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompt", type=Path, default=ROOT / "examples" / "000_54cb972efbc5016b.txt")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from rag_answer.chat import ChatSession
    from rag_answer.embedder import get_embedder
    from rag_answer.index_store.cache import cached_index
    from rag_answer.llm import LlamaEngine, resolve_model
    from rag_answer.settings import load_settings
    from rag_answer.sources import load_source

    settings = load_settings(model=args.model, threads=args.threads, quiet=True)
    embedder = get_embedder(settings.embedder)
    source = load_source(args.prompt)
    index = cached_index(source, embedder, settings.cache_dir, progress=False)
    model = resolve_model(settings.model, settings.models_dir)
    engine = LlamaEngine(model, threads=settings.threads, n_ctx=settings.n_ctx, seed=settings.seed, state_dir=None)
    session = ChatSession(index, embedder, engine, settings, source_nos=[0], label=str(args.prompt))
    questions = [source.question or "What is the task?", *FOLLOW_UPS]
    questions += [f"Anything else about point {n}?" for n in range(len(questions), args.turns)]

    rows = []
    for number, question in enumerate(questions[: args.turns], 1):
        started = time.perf_counter()
        exchange = session.ask(question)
        assert exchange.result is not None
        stats = exchange.result.stats
        rows.append((number, exchange.form, stats, time.perf_counter() - started))
        print(f"turn {number} ({exchange.form}): {stats.calls} calls, {stats.seconds_to_first_token:.2f}s to first "
              "token", file=sys.stderr, flush=True)  # fmt: skip

    first = rows[0][2].seconds_to_first_token
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    command = shlex.join(["python", "bench/chat_turns.py", *sys.argv[1:]])
    print(f"Command: `{command}`  ")
    print(
        f"Model {model.name}, n_ctx {settings.n_ctx}, {settings.threads} threads, {platform.machine()}, load "
        f"average at the end {load:.1f}; prompt file {args.prompt.name} ({len(source.entries)} entries, one model "
        "call per entry read)\n"
    )
    print("| turn | form | calls | prompt tokens | reused | evaluated | first token (s) | vs turn 1 | answer (s) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for number, form, stats, total in rows:
        evaluated = stats.prompt_tokens - stats.reused_tokens
        ratio = stats.seconds_to_first_token / first if first else float("nan")
        print(
            f"| {number} | {form} | {stats.calls} | {stats.prompt_tokens} | {stats.reused_tokens} | {evaluated} | "
            f"{stats.seconds_to_first_token:.2f} | {ratio:.2f}x | {total:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
