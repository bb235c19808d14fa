"""Seconds per answer: this working tree against an earlier revision (default: the last landed commit before
the per-entry pipeline) and against the LangChain chain (eval/langchain_baseline.py: FAISS +
HuggingFaceEmbeddings + LlamaCpp, same GGUF, threads and output budget), as cold processes, interleaved (old,
new, LangChain, old, new, LangChain ...) on the same prompt files, presets, threads and seed. Also the share of
each new answer spent in the claim check (timings.check_s / timings.total_s) and the tokens each side generated.

    python bench/answer_speed.py [--baseline 24ebb73] [--presets qwen2.5-coder-1.5b,qwen2.5-coder-0.5b]
Writes bench/results/answer_speed.json; `python bench/make_benchmarks.py` renders its BENCHMARKS.md section.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


OUT = ROOT / "bench" / "results" / "answer_speed.json"
TITLE = "## Seconds per answer (bench/answer_speed.py)"
FILES = [
    "examples/000_54cb972efbc5016b.txt",
    "eval/fields/prompts/f02_image-dehazing.txt",
]


def run_ask(code_dir: Path, prompt: Path, preset: str, threads: int, models: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-home-") as home:
        (Path(home) / "models").symlink_to(models)  # assembled GGUFs only: no index, no prompt state
        env = dict(os.environ, RAG_ANSWER_HOME=home, RAG_ANSWER_MODEL=preset, RAG_ANSWER_THREADS=str(threads),
                   RAG_ANSWER_SEED="0", RAG_ANSWER_TEMPERATURE="0", PYTHONPATH=str(code_dir))  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "rag_answer", "ask", "--prompt", str(prompt), "--json", "--quiet"],
                              cwd=code_dir, env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
        wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{code_dir}: ask failed on {prompt}: {done.stderr.strip()[-300:]}")
    data = json.loads(done.stdout)
    return {"wall_s": round(wall, 2), "total_s": data["timings"].get("total_s"), "check_s": data["timings"].get(
        "check_s", data["timings"].get("audit_s")), "generated_tokens": data["generation"]["generated_tokens"]}


def run_langchain(prompt: Path, preset: str, threads: int, models: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-home-") as home:
        (Path(home) / "models").symlink_to(models)
        env = dict(os.environ, RAG_ANSWER_HOME=home, RAG_ANSWER_SEED="0", PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "eval/langchain_baseline.py", "--prompt", str(prompt), "--model", preset,
                               "--threads", str(threads)], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=1800)  # fmt: skip
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"LangChain chain failed on {prompt}: {done.stderr.strip()[-300:]}")
    return {"wall_s": round(wall, 2), "generated_tokens": _token_count(done.stdout.strip(), preset, models)}


def _token_count(text: str, preset: str, models: Path) -> int:
    """Tokens of the chain's answer in the GGUF's own vocabulary (LlamaCpp's stream does not report a count)."""
    return len(_vocabulary(preset, models).tokenize(text.encode("utf-8"), add_bos=False))


@functools.cache
def _vocabulary(preset: str, models: Path) -> Any:
    """The preset's tokenizer alone (vocab_only), loaded once per run rather than once per answer."""
    from llama_cpp import Llama

    from rag_answer.llm import resolve_model

    return Llama(model_path=str(resolve_model(preset, models).path), vocab_only=True, verbose=False)


def render_markdown(data: dict) -> str:
    """The "## Seconds per answer" section of BENCHMARKS.md from bench/results/answer_speed.json."""
    lines = [TITLE, "", f"Command: `python bench/answer_speed.py` (working tree at {data['commit']} against "
             f"{data['baseline']}, {data['threads']} threads, {data['date']}). Each answer is a cold `rag-answer ask "
             "--prompt FILE --json` process with a fresh home (no index, no prompt state), old and new interleaved. "
             "The LangChain chain (`eval/langchain_baseline.py`) runs as a cold process on the same GGUF, threads "
             "and output budget (600 tokens). Raw rows: `bench/results/answer_speed.json`.", "",
             "| preset | baseline median s | new median s | new / baseline | LangChain median s | LangChain / new | "
             "claim check share of new (median) | tokens generated (baseline / new / LangChain, median) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for preset in dict.fromkeys(r["preset"] for r in data["rows"]):
        old = [r for r in data["rows"] if r["preset"] == preset and r["version"] == "baseline"]
        new = [r for r in data["rows"] if r["preset"] == preset and r["version"] == "new"]
        chain = [r for r in data["rows"] if r["preset"] == preset and r["version"] == "langchain"]
        share = median(r["check_s"] / r["total_s"] for r in new if r["total_s"])
        before, after = median(r["wall_s"] for r in old), median(r["wall_s"] for r in new)
        tokens = " / ".join(f"{median(r['generated_tokens'] for r in rows):.0f}" if rows else "-"
                            for rows in (old, new, chain))  # fmt: skip
        lc_s = median(r["wall_s"] for r in chain) if chain else None
        lc = f"{lc_s:.1f} | {lc_s / after:.2f}x" if lc_s else "- | -"
        row = f"| {preset} | {before:.1f} | {after:.1f} | {after / before:.2f}x | {lc} | {share:.0%} | {tokens} |"
        lines.append(row)
    lines += ["", "Files: " + ", ".join(f"`{name}`" for name in FILES) + "."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="24ebb73")
    parser.add_argument("--presets", default="qwen2.5-coder-1.5b,qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--render-only", action="store_true")
    args = parser.parse_args()
    if not args.render_only:
        from rag_answer.settings import load_settings

        models = load_settings().models_dir
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        with tempfile.TemporaryDirectory(prefix="bench-baseline-") as work:
            old = Path(work) / "old"
            subprocess.run(["git", "worktree", "add", "--detach", str(old), args.baseline], cwd=ROOT, check=True,
                           capture_output=True)  # fmt: skip
            try:
                rows = []
                for preset in args.presets.split(","):
                    for name in FILES:
                        for version, code in (("baseline", old), ("new", ROOT), ("langchain", None)):
                            measured = run_ask(code, ROOT / name, preset, args.threads, models) if code else \
                                run_langchain(ROOT / name, preset, args.threads, models)
                            row = {"preset": preset, "file": name, "version": version, **measured}
                            print(json.dumps(row), flush=True)
                            rows.append(row)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps({"commit": commit.stdout.strip(), "baseline": args.baseline,
                                   "threads": args.threads, "date": datetime.now(UTC).isoformat(timespec="seconds"),
                                   "rows": rows}, indent=1) + "\n", "utf-8")  # fmt: skip
    print(render_markdown(json.loads(OUT.read_text("utf-8"))))
    print("render BENCHMARKS.md with: python bench/make_benchmarks.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
