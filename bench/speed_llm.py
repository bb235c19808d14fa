"""In-process LLM speed: generation tokens/s (grammar vs raw llama.cpp), time to first token (cold vs saved
prompt state), and llama.cpp thread counts."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from speed_common import EXAMPLE, PRESETS, Figures, interleave


def example_prompt(settings: Any, generator: Any = None) -> tuple[str, str, str]:
    """(prefix, suffix, grammar) of the longest per-entry reading call the answer pipeline makes for the example
    (the Skin Game entry under the evidence grammar)."""
    from rag_answer.llm.grammar import evidence_grammar
    from rag_answer.llm.source_prompt import source_prompt
    from rag_answer.prompts import load_template
    from rag_answer.sources import load_source

    source = load_source(EXAMPLE)
    entry = max(source.entries, key=lambda e: len(e.summary))
    request = load_template("evidence_request").render(question=source.question or "")
    if generator is None:
        from rag_answer.llm import load_generator

        generator = load_generator(settings)
    prefix, suffix = source_prompt(generator, entry, request)
    return prefix, suffix, evidence_grammar()


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
    engine = load_generator(settings)
    prefix, suffix, grammar = example_prompt(settings, engine)
    engine.state_dir = None  # no saved prompt state: both sides evaluate the whole prompt
    llm = engine.llm
    tokens = engine.tokenize(prefix) + engine.tokenize(suffix)

    def ours() -> tuple[float, float, int]:
        _reset(llm)
        engine._states.clear()  # no prefix state kept in memory either
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
