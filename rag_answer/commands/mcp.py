"""`rag-answer mcp`: serve `ask`, `audit`, `search` and `sources` as Model Context Protocol tools to an agent host
(stdio by default, the transport hosts start a local server with; `--transport http` for streamable HTTP on
127.0.0.1). See docs/mcp.md for the host configuration."""

from __future__ import annotations

import argparse
import logging
import sys

from rag_answer.commands._common import add_settings_flags, settings_from_args
from rag_answer.commands.serve import is_loopback
from rag_answer.errors import BadInputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mcp",
        help="serve ask, audit, search and sources as MCP tools for agent hosts (stdio; or streamable HTTP)",
        description="A Model Context Protocol server: an agent host starts it and calls its tools. Prompt files "
        "are named by path in each call; named indexes are read from --index-dir. The models load on first use.",
    )
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio",
                        help="stdio (default: the host starts this command) or streamable HTTP at /mcp")  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="with --transport http: address (this machine only)")
    parser.add_argument("--port", type=int, default=8766, help="with --transport http: TCP port (default 8766)")
    parser.add_argument("--queue", type=int, default=8, help="tool calls that may wait for the LLM (default 8)")
    parser.add_argument("--max-question", type=int, default=2_000, help="longest question in characters")
    parser.add_argument("--max-answer", type=int, default=100_000, help="longest answer to audit in characters")
    add_settings_flags(parser, llm=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        import mcp  # noqa: F401 (only to say what is missing)

        from rag_answer.mcp_server import Engine, McpLimits, serve
    except ImportError as exc:
        raise BadInputError(f"the MCP server needs {exc.name}", hint="pip install 'rag-answer[mcp]'") from None
    if args.transport == "http" and not is_loopback(args.host):
        raise BadInputError(f"refusing to serve MCP on {args.host}", hint="the MCP server listens on 127.0.0.1 only")
    if not 0 < args.port < 65536:
        raise BadInputError(f"--port {args.port} is not a TCP port", hint="use 1-65535")
    for name, value in (("--queue", args.queue), ("--max-question", args.max_question),
                        ("--max-answer", args.max_answer)):  # fmt: skip
        if value < (0 if name == "--queue" else 1):
            raise BadInputError(f"{name} {value} is too small")
    settings = settings_from_args(args)
    # one line per tool call on stderr, which hosts keep as the server's log
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="rag-answer mcp: %(message)s")
    logging.getLogger("rag_answer.mcp").setLevel(logging.INFO)
    limits = McpLimits(max_question_chars=args.max_question, max_answer_chars=args.max_answer, max_waiting=args.queue)
    where = "stdio" if args.transport == "stdio" else f"http://{args.host}:{args.port}/mcp"
    print(f"rag-answer mcp: serving on {where}, model {settings.model} (loaded on first use)", file=sys.stderr,
          flush=True)  # fmt: skip
    serve(Engine(settings, limits), transport=args.transport, host=args.host, port=args.port)
    return 0
