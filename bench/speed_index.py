"""Index build (embedding + FAISS) and query latency on the example and synthetic catalogs (bench/synthetic.py);
larger sizes extrapolated for the build and measured on random vectors for the search."""

from __future__ import annotations

import gc
import time
from statistics import median
from typing import Any

import synthetic
from speed_common import EXAMPLE, Figures


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
