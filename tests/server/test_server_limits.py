"""Safe defaults on a second real server (a bearer token, and a context window of 512 tokens): the token is
required, an over-long request is a 413 JSON error, and nothing binds beyond this machine without a token."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.server.conftest import EXAMPLE_ID, Server, cli_env, start_server, stop_server

pytestmark = pytest.mark.llm

TOKEN = "s3cret-test-token"


@pytest.fixture(scope="module")
def guarded(session_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(session_home, tmp_path_factory.mktemp("guarded") / "server.log", token=TOKEN,
                           env={"RAG_ANSWER_N_CTX": "512"})  # fmt: skip
    yield running
    stop_server(running)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                     {"Authorization": f"Basic {TOKEN}"}])  # fmt: skip
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/models"), ("POST", "/api/ask"), ("GET", "/v1/models"),
                                              ("POST", "/v1/chat/completions"), ("GET", "/api/search?q=x")])  # fmt: skip
def test_every_api_call_needs_the_token(guarded: Server, headers, method, path) -> None:
    response = httpx.request(method, guarded.url + path, headers=headers, json={}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized" and response.headers["www-authenticate"] == "Bearer"


def test_with_the_token_the_api_answers(guarded: Server) -> None:
    assert httpx.get(guarded.url + "/api/health", timeout=10).json()["token_required"] is True
    with guarded.client() as client:
        assert [m["id"] for m in client.get("/api/models").json()["models"]] == [EXAMPLE_ID]
    from openai import OpenAI

    assert [model.id for model in OpenAI(base_url=guarded.url + "/v1", api_key=TOKEN).models.list()] == [EXAMPLE_ID]


def test_a_request_over_the_context_window_is_a_413_json_error(guarded: Server) -> None:
    question = "What data trains AI to capture skin finely, " + "and which tricks keep the resolution high, " * 30
    with guarded.client() as client:
        response = client.post("/api/ask", json={"index": EXAMPLE_ID, "question": question.strip(", ") + "?"})
        assert response.status_code == 413, response.text
        error = response.json()["error"]
        assert error["code"] == "context_length_exceeded" and "exceed the context of 512" in error["message"]
        assert client.get("/api/models").status_code == 200  # and it keeps serving


def test_it_will_not_listen_beyond_this_machine_without_a_token(session_home: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "rag_answer", "serve", "--host", "0.0.0.0", "--port", "1"],
                          cwd=ROOT, env=cli_env(session_home), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == ("rag-answer: error: refusing to listen on 0.0.0.0 without a token "
                           "(pass --token or set RAG_ANSWER_TOKEN, or bind to 127.0.0.1)\n")  # fmt: skip
