"""Torch-free start and the fast index, measured side by side in one run (issue 14).

    python bench/fast_bench.py [--baseline 8525690] [--sample-entries 250] [--recall-n 100000]

Parts, each bounded in time (the machine is shared):
  embedder   texts/s of sentence-transformers (torch) and of the ONNX export on the same passages, interleaved
  build      passages/s of index building: the baseline's path (sentence-transformers, 256-passage chunks in
             file order, IndexFlatIP) and this tree's (ONNX, shortest first), on the first --sample-entries
             entries of the 10,000-entry synthetic catalog (bench/synthetic.py)
  ann        FAISS at --recall-n vectors: exact flat vs HNSW build time, query latency, size on disk and
             recall@10 against exact search. The vectors are synthetic: real passage embeddings from the build
             part as cluster centres, each copy moved by Gaussian noise (cosine about 0.85 to its centre) and
             renormalized; queries are drawn the same way. Embedding 100,000 real passages takes too long here.
  process    whole-process `rag-answer search` on a built index, and `rag-answer ask --help`: the baseline
             commit (extracted with git archive) against this tree, interleaved; plus the modules each imports
Writes bench/results/fast.json; render_markdown(results) gives the BENCHMARKS.md section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "results" / "fast.json"
EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"
HEAVY = ("torch", "transformers", "sentence_transformers", "diffusers", "langchain", "langchain_core")
QUERY = "what data trains AI to capture fine skin detail like pores"


def sample_texts(first: int, count: int) -> list[str]:
    """count passages of the 10,000-entry synthetic catalog, from entry `first` on."""
    import synthetic

    from rag_answer.index_store.passages import passage_texts

    catalog = synthetic.catalog(10_000)
    return [text for entry in catalog.entries[first:] for text in passage_texts(entry)][:count]


def bench_embedder(texts: list[str], rounds: int = 2) -> dict[str, Any]:
    from rag_answer.embedder import get_embedder

    embedders = {"torch": get_embedder(runtime="torch"), "onnx": get_embedder(runtime="onnx")}
    for embedder in embedders.values():
        embedder.encode(texts[:16])  # load and warm up
    rates: dict[str, list[float]] = {name: [] for name in embedders}
    vectors = {}
    for _ in range(rounds):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            vectors[name] = embedder.encode(texts, batch_size=64) if name == "torch" else embedder.encode(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    query_ms = {}
    for name, embedder in embedders.items():
        times = []
        for _ in range(10):
            started = time.perf_counter()
            embedder.encode([QUERY])
            times.append(1000 * (time.perf_counter() - started))
        query_ms[name] = median(times)
    cosines = (vectors["torch"] * vectors["onnx"]).sum(axis=1)
    return {"texts": len(texts), "rounds": rounds, "texts_per_s": {k: max(v) for k, v in rates.items()},
            "all_rates": rates, "embed_query_ms": query_ms,
            "min_cosine_torch_vs_onnx": float(cosines.min())}  # fmt: skip


def baseline_build(sources: list[Any], embedder) -> Any:
    """The build path before this branch: sentence-transformers over 256-passage chunks in file order, flat."""
    import faiss

    from rag_answer.index_store.passages import passage_texts

    texts = [text for source in sources for entry in source.entries for text in passage_texts(entry)]
    chunks = [embedder.encode(texts[start : start + 256]) for start in range(0, len(texts), 256)]
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(embedder.dimension))
    flat.add_with_ids(np.vstack(chunks), np.arange(len(texts), dtype=np.int64))
    return flat, texts


def bench_build(entries: int) -> tuple[dict[str, Any], np.ndarray]:
    import synthetic

    from rag_answer.embedder import get_embedder
    from rag_answer.entries import SourceSet
    from rag_answer.index_store import build_index

    full = synthetic.catalog(10_000)
    source = SourceSet(source_id=full.source_id, path=full.path, question=None, entries=full.entries[:entries])
    torch_embedder, onnx_embedder = get_embedder(runtime="torch"), get_embedder(runtime="onnx")
    started = time.perf_counter()
    _, texts = baseline_build([source], torch_embedder)
    old_s = time.perf_counter() - started
    started = time.perf_counter()
    index = build_index([source], onnx_embedder, progress=False)
    new_s = time.perf_counter() - started
    stored = index.faiss_index.index
    import faiss

    vectors = faiss.rev_swig_ptr(faiss.downcast_index(stored).get_xb(), stored.ntotal * stored.d)
    vectors = np.array(vectors).reshape(stored.ntotal, stored.d)
    result = {"catalog_entries": 10_000, "sample_entries": entries, "passages": len(texts),
              "baseline_s": old_s, "new_s": new_s, "baseline_passages_per_s": len(texts) / old_s,
              "new_passages_per_s": len(texts) / new_s, "new_kind": index.manifest["faiss"]["type"]}  # fmt: skip
    return result, vectors


def bench_build_real() -> dict[str, Any]:
    """The same two build paths over the 44 prompt files of eval/fields/prompts: real, varied passage lengths."""
    from rag_answer.embedder import get_embedder
    from rag_answer.index_store import build_index
    from rag_answer.sources import load_source

    sources = [load_source(path) for path in sorted((ROOT / "eval" / "fields" / "prompts").glob("*.txt"))]
    started = time.perf_counter()
    _, texts = baseline_build(sources, get_embedder(runtime="torch"))
    old_s = time.perf_counter() - started
    started = time.perf_counter()
    build_index(sources, get_embedder(runtime="onnx"), progress=False)
    new_s = time.perf_counter() - started
    return {"files": len(sources), "passages": len(texts), "baseline_s": old_s, "new_s": new_s,
            "baseline_passages_per_s": len(texts) / old_s, "new_passages_per_s": len(texts) / new_s}  # fmt: skip


def clustered(
    centres: np.ndarray, count: int, rng: np.random.Generator, noise: float = 0.032
) -> tuple[np.ndarray, float]:
    """count unit vectors near randomly chosen centres, and their mean cosine to their centre."""
    picks = centres[rng.integers(0, len(centres), count)]
    moved = picks + rng.standard_normal(picks.shape).astype(np.float32) * noise
    moved = (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)
    return moved, float((moved * picks).sum(axis=1).mean())


def bench_ann(centres: np.ndarray, count: int, queries: int = 200, noise: float = 0.032) -> dict[str, Any]:
    import faiss

    from rag_answer.index_store import vectors as kinds

    rng = np.random.default_rng(0)
    data, closeness = clustered(centres, count, rng, noise)
    probes, _ = clustered(centres, queries, rng)
    result: dict[str, Any] = {"vectors": count, "queries": queries, "dimension": int(data.shape[1]),
                              "centres": len(centres), "mean_cosine_to_centre": closeness,
                              "threads": faiss.omp_get_max_threads()}  # fmt: skip
    found: dict[str, np.ndarray] = {}
    for kind in (kinds.FLAT, kinds.HNSW):
        started = time.perf_counter()
        index, description = kinds.make_index(data, kind)
        build_s = time.perf_counter() - started
        allowed = np.arange(count, dtype=np.int64)
        latencies, ids = [], []
        for probe in probes:
            started = time.perf_counter()
            _, got = kinds.search_restricted(index, probe[None, :], 10, allowed, restricted=False)
            latencies.append(1000 * (time.perf_counter() - started))
            ids.append(got)
        found[kind] = np.array(ids)
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)  # one query gains little from threads, and waits for them on a busy machine
        one_thread = []
        for probe in probes[:50]:
            started = time.perf_counter()
            kinds.search_restricted(index, probe[None, :], 10, allowed, restricted=False)
            one_thread.append(1000 * (time.perf_counter() - started))
        faiss.omp_set_num_threads(threads)
        restricted_ms = []
        subset = np.arange(0, count, 10, dtype=np.int64)  # one source of ten
        for probe in probes[:50]:
            started = time.perf_counter()
            kinds.search_restricted(index, probe[None, :], 32, subset, restricted=True)
            restricted_ms.append(1000 * (time.perf_counter() - started))
        with tempfile.TemporaryDirectory() as folder:
            faiss.write_index(index, f"{folder}/v.faiss")
            size = os.path.getsize(f"{folder}/v.faiss")
        result[kind] = {"description": description, "build_s": build_s, "query_ms_median": median(latencies),
                        "query_ms_p95": float(np.percentile(latencies, 95)), "size_bytes": size,
                        "restricted_tenth_query_ms_median": median(restricted_ms),
                        "query_ms_median_1_thread": median(one_thread)}  # fmt: skip
    overlap = [len(set(a) & set(b)) / 10 for a, b in zip(found[kinds.FLAT], found[kinds.HNSW], strict=True)]
    result["recall_at_10_hnsw_vs_exact"] = float(np.mean(overlap))
    return result


def run_cli(code: Path, *args: str, home: Path, cwd: Path, env: dict[str, str] | None = None,
            importtime: bool = False) -> tuple[float, subprocess.CompletedProcess[str]]:  # fmt: skip
    environment = dict(os.environ, RAG_ANSWER_HOME=str(home), PYTHONPATH=str(code), **(env or {}))
    flags = ["-X", "importtime"] if importtime else []
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, "-m", "rag_answer", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{code}: rag-answer {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
    return wall, done


def heavy_modules(stderr: str) -> list[str]:
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in stderr.splitlines()
             if line.startswith("import time:") and "|" in line}  # fmt: skip
    return sorted(names & set(HEAVY))


def bench_process(baseline: str, rounds: int) -> dict[str, Any]:
    from rag_answer.settings import load_settings

    models = load_settings().models_dir
    result: dict[str, Any] = {"baseline": baseline, "rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="fast-bench-") as work:
        old = Path(work) / "old"
        old.mkdir()
        archive = subprocess.run(["git", "archive", baseline], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        trees = {"baseline": old, "new": ROOT}
        for name, code in trees.items():
            home = Path(work) / f"home-{name}"
            home.mkdir()
            (home / "models").symlink_to(models)  # the ONNX export made by `models --prepare`
            run_cli(code, "index", str(EXAMPLE), "--name", "ex", "--quiet", home=home, cwd=Path(work) / f"home-{name}")
        timings: dict[str, list[float]] = {"baseline": [], "new": [], "new_torch_runtime": []}
        help_s: dict[str, list[float]] = {"baseline": [], "new": []}
        torch_env = {"RAG_ANSWER_EMBEDDER_RUNTIME": "torch"}
        runs = (("baseline", old, None), ("new", ROOT, None), ("new_torch_runtime", ROOT, torch_env))
        for _ in range(rounds):
            for label, code, env in runs:
                tree = "baseline" if label == "baseline" else "new"
                home = Path(work) / f"home-{tree}"
                wall, _ = run_cli(code, "search", QUERY, "--index", "ex", "--json", home=home, cwd=home, env=env)
                timings[label].append(wall)
            for label, code in trees.items():
                wall, _ = run_cli(code, "ask", "--help", home=Path(work) / f"home-{label}", cwd=Path(work))
                help_s[label].append(wall)
        result["search_process_s"] = {label: median(values) for label, values in timings.items()}
        result["search_process_all_s"] = timings
        result["ask_help_process_s"] = {label: median(values) for label, values in help_s.items()}
        for label, code in trees.items():
            home = Path(work) / f"home-{label}"
            _, done = run_cli(code, "search", QUERY, "--index", "ex", home=home, cwd=home, importtime=True)
            result.setdefault("search_heavy_imports", {})[label] = heavy_modules(done.stderr)
            _, done = run_cli(code, "ask", "--help", home=home, cwd=Path(work), importtime=True)
            result.setdefault("ask_help_heavy_imports", {})[label] = heavy_modules(done.stderr)
            self_us = sum(int(line.split("|")[1]) for line in done.stderr.splitlines()
                          if line.startswith("import time:") and line.split("|")[1].strip().isdigit())  # fmt: skip
            result.setdefault("ask_help_import_self_ms", {})[label] = self_us / 1000
    return result


def bench_first_token(baseline: str, rounds: int, preset: str, max_tokens: int) -> dict[str, Any]:
    """Seconds from process start to the first answer byte of a cold `rag-answer ask --prompt EXAMPLE` (fresh
    home: no cached index, no prompt state; the assembled model shared), baseline and new interleaved; each
    process is stopped at its first byte."""
    from rag_answer.settings import load_settings

    models = load_settings().models_dir
    times: dict[str, list[float]] = {"baseline": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="fast-bench-ft-") as work:
        old = Path(work) / "old"
        old.mkdir()
        archive = subprocess.run(["git", "archive", baseline], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        for round_no in range(rounds):
            for label, code in (("baseline", old), ("new", ROOT)):
                home = Path(work) / f"home-{label}-{round_no}"
                home.mkdir()
                (home / "models").symlink_to(models)
                env = dict(os.environ, RAG_ANSWER_HOME=str(home), PYTHONPATH=str(code), RAG_ANSWER_MODEL=preset,
                           RAG_ANSWER_SEED="0", RAG_ANSWER_TEMPERATURE="0",
                           RAG_ANSWER_MAX_TOKENS=str(max_tokens))  # fmt: skip
                started = time.perf_counter()
                process = subprocess.Popen([sys.executable, "-m", "rag_answer", "ask", "--prompt", str(EXAMPLE),
                                            "--quiet"], cwd=home, env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL)  # fmt: skip
                assert process.stdout is not None
                first = process.stdout.read(1)
                elapsed = time.perf_counter() - started
                process.terminate()
                process.wait(timeout=60)
                if not first:
                    raise SystemExit(f"{label}: ask printed nothing")
                times[label].append(elapsed)
                print(label, round(elapsed, 2), flush=True)
    return {"preset": preset, "rounds": rounds, "max_tokens": max_tokens, "all_s": times,
            "median_s": {label: median(values) for label, values in times.items()}}  # fmt: skip


def _load_note(results: dict[str, Any]) -> str:
    load = results.get("load_average")
    return f", load average {load[0]:.1f} before and {load[1]:.1f} after" if load else ""


def first_token_rows(results: dict[str, Any]) -> list[str]:
    if "first_token" not in results:
        return []
    first = results["first_token"]
    before, after = first["median_s"]["baseline"], first["median_s"]["new"]
    label = (f"cold first answer byte (shown after the claim check), `rag-answer ask --prompt` the example, "
             f"{first['preset']}, max {first['max_tokens']} tokens, s")  # fmt: skip
    return [f"| {label} (median of {first['rounds']}; fresh home) | {before:.1f} | {after:.1f} "
            f"| {before / after:.2f}x sooner |"]  # fmt: skip


def render_markdown(results: dict[str, Any]) -> str:
    emb, build, real, proc = results["embedder"], results["build"], results["build_real"], results["process"]
    rate = emb["texts_per_s"]
    search_s = proc["search_process_s"]
    heavy_search, heavy_help = proc["search_heavy_imports"], proc["ask_help_heavy_imports"]
    lines = [
        "## Torch-free start and the fast index (bench/fast_bench.py)",
        "",
        f"Command: `python bench/fast_bench.py` at commit {results['commit']} ({results['date']}), on "
        f"{results['machine']}{_load_note(results)}; read the ratios measured side by side in this run rather than "
        f"absolute times. Baseline = commit {proc['baseline']}. Raw numbers: `bench/results/fast.json`.",
        "",
        "| measure | baseline | this tree | ratio |",
        "|---|---:|---:|---:|",
        f"| embedder, texts/s ({emb['texts']} synthetic passages; torch = sentence-transformers, new = ONNX fp32) "
        f"| {rate['torch']:.1f} | {rate['onnx']:.1f} | {rate['onnx'] / rate['torch']:.2f}x |",
        f"| embedding one query, ms (torch vs ONNX) | {emb['embed_query_ms']['torch']:.1f} "
        f"| {emb['embed_query_ms']['onnx']:.1f} "
        f"| {emb['embed_query_ms']['torch'] / emb['embed_query_ms']['onnx']:.2f}x faster |",
        f"| index build, passages/s (first {build['sample_entries']} entries = {build['passages']} passages of the "
        f"10,000-entry catalog) | {build['baseline_passages_per_s']:.1f} | {build['new_passages_per_s']:.1f} "
        f"| {build['new_passages_per_s'] / build['baseline_passages_per_s']:.2f}x |",
        f"| index build, passages/s (the {real['files']} prompt files of eval/fields/prompts = {real['passages']} "
        f"passages of varied length) | {real['baseline_passages_per_s']:.1f} | {real['new_passages_per_s']:.1f} "
        f"| {real['new_passages_per_s'] / real['baseline_passages_per_s']:.2f}x |",
        f"| whole-process `rag-answer search` on the example index, s (median of {proc['rounds']}) "
        f"| {search_s['baseline']:.2f} | {search_s['new']:.2f} "
        f"| {search_s['baseline'] / search_s['new']:.2f}x faster |",
        *first_token_rows(results),
        f"| whole-process `rag-answer ask --help`, s | {proc['ask_help_process_s']['baseline']:.2f} "
        f"| {proc['ask_help_process_s']['new']:.2f} | |",
        "",
        "Baseline column: for the embedder and build rows, sentence-transformers (torch) in this run, the build "
        "replicating the baseline commit's path (256-passage chunks in file order, IndexFlatIP); for the process "
        "rows, the baseline commit's own code (extracted with `git archive`). "
        f"Same vectors: the smallest cosine between the torch and ONNX vectors of the {emb['texts']} passages was "
        f"{emb['min_cosine_torch_vs_onnx']:.7f}. With `RAG_ANSWER_EMBEDDER_RUNTIME=torch` (the documented fallback) "
        f"this tree's `search` process takes {search_s['new_torch_runtime']:.2f} s. Heavy modules imported by "
        f"`search`: baseline {heavy_search['baseline'] or 'none'}, this tree {heavy_search['new'] or 'none'}; "
        f"by `ask --help`: baseline {heavy_help['baseline'] or 'none'}, this tree {heavy_help['new'] or 'none'}.",
        "",
    ]
    return "\n".join(lines + ann_rows(results))


def ann_rows(results: dict[str, Any]) -> list[str]:
    ann = results["ann"]
    lines = [
        f"FAISS at {ann['vectors']:,} vectors of {ann['dimension']} dimensions ({ann['queries']} queries). Synthetic "
        f"vectors: the {ann['centres']} real passage embeddings of the build row as cluster centres plus Gaussian "
        "noise, at two spreads (embedding 100,000 real passages takes too long on this machine). This tree picks "
        "the exact flat index below 50,000 passages and HNSW from there on; a restricted search over at most "
        "50,000 allowed passages is exact on either. Query times are with FAISS's default threads "
        f"({ann['threads']}) and with one thread (a busy machine makes threads wait).",
        "",
        "| vectors (mean cosine to centre) | index | build s | query ms median / p95 | 1 thread, ms | restricted to "
        "1/10, ms | size on disk | recall@10 vs exact |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for part in ("ann", "ann_spread"):
        ann = results[part]
        for kind in ("flat", "hnsw"):
            row = ann[kind]
            described = row["description"]
            name = "flat (exact)" if kind == "flat" else (
                f"HNSW (M={described['m']}, efConstruction={described['ef_construction']}, "
                f"efSearch={described['ef_search']})")  # fmt: skip
            recall = 1.0 if kind == "flat" else ann["recall_at_10_hnsw_vs_exact"]
            lines.append(
                f"| {ann['vectors']:,} ({ann['mean_cosine_to_centre']:.2f}) | {name} | {row['build_s']:.1f} "
                f"| {row['query_ms_median']:.2f} / {row['query_ms_p95']:.2f} | {row['query_ms_median_1_thread']:.2f} "
                f"| {row['restricted_tenth_query_ms_median']:.2f} | {row['size_bytes'] / 1e6:.0f} MB | {recall:.3f} |"
            )
    lines.append("")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="8525690")
    parser.add_argument("--sample-entries", type=int, default=250)
    parser.add_argument("--embed-texts", type=int, default=384)
    parser.add_argument("--recall-n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--render-only", action="store_true")
    parser.add_argument("--first-token", action="store_true", help="add the cold first-token part to fast.json")
    parser.add_argument("--preset", default="qwen2.5-coder-0.5b")
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    if args.first_token:
        results = json.loads(OUT.read_text("utf-8"))
        results["first_token"] = bench_first_token(args.baseline, args.rounds, args.preset, args.max_tokens)
        OUT.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    elif not args.render_only:
        load_before = os.getloadavg()[0]
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        results: dict[str, Any] = {
            "commit": commit.stdout.strip(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        print("process ...", flush=True)
        results["process"] = bench_process(args.baseline, args.rounds)
        print(json.dumps(results["process"]["search_process_s"]), flush=True)
        print("embedder ...", flush=True)
        results["embedder"] = bench_embedder(sample_texts(5_000, args.embed_texts))
        print(json.dumps(results["embedder"]["texts_per_s"]), flush=True)
        print("build ...", flush=True)
        results["build"], centres = bench_build(args.sample_entries)
        print(json.dumps(results["build"]), flush=True)
        print("ann ...", flush=True)
        results["ann"] = bench_ann(centres, args.recall_n)
        print(json.dumps(results["ann"]["recall_at_10_hnsw_vs_exact"]), flush=True)
        results["ann_spread"] = bench_ann(centres, args.recall_n, noise=0.06)
        print(json.dumps(results["ann_spread"]["recall_at_10_hnsw_vs_exact"]), flush=True)
        print("build over the eval prompt files ...", flush=True)
        results["build_real"] = bench_build_real()
        print(json.dumps(results["build_real"]), flush=True)
        results["load_average"] = [load_before, os.getloadavg()[0]]
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    print(render_markdown(json.loads(OUT.read_text("utf-8"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
