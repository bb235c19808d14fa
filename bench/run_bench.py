"""Speed benchmarks of rag-answer, each figure printed with the command or call that produced it.

    python bench/run_bench.py [--quick] [--out BENCHMARKS.md]

Writes the "## Speed (bench/run_bench.py)" and "## Default model" sections of BENCHMARKS.md (other
sections are left as they are). Everything is measured in one run on one machine, alternatives interleaved
(A, B, A, B ...), so the ratios hold even when the machine is shared and absolute times drift.

  1. end-to-end `rag-answer ask --prompt EXAMPLE` as a cold process: fresh RAG_ANSWER_HOME (no index,
     no saved prompt state) vs warm home, vs the LangChain chain (eval/langchain_baseline.py) as a process;
     wall time and peak RSS (os.wait4 rusage of the child); `rag-answer chat` piped, peak RSS;
  2. generation tokens/s: LlamaEngine.stream under the answer grammar vs raw Llama.create_completion on the
     same prompt tokens, same GGUF and threads, no grammar; both presets;
  3. time to first token: cold (prompt state written) vs warm (saved prompt state loaded from disk), both presets;
  4. index build (embedding + FAISS) and query latency on synthetic catalogs (bench/synthetic.py) and the example.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import speed_common  # noqa: E402
from speed_common import Figures, log  # noqa: E402
from speed_index import indexes  # noqa: E402
from speed_llm import first_token, generation, thread_counts  # noqa: E402
from speed_markdown import SPEED_TITLE, replace_section, speed_markdown, write_default_section  # noqa: E402
from speed_process import end_to_end  # noqa: E402

from rag_answer.atomic import atomic_write_text  # noqa: E402

SPEED_JSON = ROOT / "bench" / "speed.json"  # the last run's generation and first-token figures (for --render-only)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    quick_help = "1 repetition, no warm-up, 0.5B end-to-end, 128-token generation, indexes 10 and 1,000"
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--reps", type=int, help="repetitions of each interleaved measurement (default 2, quick 1)")
    parser.add_argument("--sizes", help="synthetic catalog sizes to build (default 10,1000,10000; quick 10,1000)")
    parser.add_argument("--threads", type=int, help="llama.cpp threads for every measurement (default: settings)")
    render_help = "re-render the Default model section from bench/speed.json and eval/summary.json"
    parser.add_argument("--render-only", action="store_true", help=render_help)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: e2e,gen,ttft,threads,index")
    args = parser.parse_args(argv)
    reps = args.reps or (1 if args.quick else 2)
    sizes = [int(s) for s in (args.sizes or ("10,1000" if args.quick else "10,1000,10000")).split(",")]
    skip = set(filter(None, args.skip.split(",")))
    speed_common.WARM_UP = not args.quick
    from rag_answer.settings import load_settings

    settings = load_settings(threads=args.threads)
    e2e_model = "qwen2.5-coder-0.5b" if args.quick else settings.model
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    header = (
        f"Produced by `python bench/run_bench.py{' --quick' if args.quick else ''}"
        f"{f' --threads {args.threads}' if args.threads else ''}` at commit "
        f"`{commit.stdout.strip()}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, "
        f"{os.cpu_count()} cores, llama.cpp threads {settings.threads}, {reps} interleaved repetitions (medians). "
        "**The machine was shared with other developers' test runs while measuring**: absolute times are "
        "inflated and noisy; the ratios (alternatives measured alternately in the same run) are the figures to read."
    )
    if args.quick:
        header += (
            " `--quick`: one repetition and no warm-up, so a single ratio can be off by 2x from load swings alone "
            "(e.g. two evaluations of the same 1003-token prompt below); rerun without `--quick` for medians."
        )
    if args.render_only:
        saved = json.loads(SPEED_JSON.read_text("utf-8"))
        write_default_section(args.out, saved["generation"], saved["first_token"])
        return 0
    figures = Figures()
    gen: dict[str, Any] = {}
    ttft: dict[str, Any] = {}
    chat = (
        shutil.which("rag-answer") is not None
        and subprocess.run(["rag-answer", "chat", "--help"], capture_output=True).returncode == 0
    )
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as temp:
        work = Path(temp)
        if "e2e" not in skip:
            log(f"== end-to-end ({e2e_model})")
            end_to_end(figures, e2e_model, reps, work, settings.models_dir, chat, settings.threads)
        if "gen" not in skip:
            log("== generation tokens/s")
            gen = generation(
                figures, reps, max_tokens=128 if args.quick else settings.max_tokens, threads=settings.threads
            )
        if "ttft" not in skip:
            log("== time to first token")
            ttft = first_token(figures, reps, work, settings.threads)
        if "threads" not in skip:
            log("== llama.cpp threads")
            thread_counts(figures, reps)
        if "index" not in skip:
            log("== indexes")
            indexes(figures, sizes, [n for n in (10_000, 100_000) if n > sizes[-1]], queries=10 if args.quick else 50)
    document = args.out.read_text("utf-8") if args.out.is_file() else "# Benchmarks\n"
    document = replace_section(document, SPEED_TITLE, speed_markdown(figures, header))
    atomic_write_text(args.out, document)
    atomic_write_text(SPEED_JSON, json.dumps({"generation": gen, "first_token": ttft}, indent=1) + "\n")
    if gen and ttft:
        write_default_section(args.out, gen, ttft)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
