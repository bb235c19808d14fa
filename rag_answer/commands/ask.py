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
    server_client,
    settings_from_args,
    show_progress,
)
from rag_answer.errors import BadInputError
from rag_answer.index_store import RestrictedIndex, load_index
from rag_answer.index_store.cache import cached_index
from rag_answer.llm import load_generator
from rag_answer.settings import Settings
from rag_answer.sources import load_source


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


def open_question(args: argparse.Namespace, settings: Settings) -> tuple[str, RestrictedIndex, list[int] | None]:
    """The question, its index and the source numbers it is restricted to."""
    embedder = embedder_for(settings)
    if args.prompt:
        if args.index_name:
            raise BadInputError("give either --prompt FILE or --index NAME, not both")
        source = load_source(args.prompt)
        question = args.question or source.question
        if not question:
            raise BadInputError("no question found", path=str(args.prompt), hint="add the question, or pass it")
        return question, cached_index(source, embedder, settings.cache_dir, progress=show_progress(settings)), [0]
    if not args.index_name:
        raise BadInputError("nothing to answer", hint="use --prompt FILE, or QUESTION --index NAME")
    if not args.question or not args.question.strip():
        raise BadInputError("no question given", hint='rag-answer ask "QUESTION" --index NAME')
    index = load_index(settings.index_dir, args.index_name, embedder)
    return args.question, index, [index.find_source(args.source)] if args.source else None


def run(args: argparse.Namespace) -> int:
    if (client := server_client(args)) is not None:
        return run_remote(args, client)
    settings = settings_from_args(args)
    question, index, source_nos = open_question(args, settings)
    generator = load_generator(settings)
    stream = None if args.json else _writer(sys.stdout)
    result = answer_question(
        question, index, embedder_for(settings), generator, settings, source_nos=source_nos, on_text=stream
    )
    model = {"name": generator.model_name, "sha256": generator.model_sha256}
    if args.json:
        print(json.dumps(result.to_dict(settings, model), indent=2, ensure_ascii=False))
    else:
        print(audit_footer(result), file=sys.stderr)
    return 0 if result.verification is None or result.verification.clean else 1


def run_remote(args: argparse.Namespace, client) -> int:
    """The same request, answered by a running server: same stdout bytes, same footer, same exit code."""
    from rag_answer.sources.reading import read_text

    settings_from_args(args)  # the same bad-flag errors as in-process
    if args.prompt:
        if args.index_name:
            raise BadInputError("give either --prompt FILE or --index NAME, not both")
        payload = {"prompt_file": read_text(args.prompt)[0], "path": str(args.prompt), "question": args.question}
    elif not args.index_name:
        raise BadInputError("nothing to answer", hint="use --prompt FILE, or QUESTION --index NAME")
    elif not args.question or not args.question.strip():
        raise BadInputError("no question given", hint='rag-answer ask "QUESTION" --index NAME')
    else:
        payload = {"index": args.index_name, "question": args.question, "source": args.source}
    check_server_model(client, args, "model", "judge_model")
    overrides = {name: getattr(args, name) for name in ("seed", "temperature", "max_tokens", "top_k")}
    payload["settings"] = {name: value for name, value in overrides.items() if value is not None}
    payload = {key: value for key, value in payload.items() if value is not None}
    if args.json:
        result = client.post("/api/ask", payload)
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        result, footer = client.ask_stream(payload, _writer(sys.stdout))
        print(footer, file=sys.stderr)
    return 0 if result["audit"] is None or result["audit"]["clean"] else 1


def _writer(stream):
    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write

