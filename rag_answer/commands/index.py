"""`rag-answer index SOURCE... --name NAME`: build a restricted index from prompt files and catalogs."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rag_answer.commands._common import add_settings_flags, embedder_for, settings_from_args, show_progress
from rag_answer.index_store import build_index, save_index
from rag_answer.sources import load_sources


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("index", help="build a restricted index from supplied sources")
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE", help="prompt files, catalogs or folders")
    parser.add_argument("--name", required=True, help="index name: written to INDEX_DIR/NAME/")
    add_settings_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    started = time.perf_counter()
    sources = load_sources(args.sources)  # every file is parsed before anything is written
    embedder = embedder_for(settings)
    index = build_index(sources, embedder, progress=show_progress(settings))
    folder = save_index(index, settings.index_dir, args.name)
    counts = index.manifest["counts"]
    print(
        f"indexed {counts['entries']} entries ({counts['passages']} passages) from {counts['sources']} source file(s) "
        f"into {folder} in {time.perf_counter() - started:.1f}s"
    )
    return 0
