"""The HTTP API of a real server: JSON and streamed answers, the safety behaviours, and bad requests answered
with 4xx JSON while the server keeps serving."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.server.conftest import EXAMPLE_ID, Server

pytestmark = pytest.mark.llm

QUESTION = "What data trains AI to capture skin finely?"
EXAMPLE_ENTRIES = ["txt2img-stablediffusionv1", "the-skin-game", "enhancing-image-matting", "hi4d-4d-instance"]
ASK_KEYS = {"question", "answer", "sections", "citations", "sources", "retrieved", "refused", "refusal_reason",
            "repairs", "audit", "timings", "generation", "model", "settings", "parts", "labels", "program_spans",
            "source_warnings"}  # fmt: skip


def read_events(response: httpx.Response, *, stop_after: str | None = None) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    name = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name or "message", json.loads(line[6:])))
            if name == stop_after:
                break
    return events


@pytest.fixture(scope="module")
def asked(server: Server) -> dict:
    """One JSON answer to QUESTION over the loaded example, shared by the tests that compare with it."""
    with server.client() as client:
        response = client.post("/api/ask", json={"index": EXAMPLE_ID, "question": QUESTION})
    assert response.status_code == 200, response.text
    return response.json()


def test_health_models_and_schemas(server: Server) -> None:
    health = server.health()
    assert health["status"] == "ok" and health["model"]["name"] == "qwen2.5-coder-0.5b"
    assert health["token_required"] is False
    with server.client() as client:
        models = client.get("/api/models").json()
        schemas = client.get("/api/schema").json()
    assert [model["id"] for model in models["models"]] == [EXAMPLE_ID]
    assert models["models"][0]["question"].startswith("I generated a studio portrait")
    assert [entry["id"] for entry in models["models"][0]["entries"]] == EXAMPLE_ENTRIES
    assert set(schemas) == {"POST /api/ask", "POST /api/chat", "POST /api/audit", "POST /api/report",
                            "POST /v1/chat/completions"}  # fmt: skip
    assert "prompt_file" in schemas["POST /api/ask"]["properties"]


def test_ask_json_is_the_ask_json_object(asked: dict) -> None:
    assert set(asked) == ASK_KEYS
    assert asked["question"] == QUESTION
    assert asked["answer"].startswith("### 1. Task\n") and "### 2. Answer" in asked["answer"]
    assert asked["model"]["name"] == "qwen2.5-coder-0.5b"
    assert asked["settings"]["max_tokens"] == 48 and asked["settings"]["top_k"] == 1
    assert asked["audit"]["report"]["summary"]["links_rejected"] == 0


def test_ask_streams_only_checked_text_unless_drafts_are_asked_for(server: Server, asked: dict) -> None:
    events = {}
    for drafts in (False, True):
        with server.client() as client, client.stream("POST", "/api/ask", json={
                "index": EXAMPLE_ID, "question": QUESTION, "drafts": drafts},
                headers={"Accept": "text/event-stream"}) as response:  # fmt: skip
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events[drafts] = read_events(response)
    plain = [name for name, _ in events[False]]
    assert plain[0] == "text" and "draft" not in plain  # nothing unchecked by default
    names = [name for name, _ in events[True]]
    assert names[0] == "draft" and names[-2:] == ["result", "footer"]
    first_text = names.index("text")
    assert set(names[:first_text]) == {"draft"}  # nothing checked is shown before the drafts are done
    assert all(data["checked"] is False for name, data in events[True] if name == "draft")
    assert set(names[first_text:-2]) == {"text"}
    for stream in events.values():
        shown = "".join(data["text"] for name, data in stream if name == "text")
        result = stream[-2][1]
        assert shown == result["answer"] == asked["answer"]  # reproducible: the same answer as the JSON request
        assert set(result) == ASK_KEYS
        assert stream[-1][1]["text"].startswith("[audit: ")


def test_ask_with_a_whole_prompt_file(server: Server, example_path) -> None:
    """A prompt file sent as text is answered from its own entries (the index is built or found in the cache)."""
    body = {"prompt_file": example_path.read_text("utf-8"), "path": "mine.txt", "settings": {"max_tokens": 16}}
    with server.client() as client:
        response = client.post("/api/ask", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["question"].startswith("I generated a studio portrait")
    assert result["settings"]["max_tokens"] == 16
    assert result["refused"] is False and result["sources"]
    assert {source["id"] for source in result["sources"]} <= set(EXAMPLE_ENTRIES)


BAD_REQUESTS = [
    ("POST", "/api/ask", b"{bad json", 400, "bad_input", "not valid JSON"),
    ("POST", "/api/ask", b"[1, 2]", 400, "bad_input", "must be a JSON object"),
    ("POST", "/api/ask", b"", 400, "bad_input", "not valid JSON"),
    ("POST", "/api/ask", b"\xff\xfe", 400, "bad_input", "not valid JSON"),
    ("POST", "/api/ask", b"{}", 400, "bad_input", "nothing to answer"),
    ("POST", "/api/ask", json.dumps({"index": EXAMPLE_ID, "questionx": "q"}).encode(), 422, "invalid_request",
     "questionx"),
    ("POST", "/api/ask", json.dumps({"index": "nope", "question": "q"}).encode(), 404, "model_not_found", "'nope'"),
    ("POST", "/api/ask", json.dumps({"index": EXAMPLE_ID, "question": "x" * 2001}).encode(), 413, "too_large",
     "2001 characters"),
    ("POST", "/api/ask", json.dumps({"prompt_file": "   "}).encode(), 400, "bad_input", "empty"),
    ("POST", "/api/ask", json.dumps({"index": EXAMPLE_ID, "question": "q", "settings": {"top_k": 0}}).encode(),
     422, "invalid_request", "settings.top_k"),
    ("POST", "/api/audit", json.dumps({"answer": "text"}).encode(), 400, "bad_input", "no sources"),
    ("POST", "/v1/chat/completions", json.dumps({"model": EXAMPLE_ID, "messages": []}).encode(), 422,
     "invalid_request", "messages"),
    ("POST", "/v1/chat/completions", json.dumps({"model": EXAMPLE_ID, "messages": [
        {"role": "assistant", "content": "hi"}]}).encode(), 400, "bad_input", "last message"),
    ("POST", "/v1/chat/completions", json.dumps({"model": "gpt-4", "messages": [
        {"role": "user", "content": "hi"}]}).encode(), 404, "model_not_found", "'gpt-4'"),
    ("GET", "/api/search?index=" + EXAMPLE_ID, None, 400, "bad_input", "no query"),
    ("GET", f"/api/search?q=skin&index={EXAMPLE_ID}&k=abc", None, 400, "bad_input", "k must be"),
    ("GET", "/no/such/page", None, 404, "not_found", "Not Found"),
    ("GET", "/api/ask", None, 405, "method_not_allowed", "Method Not Allowed"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code", "message"), BAD_REQUESTS)
def test_bad_requests_get_a_json_error(server: Server, method, path, body, status, code, message) -> None:
    with server.client() as client:
        response = client.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"], error
    assert "Traceback" not in response.text
    assert server.health()["status"] == "ok"


def test_a_body_over_the_limit_is_413_before_it_is_read(server: Server) -> None:
    body = json.dumps({"prompt_file": "x" * 1_100_000}).encode()
    with server.client() as client:
        response = client.post("/api/ask", content=body)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_a_client_that_disconnects_stops_its_generation(server: Server) -> None:
    """A whole answer takes several seconds; after the client leaves at its first token the LLM is free at once."""
    assert server.wait_idle(60)
    with server.client() as client, client.stream("POST", "/api/ask", json={
            "index": EXAMPLE_ID, "question": QUESTION, "drafts": True},
            headers={"Accept": "text/event-stream"}) as response:  # fmt: skip
        assert read_events(response, stop_after="draft")[-1][0] == "draft"
    assert server.wait_idle(2.5), server.health()
    assert server.health()["status"] == "ok"


def test_a_json_client_that_gives_up_stops_its_generation(server: Server) -> None:
    assert server.wait_idle(60)
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(10.0, read=1.5)) as client, pytest.raises(
        httpx.ReadTimeout
    ):
        # a long answer (4 entries, up to 600 tokens: half a minute or more), given up on after 1.5 s
        client.post("/api/ask", json={"index": EXAMPLE_ID, "question": QUESTION,
                                      "settings": {"top_k": 4, "max_tokens": 600}})  # fmt: skip
    # noticed within 0.5 s; the generation stops at its next token (after the prompt evaluation under way)
    assert server.wait_idle(10), server.health()


def test_one_generation_at_a_time_then_a_bounded_queue_then_503(server: Server) -> None:
    """--queue 1: one request runs, one waits, the next is refused with 503 and Retry-After; the server lives on."""
    assert server.wait_idle(60)
    ask = {"index": EXAMPLE_ID, "question": QUESTION}
    sse = {"Accept": "text/event-stream"}
    with server.client() as first, server.client() as second, server.client() as third:  # noqa: SIM117 (order matters)
        with first.stream("POST", "/api/ask", json=ask, headers=sse) as running:
            assert running.status_code == 200
            with second.stream("POST", "/api/ask", json=ask, headers=sse) as waiting:
                assert waiting.status_code == 200
                queue = server.health()["queue"]
                assert (queue["running"], queue["waiting"]) == (1, 1)
                refused = third.post("/api/ask", json=ask)
                assert refused.status_code == 503
                assert refused.json()["error"]["code"] == "busy" and refused.headers["retry-after"] == "2"
                refused_stream = third.post("/api/ask", json=ask, headers=sse)
                assert refused_stream.status_code == 503
    assert server.wait_idle(5), server.health()
    assert server.health()["queue"]["refused_busy"] >= 2


def test_search_is_the_search_json_object(server: Server) -> None:
    with server.client() as client:
        found = client.get("/api/search", params={"q": "skin dermatology data", "index": EXAMPLE_ID, "k": 2}).json()
    assert found["query"] == "skin dermatology data" and found["index"] == EXAMPLE_ID
    assert len(found["hits"]) == 2 and found["hits"][0]["id"] == "the-skin-game"


def test_audit_finds_a_bad_link_and_renders_like_the_command(server: Server, example_path) -> None:
    answer = ("Skin data is compared across dermatology models [@the-skin-game].\n\n"
              "See https://evil.example.com/skin for more.\n")  # fmt: skip
    body = {"answer": answer, "sources": example_path.read_text("utf-8"), "judge": False, "format": "markdown"}
    with server.client() as client:
        reply = client.post("/api/audit", json=body).json()
    assert reply["exit_code"] == 1
    rejected = [link for link in reply["report"]["links"] if not link["accepted"]]
    assert [link["url"] for link in rejected] == ["https://evil.example.com/skin"]
    assert "evil[.]example[.]com" in reply["rendered"] and "https://evil.example.com" not in reply["rendered"]
