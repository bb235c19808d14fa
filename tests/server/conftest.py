"""A real `rag-answer serve` on a free 127.0.0.1 port (real embedder, FAISS and the 0.5B llama.cpp model),
started once per test session and driven over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLE_PATH, ROOT, SMALL_PRESET

EXAMPLE_ID = EXAMPLE_PATH.stem
# Few tokens and one retrieved entry keep each real answer to seconds; the in-process runs use the same flags.
FAST_FLAGS = ["--model", SMALL_PRESET, "--max-tokens", "48", "--top-k", "1", "--quiet"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "RAG_ANSWER_HOME": str(home), "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", **extra}  # fmt: skip
    for name in ("RAG_ANSWER_SERVER", "RAG_ANSWER_TOKEN", "RAG_ANSWER_CONFIG"):
        if name not in extra:
            env.pop(name, None)
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    token: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers(), timeout=httpx.Timeout(10.0, read=300.0),
                            **kwargs)  # fmt: skip

    def health(self) -> dict:
        return httpx.get(f"{self.url}/api/health", timeout=10).json()

    def wait_idle(self, seconds: float) -> bool:
        """True once nothing runs or waits for the LLM (within seconds)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            queue = self.health()["queue"]
            if queue["running"] == 0 and queue["waiting"] == 0:
                return True
            time.sleep(0.1)
        return False


def start_server(home: Path, log: Path, *extra: str, token: str | None = None, env: dict[str, str] | None = None
                 ) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "rag_answer", "serve", "--port", str(port), "--prompt", str(EXAMPLE_PATH),
               *FAST_FLAGS, *extra]  # fmt: skip
    process_env = cli_env(home, **({"RAG_ANSWER_TOKEN": token} if token else {}), **(env or {}))
    process = subprocess.Popen(command, cwd=ROOT, env=process_env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log, token)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    pytest.fail("the server did not start within 300 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server(session_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared server: queue bound 1, so a third concurrent request is refused with 503."""
    running = start_server(session_home, tmp_path_factory.mktemp("server") / "server.log", "--queue", "1")
    yield running
    stop_server(running)
