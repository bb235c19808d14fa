"""End-to-end speed as a user meets it: `rag-answer ask` as a cold process (fresh home) vs a warm home vs the
LangChain chain, wall time and peak RSS of each child; `rag-answer chat` piped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from speed_common import EXAMPLE, ROOT, Figures, log

CHAT_QUESTIONS = "What data trains AI to capture skin detail finely?\nWhich of these sources is about image matting?\n"


def run_child(command: list[str], *, env: dict[str, str], stdin: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one child process, its rusage read with os.wait4."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        if stdin and process.stdin:
            process.stdin.write(stdin.encode())
            process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode not in (0, 1):  # 1 = answered with audit findings
            out.seek(0)
            log(out.read().decode(errors="replace")[-2000:])
    return seconds, usage.ru_maxrss / 1024, process.returncode


def fresh_home(parent: Path, models_dir: Path) -> Path:
    """An empty RAG_ANSWER_HOME sharing the assembled (verified) model files."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=parent))
    (home / "models").symlink_to(models_dir, target_is_directory=True)
    return home


def end_to_end(
    figures: Figures, model: str, reps: int, work: Path, models_dir: Path, chat: bool, threads: int
) -> dict[str, Any]:
    section = f"End-to-end, cold process ({model}, example prompt)"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_ANSWER_")}
    base_env.update(
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", RAG_ANSWER_MODEL=model, RAG_ANSWER_THREADS=str(threads)
    )
    warm_home = fresh_home(work, models_dir)
    ask = ["rag-answer", "ask", "--prompt", str(EXAMPLE.relative_to(ROOT)), "--quiet"]
    baseline = [
        sys.executable,
        "eval/langchain_baseline.py",
        "--prompt",
        str(EXAMPLE.relative_to(ROOT)),
        "--threads",
        str(threads),
    ]
    run_child(ask, env=dict(base_env, RAG_ANSWER_HOME=str(warm_home)))  # populates the warm home
    times: dict[str, list[float]] = {"cold": [], "warm": [], "langchain": []}
    rss: dict[str, list[float]] = {"cold": [], "warm": [], "langchain": []}
    for rep in range(reps):
        for name in ("cold", "warm", "langchain"):
            if name == "cold":
                home = fresh_home(work, models_dir)
                seconds, peak, _ = run_child(ask, env=dict(base_env, RAG_ANSWER_HOME=str(home)))
                shutil.rmtree(home, ignore_errors=True)
            elif name == "warm":
                seconds, peak, _ = run_child(ask, env=dict(base_env, RAG_ANSWER_HOME=str(warm_home)))
            else:
                seconds, peak, _ = run_child(baseline, env=dict(base_env, RAG_ANSWER_HOME=str(warm_home)))
            times[name].append(seconds)
            rss[name].append(peak)
            log(f"  [{rep + 1}/{reps}] {name}: {seconds:.1f} s, {peak:.0f} MiB")
    prompt = EXAMPLE.relative_to(ROOT)
    ask_cmd = f"RAG_ANSWER_MODEL={model} RAG_ANSWER_THREADS={threads} rag-answer ask --prompt {prompt} --quiet"
    med = {name: median(values) for name, values in times.items()}
    figures.add(section, "ask, cold cache (fresh RAG_ANSWER_HOME)", f"{med['cold']:.1f} s", ask_cmd + " (fresh home)")
    figures.add(section, "ask, warm cache (index + saved prompt state)", f"{med['warm']:.1f} s", ask_cmd)
    figures.add(section, "LangChain chain (FAISS + HuggingFaceEmbeddings + LlamaCpp)", f"{med['langchain']:.1f} s",
                f"python eval/langchain_baseline.py --prompt {prompt} --threads {threads}")  # fmt: skip
    figures.add(section, "ratio ask warm / ask cold", f"{med['warm'] / med['cold']:.2f}", "same run, interleaved")
    figures.add(section, "ratio ask warm / LangChain", f"{med['warm'] / med['langchain']:.2f}", "same run, interleaved")
    figures.add(section, "ratio ask cold / LangChain", f"{med['cold'] / med['langchain']:.2f}", "same run, interleaved")
    figures.add(section, "peak RSS ask (cold / warm)", f"{max(rss['cold']):.0f} / {max(rss['warm']):.0f} MiB",
                "os.wait4 ru_maxrss of the child")  # fmt: skip
    figures.add(section, "peak RSS LangChain chain", f"{max(rss['langchain']):.0f} MiB", "os.wait4 ru_maxrss")
    if chat:
        chat_cmd = ["rag-answer", "chat", "--prompt", str(EXAMPLE.relative_to(ROOT)), "--quiet"]
        seconds, peak, code = run_child(chat_cmd, env=dict(base_env, RAG_ANSWER_HOME=str(warm_home)),
                                        stdin=CHAT_QUESTIONS)  # fmt: skip
        shown = f"printf '<2 questions>' | RAG_ANSWER_MODEL={model} rag-answer chat --prompt {EXAMPLE.name}"
        figures.add(section, "peak RSS chat, piped, 2 questions (warm)",
                    f"{peak:.0f} MiB ({seconds:.1f} s, exit {code})", shown)  # fmt: skip
    else:
        figures.add(section, "peak RSS chat", "TODO: `rag-answer chat` not available in this checkout", "-")
    shutil.rmtree(warm_home, ignore_errors=True)
    return {"seconds": med, "rss": {name: max(values) for name, values in rss.items()}}
