"""`rag-answer search "QUERY" --index NAME`: ranked entries with their best passages and scores."""

from __future__ import annotations

import argparse
import json

from rag_answer.commands._common import add_settings_flags, embedder_for, local_resolver, settings_from_args
from rag_answer.index_store import search
from rag_answer.request import Request


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("search", help="retrieve supplied entries for a query")
    parser.add_argument("query", help="the query text")
    parser.add_argument("--index", required=True, dest="index_name", metavar="NAME", help="index name")
    parser.add_argument("-k", type=int, default=4, help="entries to return (default 4)")
    parser.add_argument("--source", help="restrict to one source file of the index (path or source id)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_settings_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    embedder = embedder_for(settings)
    resolved = local_resolver(settings, embedder).resolve(Request(index=args.index_name, source=args.source),
                                                          chat=True)  # a search needs no question  # fmt: skip
    hits = search(resolved.open_index(embedder), embedder, args.query, k=max(args.k, 1),
                  source_nos=resolved.source_nos)  # fmt: skip
    if args.json:
        print(
            json.dumps({"query": args.query, "index": args.index_name, "hits": [h.to_dict() for h in hits]}, indent=2)
        )
        return 0
    if not hits:
        print("no entries")
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank}. [{hit.score:.3f}] {hit.entry.title}  ({hit.entry.kind}, id {hit.entry.id})")
        for link in hit.entry.links:
            print(f"     {link}")
        best_text, best_score = hit.passages[0]
        print(f"     best passage [{best_score:.3f}]: {best_text[:200]}")
    return 0
