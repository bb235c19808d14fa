"""`rag-answer ask`: a grounded answer to a prompt file's question, or to a free question over an index."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag_answer.answer import answer_question
from rag_answer.answer.footer import audit_footer
from rag_answer.commands._common import (
    add_server_flag,
    add_settings_flags,
    check_server_model,
    embedder_for,
    local_resolver,
    request_from_args,
    server_client,
    settings_from_args,
)
from rag_answer.llm import load_generator
from rag_answer.request import CLI


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ask", help="answer a question from the supplied sources only")
    parser.add_argument("question", nargs="?", help="a free question (with --index)")
    parser.add_argument("--prompt", type=Path, help="a prompt file: its question, answered from its own entries")
    parser.add_argument("--index", dest="index_name", metavar="NAME", help="a named index (with a QUESTION)")
    parser.add_argument("--source", help="with --index: restrict to one source file of the index")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of streaming text")
    add_settings_flags(parser, llm=True)
    add_server_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)  # bad flags are the same errors with and without --server
    request = request_from_args(args)
    request.check(CLI)  # before anything is loaded or sent
    if (client := server_client(args)) is not None:
        check_server_model(client, args, "model", "judge_model")
        if args.json:
            return _print_json(client.post("/api/ask", request.payload()))
        result, footer = client.ask_stream(request.payload(), _writer(sys.stdout))
        print(footer, file=sys.stderr)
        return 0 if result["audit"] is None or result["audit"]["clean"] else 1
    embedder = embedder_for(settings)
    resolved = local_resolver(settings, embedder).resolve(request)
    index = resolved.open_index(embedder)
    generator = load_generator(settings)
    stream = None if args.json else _writer(sys.stdout)
    answer = answer_question(resolved.question, index, embedder, generator, resolved.settings,
                             source_nos=resolved.source_nos, on_text=stream)  # fmt: skip
    if args.json:
        return _print_json(answer.to_dict(resolved.settings, {"name": generator.model_name,
                                                              "sha256": generator.model_sha256}))  # fmt: skip
    print(audit_footer(answer), file=sys.stderr)
    return 0 if answer.verification is None or answer.verification.clean else 1


def _print_json(result: dict) -> int:
    """The `ask --json` object, the same from this process and from a server; its exit code."""
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["audit"] is None or result["audit"]["clean"] else 1


def _writer(stream):
    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write
