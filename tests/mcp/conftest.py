"""A real `rag-answer mcp` subprocess driven over stdio by the MCP SDK's own client (ClientSession)."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio

from tests.conftest import ROOT
from tests.server.conftest import cli_env

T = TypeVar("T")


def with_session(home: Path, flags: list[str], body: Callable[[Any], Awaitable[T]], *, errlog: Path,
                 env: dict[str, str] | None = None) -> T:  # fmt: skip
    """Start `python -m rag_answer mcp FLAGS` (this worktree's code), initialize a ClientSession over its stdio, run
    body(session) and return what it returns; the server ends when the session closes."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "rag_answer", "mcp", *flags],
                                   env=cli_env(home, **(env or {})), cwd=str(ROOT))  # fmt: skip

    async def run() -> T:
        with errlog.open("a", encoding="utf-8") as log:
            async with stdio_client(params, errlog=log) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)

    return anyio.run(run)


def text_of(result: Any) -> str:
    return "".join(block.text for block in result.content if block.type == "text")
