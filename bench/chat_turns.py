"""Time to first token of chat turns 1..N in one process: the sources prefix is evaluated once per session.

    python bench/chat_turns.py                          # the example, 0.5B preset, 5 turns
    python bench/chat_turns.py --model qwen2.5-coder-1.5b --prompt tests/data/prompts/FILE.txt

Turn 1 evaluates the whole prompt (instructions + sources + question); later turns reuse the KV cache and
evaluate only the new turn. The prompt-state disk cache is off (state_dir=None), so turn 1 is a true cold
start. Prints a Markdown table with ratios against turn 1 of the same run.
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
    "What would the input and the output of the workflow be?",
    "Which of the supplied entries has code on GitHub?",
    "Summarize the answer in one sentence.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompt", type=Path, default=ROOT / "examples" / "000_54cb972efbc5016b.txt")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from rag_answer.chat import ChatSession
    from rag_answer.embedder import get_embedder
    from rag_answer.index_store.cache import cached_index
    from rag_answer.llm import LlamaEngine, resolve_model
    from rag_answer.settings import load_settings
    from rag_answer.sources import load_source

    settings = load_settings(model=args.model, max_tokens=args.max_tokens, threads=args.threads, quiet=True)
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
        rows.append((number, stats, time.perf_counter() - started, exchange.dropped_turns))
        print(f"turn {number}: {stats.seconds_to_first_token:.2f}s to first token", file=sys.stderr, flush=True)

    first = rows[0][1].seconds_to_first_token
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    command = shlex.join(["python", "bench/chat_turns.py", *sys.argv[1:]])
    print(f"Command: `{command}`  ")
    print(
        f"Model {model.name}, n_ctx {settings.n_ctx}, {settings.threads} threads, max_tokens {settings.max_tokens}, "
        f"{platform.machine()}, load average at the end {load:.1f}; prompt file {args.prompt.name} "
        f"({len(source.entries)} entries, all in every prompt: {session.pinned})\n"
    )
    print("| turn | prompt tokens | reused | evaluated | first token (s) | vs turn 1 | answer (s) | dropped |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for number, stats, total, dropped in rows:
        evaluated = stats.prompt_tokens - stats.reused_tokens
        ratio = stats.seconds_to_first_token / first if first else float("nan")
        print(
            f"| {number} | {stats.prompt_tokens} | {stats.reused_tokens} | {evaluated} | "
            f"{stats.seconds_to_first_token:.2f} | {ratio:.2f}x | {total:.1f} | {dropped} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
