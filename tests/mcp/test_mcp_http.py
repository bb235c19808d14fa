"""`rag-answer mcp --transport http`: the same tools over streamable HTTP on 127.0.0.1, reached with the SDK's own
streamable HTTP client; and it will not listen beyond this machine. No model is loaded."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import EXAMPLE_PATH, ROOT
from tests.mcp.conftest import text_of
from tests.server.conftest import cli_env, free_port

pytest.importorskip("mcp")


def test_the_tools_over_streamable_http(session_home: Path, tmp_path: Path) -> None:
    import anyio
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    port = free_port()
    log = tmp_path / "mcp-http.log"
    process = subprocess.Popen([sys.executable, "-m", "rag_answer", "mcp", "--transport", "http", "--port", str(port)],
                               cwd=ROOT, env=cli_env(session_home), stdout=log.open("wb"),
                               stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text("utf-8")
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)

        async def run() -> tuple[list[str], Any, Any]:
            async with streamable_http_client(url) as (read, write, _), ClientSession(read, write) as session:
                await session.initialize()
                tools = [tool.name for tool in (await session.list_tools()).tools]
                bad = await session.call_tool("sources", {"index": "no-such-index"})
                good = await session.call_tool("sources", {"prompt_file": str(EXAMPLE_PATH)})
                return tools, bad, good

        tools, bad, good = anyio.run(run)
        # a page on another origin cannot drive it (the SDK's DNS-rebinding protection)
        foreign = httpx.post(url, json={}, headers={"Host": "evil.example:80", "Accept": "application/json"},
                             timeout=10)  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert sorted(tools) == ["ask", "audit", "search", "sources"]
    assert bad.isError and "no such index" in text_of(bad)
    assert not good.isError and len(good.structuredContent["entries"]) == 4
    assert foreign.status_code == 421, foreign.text


def test_it_will_not_listen_beyond_this_machine(session_home: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "rag_answer", "mcp", "--transport", "http", "--host", "0.0.0.0"],
                          cwd=ROOT, env=cli_env(session_home), capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("rag-answer: error: refusing to serve MCP on 0.0.0.0 (the MCP server listens on 127.0.0.1 "
                           "only)\n")  # fmt: skip
