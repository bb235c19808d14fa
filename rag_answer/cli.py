"""The thin command-line edge: parse arguments, load settings, run a command, turn typed errors into one line."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from rag_answer import __version__
from rag_answer.errors import RagAnswerError

# Each module in rag_answer/commands/ exposes register(subparsers) and sets `handler(args) -> int`.
COMMAND_MODULES = (
    "index",
    "search",
    "ask",
    "models",
    "audit",
    "image",
    "chat",
    "report",
    "serve",
    "mcp",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only` (a command name) just that command's module is imported, so a command
    does not pay for the imports of the others (see tests/foundation/test_light_imports.py)."""
    parser = argparse.ArgumentParser(prog="rag-answer", description="Grounded answers from supplied sources only.")
    parser.add_argument("--version", action="version", version=f"rag-answer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only in COMMAND_MODULES else COMMAND_MODULES:
        try:
            module = importlib.import_module(f"rag_answer.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"rag_answer.commands.{name}":
                continue  # command not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is fetched at run time
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    given = sys.argv[1:] if argv is None else argv
    parser = build_parser(given[0] if given else None)
    args = parser.parse_args(given)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except RagAnswerError as exc:
        print(f"rag-answer: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rag-answer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
