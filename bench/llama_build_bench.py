"""What the portable llama.cpp build costs: tokens/s of the project's build (install.sh: AVX2/FMA/F16C, no
AVX-512, no AMX) against a native build (-march=native) of the same llama-cpp-python, on a CPU where both run.

    CMAKE_ARGS="-DGGML_NATIVE=ON" pip install --no-deps --no-cache-dir --no-binary llama-cpp-python \
        --target /tmp/llama_native llama-cpp-python==0.3.36
    python bench/llama_build_bench.py --native /tmp/llama_native [--model qwen2.5-coder-1.5b] [--rounds 3]

Each measurement is a fresh child process on one build (the native one through PYTHONPATH), interleaved
portable, native, portable, ... so both see the same machine load: the 1.5B GGUF, 2 threads, a fixed
~400-token prompt evaluated in one batch (prompt tokens/s) and 96 greedy tokens (decode tokens/s). Raw numbers
go to bench/results/llama_build.json; BENCHMARKS.md renders them (bench/make_benchmarks.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "llama_build.json"
THREADS = 2
DECODE_TOKENS = 96

# Run in the child: load, evaluate the prompt, decode greedily; print one JSON line.
CHILD = r"""
import json, sys, time
import llama_cpp
path, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
llm = llama_cpp.Llama(model_path=path, n_ctx=2048, n_threads=threads, n_batch=512, seed=0, verbose=False)
text = "A restricted index holds only the supplied entries; each entry is read on its own. " * 24
prompt = llm.tokenize(text.encode())
started = time.perf_counter()
llm.eval(prompt)
prompt_s = time.perf_counter() - started
tokens = []
started = time.perf_counter()
for _ in range(n):
    token = llm.sample(temp=0.0)
    tokens.append(token)
    llm.eval([token])
decode_s = time.perf_counter() - started
info = llama_cpp.llama_print_system_info().decode()
print(json.dumps({"prompt_tokens": len(prompt), "prompt_s": prompt_s, "decode_tokens": n, "decode_s": decode_s,
                  "tokens": tokens, "system_info": info, "module": llama_cpp.__file__}))
"""


def measure(model_path: Path, pythonpath: str | None) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    done = subprocess.run([sys.executable, "-c", CHILD, str(model_path), str(THREADS), str(DECODE_TOKENS)],
                          env=env, capture_output=True, text=True, check=True, timeout=900)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--native", required=True, help="folder holding the natively built llama_cpp (--target)")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from rag_answer.llm.model_files import resolve_model
    from rag_answer.settings import load_settings

    model = resolve_model(args.model, load_settings().models_dir)
    builds = {"portable": None, "native": args.native}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in builds}
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, path in builds.items():
            runs[name].append(measure(model.path, path))
    results = {
        "meta": {"command": " ".join(["python", "bench/llama_build_bench.py", *sys.argv[1:]]), "commit": _git_commit(),
                 "date": datetime.now(UTC).strftime("%Y-%m-%d"), "cpu": _cpu(), "model": args.model,
                 "threads": THREADS, "rounds": args.rounds, "load_before": load_before,
                 "load_after": os.getloadavg()[0]},
        "builds": {name: {"system_info": rows[0]["system_info"], "runs": rows} for name, rows in runs.items()},
    }  # fmt: skip
    args.out.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    print(render_markdown(results))
    return 0


def _rates(runs: list[dict[str, Any]]) -> tuple[float, float]:
    prompt = statistics.median(run["prompt_tokens"] / run["prompt_s"] for run in runs)
    decode = statistics.median(run["decode_tokens"] / run["decode_s"] for run in runs)
    return prompt, decode


def _features(info: str) -> str:
    return " ".join(part.split("=")[0].strip() for part in info.replace("CPU :", "|").split("|") if "= 1" in part)


def render_markdown(results: dict[str, Any]) -> str:
    meta, builds = results["meta"], results["builds"]
    portable, native = _rates(builds["portable"]["runs"]), _rates(builds["native"]["runs"])
    same = all(a["tokens"] == b["tokens"] for a, b in zip(builds["portable"]["runs"], builds["native"]["runs"],
                                                           strict=True))  # fmt: skip
    lines = [
        "## The portable llama.cpp build against a native one (bench/llama_build_bench.py)",
        "",
        f"Command: `{meta['command']}` at {meta['commit']} ({meta['date']}) on {meta['cpu']} (no AMX: both builds "
        f"run here), preset `{meta['model']}`, {meta['threads']} threads, {meta['rounds']} interleaved rounds "
        f"(medians), load average {meta['load_before']:.1f} before and {meta['load_after']:.1f} after. "
        "Raw numbers: `bench/results/llama_build.json`.",
        "",
        "| build | llama.cpp features | prompt tokens/s | decode tokens/s |",
        "|---|---|---:|---:|",
    ]
    for name, (prompt, decode) in (("portable (install.sh)", portable), ("native (-march=native)", native)):
        key = name.split()[0]
        lines.append(f"| {name} | {_features(builds[key]['system_info'])} | {prompt:.1f} | {decode:.1f} |")
    lines += [
        "",
        f"The portable build runs prompts at {portable[0] / native[0]:.2f}x and decodes at "
        f"{portable[1] / native[1]:.2f}x the native build's speed; the greedy tokens are "
        f"{'the same' if same else 'not the same'} in every round.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
