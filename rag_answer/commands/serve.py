"""`rag-answer serve`: load the embedder, the indexes and the LLM once, and answer over HTTP (API and web page).

Binds to 127.0.0.1 by default; bound elsewhere it refuses to start without a bearer token (--token or
RAG_ANSWER_TOKEN), which every API call must then send.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from rag_answer.commands._common import add_settings_flags, embedder_for, settings_from_args
from rag_answer.errors import BadInputError
from rag_answer.llm import load_generator
from rag_answer.server.client import TOKEN_ENV


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="keep the models loaded and answer over HTTP: JSON API, OpenAI-compatible API, web page",
        description="Load the embedder, the named prompt files and indexes, and the LLM once; then answer over "
        "HTTP. Each loaded prompt file (by its file stem) and index (by its name) is a model id.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    parser.add_argument("--prompt", dest="prompts", type=Path, action="append", nargs="+", default=[],
                        metavar="FILE", help="prompt files to load (repeatable)")  # fmt: skip
    parser.add_argument("--index", dest="indexes", action="append", nargs="+", default=[], metavar="NAME",
                        help="named indexes to load (repeatable)")  # fmt: skip
    parser.add_argument("--token", help=f"bearer token every API call must send (default ${TOKEN_ENV})")
    parser.add_argument("--queue", type=int, default=8, help="requests that may wait for the LLM (default 8)")
    parser.add_argument("--max-body", type=int, default=1_000_000, help="largest request body in bytes")
    parser.add_argument("--max-question", type=int, default=2_000, help="longest question in characters")
    add_settings_flags(parser, llm=True)
    parser.set_defaults(handler=run)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from rag_answer.server.app import build_app
        from rag_answer.server.state import Limits, ServerState, load_targets
    except ImportError as exc:
        raise BadInputError(f"the server needs {exc.name}", hint="pip install 'rag-answer[serve]'") from None
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host) and token is None:
        raise BadInputError(f"refusing to listen on {args.host} without a token",
                            hint=f"pass --token or set {TOKEN_ENV}, or bind to 127.0.0.1")  # fmt: skip
    if not 0 < args.port < 65536:
        raise BadInputError(f"--port {args.port} is not a TCP port", hint="use 1-65535")
    for name, value in (("--queue", args.queue), ("--max-body", args.max_body), ("--max-question", args.max_question)):
        if value < (0 if name == "--queue" else 1):
            raise BadInputError(f"{name} {value} is too small")
    settings = settings_from_args(args)
    embedder = embedder_for(settings)
    prompts = [path for group in args.prompts for path in group]
    indexes = [name for group in args.indexes for name in group]
    targets = load_targets(prompts, indexes, embedder, settings)
    generator = load_generator(settings)
    limits = Limits(max_body_bytes=args.max_body, max_question_chars=args.max_question, max_waiting=args.queue)
    state = ServerState(settings, embedder, generator, targets, limits, token)
    ids = ", ".join(targets) or "none (send prompt files with each request)"
    print(f"rag-answer serve: http://{args.host}:{args.port}/ model {generator.model_name}; loaded: {ids}",
          file=sys.stderr, flush=True)  # fmt: skip
    uvicorn.run(build_app(state), host=args.host, port=args.port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=5)  # fmt: skip
    state.queue.shutdown()
    return 0
