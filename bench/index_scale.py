"""Index build and query latency for the example and a synthetic catalog, with same-run baselines.

    python bench/index_scale.py [--entries 10000]

Baselines measured in the same run: for the build, embedding the example's passages alone; for a query,
embedding the query alone (so the ratio shows what FAISS search and grouping add).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from rag_answer.embedder import get_embedder
from rag_answer.index_store import build_index, load_index, save_index, search
from rag_answer.sources import load_source

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "000_54cb972efbc5016b.txt"
QUERIES = ["speech recognition on LibriSpeech", "diffusion image generation", "quantized model on a laptop CPU"]


def measure(name: str, source, embedder, root: Path) -> dict[str, float]:
    started = time.perf_counter()
    index = build_index([source], embedder, progress=False)
    build = time.perf_counter() - started
    save_index(index, root, name)
    started = time.perf_counter()
    index = load_index(root, name, embedder)
    load = time.perf_counter() - started
    searches, embeds = [], []
    for query in QUERIES * 4:
        started = time.perf_counter()
        search(index, embedder, query, k=4)
        searches.append(time.perf_counter() - started)
        started = time.perf_counter()
        embedder.encode([query])
        embeds.append(time.perf_counter() - started)
    return {
        "entries": len(source.entries),
        "passages": len(index.passages),
        "build_s": build,
        "load_s": load,
        "query_ms": 1000 * statistics.median(searches),
        "embed_query_ms": 1000 * statistics.median(embeds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    embedder = get_embedder()
    embedder.encode(["warm up"])
    with tempfile.TemporaryDirectory() as folder:
        rows = [
            measure("example", load_source(EXAMPLE), embedder, Path(folder)),
            measure("synthetic", synthetic.catalog(args.entries), embedder, Path(folder)),
        ]
    base = rows[0]["build_s"] / rows[0]["passages"]
    print(f"Command: python bench/index_scale.py --entries {args.entries}\n")
    print("| index | entries | passages | build s | s/passage vs example | load s | query ms | query ÷ embed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, row in zip(("example", "synthetic"), rows, strict=True):
        per_passage = row["build_s"] / row["passages"] / base
        print(
            f"| {label} | {row['entries']:,} | {row['passages']:,} | {row['build_s']:.2f} | {per_passage:.2f}x | "
            f"{row['load_s']:.3f} | {row['query_ms']:.1f} | {row['query_ms'] / row['embed_query_ms']:.2f}x |"
        )


if __name__ == "__main__":
    main()
