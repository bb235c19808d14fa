"""`rag-answer chat`: a REPL over a prompt file's entries or a named index, restricted to them for every turn.

On a terminal it is an interactive line editor (see rag_answer/chat/terminal.py); when standard input is not a
terminal it reads one question or slash command per line (see rag_answer/chat/piped.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag_answer.chat.commands import MULTILINE_HELP
from rag_answer.chat.piped import run_piped
from rag_answer.chat.session import ChatSession
from rag_answer.chat.terminal import run_terminal
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
from rag_answer.errors import BadInputError
from rag_answer.llm import load_generator
from rag_answer.request import CLI


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "chat",
        help="a conversation answered only from the supplied sources (REPL; scriptable when piped)",
        description="Ask questions and follow-ups about a prompt file's entries or an index. Every answer is "
        "audited. When standard input is not a terminal, each line is a question or a slash command.",
    )
    parser.add_argument("--prompt", type=Path, metavar="FILE", help="a prompt file: chat about its entries")
    parser.add_argument("--index", dest="index_name", metavar="NAME", help="a named index")
    parser.add_argument("--source", help="with --index: restrict to one source file of the index")
    parser.add_argument("--json", action="store_true", help="read lines, print one JSON object per line")
    add_settings_flags(parser, llm=True)
    add_server_flag(parser)
    parser.set_defaults(handler=run)


def open_session(args: argparse.Namespace) -> tuple[ChatSession, str]:
    """The session, and a banner line saying what it is about."""
    settings = settings_from_args(args)
    request = request_from_args(args)
    request.check(CLI, chat=True)  # before the embedder is loaded
    embedder = embedder_for(settings)
    resolved = local_resolver(settings, embedder).resolve(request, chat=True)
    index = resolved.open_index(embedder)
    if not settings.quiet and sys.stderr.isatty():
        print(f"loading {settings.model} ...", file=sys.stderr, flush=True)
    generator = load_generator(settings)
    session = ChatSession(index, embedder, generator, resolved.settings, source_nos=resolved.source_nos,
                          label=resolved.label)  # fmt: skip
    about = f"file question: {resolved.source.question}" if resolved.source and resolved.source.question else ""
    banner = (
        f"rag-answer chat: {resolved.label}, {len(session.entries())} supplied entries, model {generator.model_name}\n"
        + (f"{about}\n" if about else "")
        + f"/help for commands. {MULTILINE_HELP}. Ctrl-C stops an answer; Ctrl-D or /quit leaves."
    )
    return session, banner


def run(args: argparse.Namespace) -> int:
    if (client := server_client(args)) is not None:
        return run_remote(args, client)
    session, banner = open_session(args)
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not args.json
    if interactive:
        return run_terminal(session, session.settings.home / "chat_history", banner=banner)
    return run_piped(session, sys.stdin, sys.stdout, sys.stderr, json_mode=args.json)


def run_remote(args: argparse.Namespace, client) -> int:
    """Piped chat answered by a running server: the same lines on stdout and stderr, the same exit status."""
    if sys.stdin.isatty():
        raise BadInputError("chat --server reads its questions from a pipe",
                            hint="pipe the questions in, or drop --server for the interactive chat")  # fmt: skip
    settings_from_args(args)  # the same bad-flag errors as in-process
    request = request_from_args(args)
    request.check(CLI, chat=True)
    check_server_model(client, args, "model", "judge_model")
    payload = request.payload() | {"input": sys.stdin.read(), "json_lines": args.json}
    status = 2
    for name, data in client.events("/api/chat", payload):
        if name in ("stdout", "stderr"):
            stream = sys.stdout if name == "stdout" else sys.stderr
            stream.write(data["text"])
            stream.flush()
        elif name == "exit":
            status = int(data["code"])
    return status
