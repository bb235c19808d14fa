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
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import synthetic  # noqa: E402

from rag_answer.atomic import atomic_write_text  # noqa: E402

EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"
PRESETS = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")
SPEED_TITLE = "## Speed (bench/run_bench.py)"
DEFAULT_TITLE = "## Default model"
SPEED_JSON = ROOT / "bench" / "speed.json"  # the last run's generation and first-token figures (for --render-only)
CHAT_QUESTIONS = "What data trains AI to capture skin detail finely?\nWhich of these sources is about image matting?\n"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def log(message: str) -> None:
    print(message, flush=True)


class Figures:
    """Rows of (figure, value, how it was produced), printed as they come and rendered as Markdown."""

    def __init__(self) -> None:
        self.sections: dict[str, list[tuple[str, str, str]]] = {}

    def add(self, section: str, figure: str, value: str, command: str) -> None:
        self.sections.setdefault(section, []).append((figure, value, command))
        log(f"  {figure}: {value}    <- {command}")


# ------------------------------------------------------------------------------------------------ processes


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


# ----------------------------------------------------------------------------------------------- generation


def example_prompt(settings: Any) -> tuple[str, str, str]:
    """(prefix, suffix, grammar) exactly as answer_question builds them for the example."""
    from rag_answer.answer.context import select_context
    from rag_answer.answer.pipeline import CONFIDENT_SCORE, build_prompt
    from rag_answer.embedder import get_embedder
    from rag_answer.index_store import build_index
    from rag_answer.llm.grammar import answer_grammar
    from rag_answer.sources import load_source

    source = load_source(EXAMPLE)
    embedder = get_embedder()
    index = build_index([source], embedder, progress=False)
    question = source.question or ""
    context = select_context(index, embedder, question, source_nos=[0], top_k=settings.top_k)
    prefix, suffix = build_prompt(context, question, [])
    grammar = answer_grammar(context.entries, context.models, allow_refusal=context.best_score < CONFIDENT_SCORE)
    return prefix, suffix, grammar


def _reset(llm: Any) -> None:
    llm.reset()
    llm._ctx.kv_cache_clear()


def generation(figures: Figures, reps: int, max_tokens: int, threads: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for model in PRESETS:
        results[model] = _generation_one(figures, model, reps, max_tokens, threads)
        gc.collect()
    return results


def _generation_one(figures: Figures, model: str, reps: int, max_tokens: int, threads: int) -> dict[str, Any]:
    from rag_answer.llm import load_generator
    from rag_answer.settings import load_settings

    section = "Generation speed (in process, example prompt, no prompt reuse)"
    settings = load_settings(model=model, temperature=0.0, seed=0, threads=threads)
    prefix, suffix, grammar = example_prompt(settings)
    engine = load_generator(settings)
    engine.state_dir = None  # no saved prompt state: both sides evaluate the whole prompt
    llm = engine.llm
    tokens = engine.tokenize(prefix) + engine.tokenize(suffix)

    def ours() -> tuple[float, float, int]:
        _reset(llm)
        for _ in engine.stream(prefix, suffix, grammar=grammar, max_tokens=max_tokens, temperature=0.0, seed=0):
            pass
        stats = engine.last_stats
        return stats.tokens_per_second, stats.seconds_to_first_token, stats.generated_tokens

    def raw() -> tuple[float, float, int]:
        _reset(llm)
        started = time.perf_counter()
        first = 0.0
        count = 0
        for _ in llm.create_completion(tokens, max_tokens=max_tokens, temperature=0.0, seed=0, stream=True):
            count += 1
            if count == 1:
                first = time.perf_counter() - started
        total = time.perf_counter() - started
        return ((count - 1) / (total - first) if count > 1 else 0.0), first, count

    ours_name, raw_name = "rag-answer (grammar)", "raw llama-cpp-python"
    measured = interleave({ours_name: ours, raw_name: raw}, reps)
    tps = {name: median(v[0] for v in values) for name, values in measured.items()}
    ttft = {name: median(v[1] for v in values) for name, values in measured.items()}
    counts = {name: values[-1][2] for name, values in measured.items()}
    figures.add(section, f"{model}: rag-answer tokens/s (LlamaEngine.stream + grammar)",
                f"{tps[ours_name]:.1f} ({counts[ours_name]} tokens)",
                "LlamaEngine.stream(prefix, suffix, grammar=answer_grammar(...), temperature=0)")  # fmt: skip
    figures.add(section, f"{model}: raw tokens/s (Llama.create_completion, no grammar)",
                f"{tps[raw_name]:.1f} ({counts[raw_name]} tokens)",
                "Llama.create_completion(same prompt tokens, temperature=0, stream=True)")  # fmt: skip
    figures.add(section, f"{model}: ratio rag-answer / raw tokens/s", f"{tps[ours_name] / tps[raw_name]:.2f}",
                "same run, interleaved")  # fmt: skip
    figures.add(section, f"{model}: time to first token rag-answer / raw (full prompt evaluated)",
                f"{ttft[ours_name]:.2f} s / {ttft[raw_name]:.2f} s", f"{len(tokens)} prompt tokens")  # fmt: skip
    return {"tokens_per_second": tps, "ttft": ttft, "prompt_tokens": len(tokens)}


def first_token(figures: Figures, reps: int, work: Path, threads: int) -> dict[str, Any]:
    """Cold (no saved state: evaluate the prefix and write it) vs warm (state file on disk) in a new engine."""
    return {model: _first_token_one(figures, model, reps, work, threads) for model in PRESETS}


def _first_token_one(figures: Figures, model: str, reps: int, work: Path, threads: int) -> dict[str, Any]:
    from rag_answer.llm import load_generator
    from rag_answer.settings import load_settings

    section = "Time to first token: saved prompt state (new engine each time, as in a new process)"
    settings = load_settings(model=model, temperature=0.0, seed=0, threads=threads)
    prefix, suffix, grammar = example_prompt(settings)
    warm_dir = Path(tempfile.mkdtemp(prefix="states-", dir=work))

    def measure(state_dir: Path) -> tuple[float, str]:
        engine = load_generator(settings)
        engine.state_dir = state_dir
        for _ in engine.stream(prefix, suffix, grammar=grammar, max_tokens=4, temperature=0.0, seed=0):
            pass
        stats = engine.last_stats
        del engine
        gc.collect()
        return stats.seconds_to_first_token, stats.prefix_cache

    def cold() -> tuple[float, str]:
        state_dir = Path(tempfile.mkdtemp(prefix="states-", dir=work))
        try:
            return measure(state_dir)
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)

    measure(warm_dir)  # writes the state file the warm runs load
    measured = interleave({"cold": cold, "warm": lambda: measure(warm_dir)}, reps)
    ttft = {name: median(v[0] for v in values) for name, values in measured.items()}
    kinds = {name: sorted({v[1] for v in values}) for name, values in measured.items()}
    figures.add(section, f"{model}: cold time to first token (prefix_cache {'/'.join(kinds['cold'])})",
                f"{ttft['cold']:.2f} s", "LlamaEngine.stream with an empty state_dir")  # fmt: skip
    figures.add(section, f"{model}: warm time to first token (prefix_cache {'/'.join(kinds['warm'])})",
                f"{ttft['warm']:.2f} s", "LlamaEngine.stream with the saved .llstate on disk")  # fmt: skip
    figures.add(section, f"{model}: ratio warm / cold", f"{ttft['warm'] / ttft['cold']:.2f}",
                "same run, interleaved")  # fmt: skip
    shutil.rmtree(warm_dir, ignore_errors=True)
    return {"ttft": ttft, "kinds": kinds}


def thread_counts(figures: Figures, reps: int) -> None:
    """Raw llama.cpp decode speed at 1 thread vs all cores: on a shared machine more threads can be slower."""
    from llama_cpp import Llama

    from rag_answer.llm import resolve_model
    from rag_answer.settings import load_settings

    section = "llama.cpp threads on this (shared) machine"
    path = resolve_model("qwen2.5-coder-0.5b", load_settings().models_dir).path
    cores = os.cpu_count() or 1
    models = {n: Llama(model_path=str(path), n_ctx=1024, n_threads=n, n_threads_batch=n, verbose=False)
              for n in sorted({1, cores})}  # fmt: skip

    def speed(llm: Any) -> float:
        llm.reset()
        started = time.perf_counter()
        out = llm.create_completion("Explain how a diffusion model makes an image.", max_tokens=48, temperature=0.0)
        return out["usage"]["completion_tokens"] / (time.perf_counter() - started)

    measured = interleave({str(n): (lambda m=m: speed(m)) for n, m in models.items()}, reps)
    for name, values in measured.items():
        figures.add(section, f"qwen2.5-coder-0.5b raw tokens/s (incl. prompt), n_threads={name}",
                    f"{median(values):.1f}", "Llama.create_completion(..., max_tokens=48)")  # fmt: skip
    if len(measured) == 2:
        one, many = (median(values) for values in measured.values())
        figures.add(section, f"ratio n_threads={cores} / n_threads=1", f"{many / one:.2f}", "same run, interleaved")
    del models
    gc.collect()


WARM_UP = True  # one untimed call of each candidate before measuring (off with --quick)


def interleave(candidates: dict[str, Callable[[], Any]], reps: int) -> dict[str, list[Any]]:
    """Run A, B, A, B ... reps times each; one untimed warm-up call of each first (unless --quick)."""
    for function in candidates.values() if WARM_UP else ():
        function()
    out: dict[str, list[Any]] = {name: [] for name in candidates}
    for _ in range(reps):
        for name, function in candidates.items():
            out[name].append(function())
    return out


# -------------------------------------------------------------------------------------------------- indexes


def indexes(figures: Figures, sizes: list[int], extrapolate_to: list[int], queries: int) -> dict[str, Any]:
    import numpy as np

    from rag_answer.embedder import get_embedder
    from rag_answer.index_store import build_index, search
    from rag_answer.sources import load_source

    embedder = get_embedder()
    embedder.encode(["warm up"])
    section = "Index build and query latency (all-MiniLM-L6-v2 on CPU, IndexFlatIP)"
    results: dict[str, Any] = {}
    catalogs = [("example (4 entries)", load_source(EXAMPLE))] + [
        (f"{size:,} synthetic entries", synthetic.catalog(size)) for size in sizes
    ]
    for label, source in catalogs:
        started = time.perf_counter()
        index = build_index([source], embedder, progress=False)
        build = time.perf_counter() - started
        passages = len(index.passages)
        latencies = []
        for number in range(queries):
            query = synthetic.QUERIES[number % len(synthetic.QUERIES)]
            started = time.perf_counter()
            search(index, embedder, query, k=4)
            latencies.append(time.perf_counter() - started)
        query_ms = 1000 * median(latencies)
        figures.add(section, f"{label}: build ({passages:,} passages)",
                    f"{build:.2f} s ({passages / build:.0f} passages/s)",
                    f"build_index([synthetic.catalog({len(source.entries)})], embedder)")  # fmt: skip
        figures.add(section, f"{label}: query latency (embed + search, median of {queries})", f"{query_ms:.1f} ms",
                    "search(index, embedder, query, k=4)")  # fmt: skip
        results[label] = {"entries": len(source.entries), "passages": passages, "build_s": build, "query_ms": query_ms}
        del index
        gc.collect()
    largest = results[f"{sizes[-1]:,} synthetic entries"]
    for size in extrapolate_to:
        per_entry = largest["passages"] / largest["entries"]
        n_passages = int(size * per_entry)
        build = largest["build_s"] * size / largest["entries"]
        figures.add(section, f"{size:,} entries: build (EXTRAPOLATED, not measured)",
                    f"~{build / 60:.0f} min (~{n_passages:,} passages)",
                    f"linear from the {sizes[-1]:,}-entry build rate")  # fmt: skip
        # Search cost does not depend on the content: measure it on random unit vectors of the right count.
        index = _random_index(n_passages, embedder.dimension, np)
        latencies = []
        for number in range(queries):
            started = time.perf_counter()
            search(index, embedder, synthetic.QUERIES[number % len(synthetic.QUERIES)], k=4)
            latencies.append(time.perf_counter() - started)
        query_ms = 1000 * median(latencies)
        figures.add(section, f"{size:,} entries: query latency (MEASURED on random vectors)",
                    f"{query_ms:.1f} ms", f"search() over {n_passages:,} random unit vectors")  # fmt: skip
        results[f"{size:,} entries"] = {"passages": n_passages, "build_s_extrapolated": build, "query_ms": query_ms}
        del index
        gc.collect()
    return results


def _random_index(n_passages: int, dimension: int, np: Any) -> Any:
    import faiss

    from rag_answer.entries import Entry, Origin, SourceSet
    from rag_answer.index_store import RestrictedIndex
    from rag_answer.index_store.passages import Passage

    rng = np.random.default_rng(0)
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    entries_per = 4
    for start in range(0, n_passages, 50_000):
        count = min(50_000, n_passages - start)
        vectors = rng.standard_normal((count, dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        flat.add_with_ids(vectors, np.arange(start, start + count, dtype=np.int64))
    n_entries = (n_passages + entries_per - 1) // entries_per
    entries = tuple(Entry(f"e{n}", "paper", f"t{n}", None, None, "", Origin("random", 1)) for n in range(n_entries))
    passages = [Passage(n, 0, f"e{n // entries_per}", "") for n in range(n_passages)]
    source = SourceSet("random", "random", None, entries)
    return RestrictedIndex(None, {}, [source], passages, flat)


# ------------------------------------------------------------------------------------------------- markdown


def replace_section(document: str, title: str, body: str) -> str:
    """Replace the '## title' section (up to the next '## ' heading) or append it."""
    lines = document.split("\n")
    start = next((n for n, line in enumerate(lines) if line.strip() == title), None)
    new = [title, "", *body.strip("\n").split("\n"), ""]
    if start is None:
        return document.rstrip("\n") + "\n\n" + "\n".join(new)
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    return "\n".join(lines[:start] + new + lines[end:]).rstrip("\n") + "\n"


def speed_markdown(figures: Figures, header: str) -> str:
    out = [header, ""]
    for section, rows in figures.sections.items():
        out += [f"### {section}", "", "| figure | value | produced by |", "|---|---|---|"]
        out += [f"| {figure} | {value} | `{command.replace('|', chr(92) + '|')}` |" for figure, value, command in rows]
        out.append("")
    return "\n".join(out)


def default_model_markdown(gen: dict[str, Any], ttft: dict[str, Any], summary_path: Path) -> tuple[str, str]:
    """A comparison table (eval quality vs speed) and the preset it points to."""
    evaluation = json.loads(summary_path.read_text("utf-8"))["models"] if summary_path.is_file() else {}
    rows = ["| preset | prompts | clean runs | structure complete | cited sentences supported | models cited | "
            "refused adv_026 | false refusals | first token cold / warm | tokens/s (grammar) |",
            "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    quality: dict[str, tuple[float, ...]] = {}
    common = _common_prompts(evaluation)
    for model in PRESETS:
        agg = _aggregate_on(evaluation.get(model, {}).get("rag-answer"), common)
        speed = f"{ttft[model]['ttft']['cold']:.2f} s / {ttft[model]['ttft']['warm']:.2f} s" if model in ttft else "n/a"
        tps = f"{gen[model]['tokens_per_second']['rag-answer (grammar)']:.1f}" if model in gen else "n/a"
        if not agg:
            rows.append(f"| {model} | not evaluated | | | | | | | {speed} | {tps} |")
            continue

        def pct(key: str, agg: dict[str, Any] = agg) -> str:
            return "n/a" if agg[key] is None else f"{100 * agg[key]:.0f}%"

        rows.append(
            f"| {model} | {agg['runs']} | {pct('clean_share')} | {pct('structure_share')} | {pct('supported_share')} | "
            f"{pct('models_cited_share')} | {agg['refused_unanswerable']}/{agg['unanswerable']} | "
            f"{agg['false_refusals']}/{agg['answerable']} | {speed} | {tps} |"
        )
        quality[model] = (agg["clean_share"] or 0, agg["structure_share"] or 0, agg["supported_share"] or 0,
                          -(agg["false_refusals"] / max(agg["answerable"], 1)))  # fmt: skip
    return "\n".join(rows), choose_default(quality, gen)


def _common_prompts(evaluation: dict[str, Any]) -> set[str] | None:
    """The prompt files every preset was evaluated on, so the quality shares compare like with like."""
    sets = [{run["prompt"] for run in evaluation[m]["rag-answer"]["runs"]} for m in PRESETS
            if "rag-answer" in evaluation.get(m, {})]  # fmt: skip
    return set.intersection(*sets) if len(sets) == len(PRESETS) else None


def _aggregate_on(result: dict[str, Any] | None, prompts: set[str] | None) -> dict[str, Any] | None:
    if not result:
        return None
    if prompts is None:
        return result["aggregate"]
    sys.path.insert(0, str(ROOT / "eval"))
    from dataclasses import fields

    from metrics import RunMetrics, aggregate

    names = {field.name for field in fields(RunMetrics)}
    runs = [
        RunMetrics(**{k: v for k, v in run.items() if k in names}) for run in result["runs"] if run["prompt"] in prompts
    ]
    return aggregate(runs)


# A larger preset must beat the smaller by this much on a quality share to be worth its slower generation.
QUALITY_MARGIN = 0.05


def choose_default(quality: dict[str, tuple[float, ...]], gen: dict[str, Any]) -> str:
    """The faster preset unless the other is better by QUALITY_MARGIN on some quality share and no worse on any."""
    if len(quality) < 2 or not all(model in gen for model in quality):
        return "undecided: both presets need eval results (eval/summary.json) and speed figures"
    speed = {model: gen[model]["tokens_per_second"]["rag-answer (grammar)"] for model in quality}
    fast, slow = sorted(quality, key=lambda model: -speed[model])
    better = any(s - f >= QUALITY_MARGIN for s, f in zip(quality[slow], quality[fast], strict=True))
    not_worse = all(s - f > -QUALITY_MARGIN for s, f in zip(quality[slow], quality[fast], strict=True))
    if better and not_worse:
        return f"{slow} (better by at least {QUALITY_MARGIN:.0%} on a quality share, no worse on any)"
    return f"{fast} (the slower preset is not better by {QUALITY_MARGIN:.0%} on a quality share without losing one)"


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
    global WARM_UP
    WARM_UP = not args.quick
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


def write_default_section(out: Path, gen: dict[str, Any], ttft: dict[str, Any]) -> None:
    document = out.read_text("utf-8")
    table, choice = default_model_markdown(gen, ttft, ROOT / "eval" / "summary.json")
    body = (
        "Quality from `python eval/run_eval.py` (eval/summary.json, EVALUATION.md; rag-answer rows, restricted to "
        "the prompt files both presets were evaluated on) against speed from bench/speed.json. Rule "
        "(bench/run_bench.py `choose_default`): the faster preset, unless the "
        f"slower one is better by at least {QUALITY_MARGIN:.0%} on a quality share (clean runs, structure, "
        "supported cited sentences, false refusals) and not worse by as much on any.\n\n"
        f"{table}\n\n**Measured choice: {choice}.** Read with the sample sizes in the prompts column and the "
        "load note of the Speed section in mind: the quality gap rests on a few answers, the speed gap on one run."
    )
    document = replace_section(document, DEFAULT_TITLE, body)
    atomic_write_text(out, document)


if __name__ == "__main__":
    raise SystemExit(main())
