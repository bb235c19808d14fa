"""Benchmark the citation auditor on a synthetic 10,000-word answer with 1,000 links.

Timings are reported as ratios against a baseline measured in the same run on the same text: the time
markdown-it-py takes just to parse it (the cheapest thing any auditor must do). Not a test.

    python bench/audit_bench.py [--words 10000] [--links 1000] [--repeat 5] [--claims]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag_answer.audit import audit, extract_links
from rag_answer.audit.links import markdown_parser
from rag_answer.sources import load_source

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "000_54cb972efbc5016b.txt"
_WORD_TEXT = (
    "the model uses a vision transformer trained on dermatology images with careful data preparation and "
    "reports macro F1 scores across benchmark datasets while attention maps reveal patterns"
)
WORDS = _WORD_TEXT.split()
LINK_FORMS = (
    "[code]({url})", "<{url}>", "{url}", '<a href="{url}">paper</a>', "![fig]({url})", "`{url}`",
    "[{url}]({url})", "arXiv:2502.02500", "2303.15380v1", "github.com/yifeiyin04/Hi4D/blob/main/README.md",
)  # fmt: skip
URLS = (
    "https://github.com/yifeiyin04/Hi4D", "http://arxiv.org/pdf/2502.02500v1.pdf", "https://arxiv.org/abs/2502.17093",
    "https://github.com/CompVis/stable-diffusion", "https://github.com.evil.io/yifeiyin04/Hi4D",
    "https://user@github.com/yifeiyin04/Hi4D", "javascript:alert(1)", "https://gіthub.com/yifeiyin04/Hi4D",
)  # fmt: skip


def synthetic_answer(words: int, links: int, seed: int = 0) -> str:
    rng = random.Random(seed)  # noqa: S311 - synthetic text, not security
    markers = ["[@hi4d-4d-instance]", "[@the-skin-game]", "[@enhancing-image-matting]", "[@nope]"]
    link_slots = set(rng.sample(range(words), links))
    out: list[str] = []
    sentence_length = 0
    for position in range(words):
        out.append(rng.choice(WORDS))
        if position in link_slots:
            out.append(rng.choice(LINK_FORMS).format(url=rng.choice(URLS)))
        sentence_length += 1
        if sentence_length >= rng.randint(12, 24):
            out[-1] += f" {rng.choice(markers)}." if rng.random() < 0.6 else "."
            sentence_length = 0
            if rng.random() < 0.15:
                out.append("\n\n")
    return " ".join(out)


def best_of(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--claims", action="store_true", help="also time the full audit with the real embedder")
    args = parser.parse_args()
    entries = load_source(EXAMPLE).entries
    text = synthetic_answer(args.words, args.links)
    found = extract_links(text)
    print(f"answer: {len(text.split())} whitespace tokens, {len(text)} chars, {len(found)} links found "
          f"({args.links} written, some forms hold two)")  # fmt: skip

    baseline, baseline_median = best_of(lambda: markdown_parser().parse(text, {}), args.repeat)
    rows = [("markdown-it parse (baseline)", baseline, baseline_median)]
    rows.append(("extract_links", *best_of(lambda: extract_links(text), args.repeat)))
    rows.append(("audit(claims=False): links + markers", *best_of(lambda: audit(text, entries, claims=False),
                                                                 args.repeat)))  # fmt: skip
    if args.claims:
        from rag_answer.embedder import get_embedder

        embedder = get_embedder()
        embedder.encode(["warm up"])
        rows.append(("audit(): links + markers + claims", *best_of(lambda: audit(text, entries, embedder=embedder),
                                                                   max(1, args.repeat // 2))))  # fmt: skip
    print(f"{'step':40} {'best s':>9} {'median s':>9} {'x baseline':>11}")
    for name, best, median in rows:
        print(f"{name:40} {best:9.4f} {median:9.4f} {best / baseline:11.1f}")
    report = audit(text, entries, claims=False)
    print(f"links: {report.summary.links} ({report.summary.links_rejected} rejected); "
          f"markers: {report.summary.markers} ({report.summary.markers_invalid} invalid)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
