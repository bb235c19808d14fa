"""Flags and helpers shared by several commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rag_answer.embedder import Embedder, get_embedder
from rag_answer.errors import BadInputError
from rag_answer.request import CLI, IndexFolder, Request, Resolver, overrides_of
from rag_answer.settings import Settings, load_settings

if TYPE_CHECKING:
    from rag_answer.server.client import ServerClient


def add_settings_flags(parser: argparse.ArgumentParser, *, llm: bool = False) -> None:
    """Flags that override settings; default None so environment and config file still apply."""
    parser.add_argument("--index-dir", type=Path, help="folder holding named indexes (default ./index)")
    parser.add_argument("--embedder", help="'default' or a local sentence-transformers model folder")
    parser.add_argument("--quiet", action="store_const", const=True, help="no progress bars")
    if llm:
        parser.add_argument("--model", help="LLM preset name or path to a .gguf file")
        parser.add_argument("--threads", type=int, help="llama.cpp threads (default: all cores)")
        parser.add_argument("--seed", type=int, help="sampling seed (same inputs + seed = same answer)")
        parser.add_argument("--temperature", type=float, help="0 = greedy")
        parser.add_argument("--max-tokens", type=int, help="most tokens generated")
        parser.add_argument("--top-k", type=int, help="entries retrieved per question")
        parser.add_argument("--judge-model", help="the claim judge: a preset or .gguf (default: the answering model)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    names = ("index_dir", "embedder", "quiet", "model", "threads", "judge_model")
    return load_settings(**{name: getattr(args, name, None) for name in names}, **overrides_of(args))


def request_from_args(args: argparse.Namespace) -> Request:
    """The request `ask` and `chat` were given: the same object in process and with --server."""
    return Request(question=getattr(args, "question", None), prompt=args.prompt, index=args.index_name,
                   source=args.source, overrides=overrides_of(args))  # fmt: skip


def local_resolver(settings: Settings, embedder: Embedder) -> Resolver:
    """Requests resolved in this process: named indexes from the index folder, hints in the CLI's words."""
    return Resolver(settings, embedder, IndexFolder(settings.index_dir, embedder), CLI,
                    progress=show_progress(settings))  # fmt: skip


def embedder_for(settings: Settings) -> Embedder:
    return get_embedder(settings.embedder, runtime=settings.embedder_runtime, models_dir=settings.models_dir)


def show_progress(settings: Settings) -> bool:
    return not settings.quiet and sys.stderr.isatty()


def add_server_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL",
                        help="use a running `rag-answer serve` (default $RAG_ANSWER_SERVER); same output")  # fmt: skip


def server_client(args: argparse.Namespace) -> ServerClient | None:
    """The client for --server URL or $RAG_ANSWER_SERVER, or None to work in this process."""
    from rag_answer.server.client import SERVER_ENV, ServerClient

    url = getattr(args, "server", None) or os.environ.get(SERVER_ENV)
    return ServerClient.from_env(url) if url else None


def check_server_model(client: ServerClient, args: argparse.Namespace, *names: str) -> None:
    """A model flag given here must name the server's model: the server answers with the model it loaded."""
    served = client.get("/api/models")["llm"]["name"]
    for name in names:
        wanted = getattr(args, name, None)
        if wanted and wanted != served:
            raise BadInputError(f"--{name.replace('_', '-')} {wanted} differs from the server's model {served}",
                                hint="drop the flag, or start the server with that model")  # fmt: skip
