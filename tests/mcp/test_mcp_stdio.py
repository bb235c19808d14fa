"""`rag-answer mcp` as a real subprocess, driven over stdio by the MCP SDK's own client: the tools an agent sees,
tool errors for bad arguments (and the server keeps serving), the sources of a prompt file; and, with the real
model, `ask` giving the same answer as `rag-answer ask --json` and `audit` rejecting a hand-edited link."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_PATH, ROOT, SMALL_PRESET
from tests.mcp.conftest import text_of, with_session
from tests.server.conftest import cli_env

pytest.importorskip("mcp")

EXAMPLE_ENTRIES = ["txt2img-stablediffusionv1", "the-skin-game", "enhancing-image-matting", "hi4d-4d-instance"]
MODEL_FLAGS = ["--model", SMALL_PRESET, "--seed", "0"]

# (tool, arguments, a fragment of the one-line error); none of them needs a model
BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("ask", {"prompt_file": "no/such/prompt.txt"}, "no/such/prompt.txt"),
    ("ask", {"question": "  ", "index": "example"}, "no question given"),
    ("ask", {}, "nothing to answer"),
    ("ask", {"prompt_file": str(EXAMPLE_PATH), "index": "example"}, "not both"),
    ("ask", {"prompt_file": str(EXAMPLE_PATH), "question": "why? " * 500}, "over the limit of 2000"),
    ("ask", {"prompt_file": str(EXAMPLE_PATH), "top_k": 0}, "top_k"),
    ("ask", {"prompt_file": str(EXAMPLE_PATH), "colour": "red"}, "colour"),
    ("audit", {"prompt_file": str(EXAMPLE_PATH)}, "no answer to audit"),
    ("audit", {"answer": "x" * 100_001, "prompt_file": str(EXAMPLE_PATH)}, "over the limit of 100000"),
    ("audit", {"answer": "Some text."}, "no sources to audit against"),
    ("sources", {"index": "no-such-index"}, "no such index"),
    ("search", {"query": "   ", "prompt_file": str(EXAMPLE_PATH)}, "no query"),
    ("sources", {"prompt_file": str(EXAMPLE_PATH), "source": "x"}, "not both"),
    ("frobnicate", {}, "frobnicate"),
]


def test_tools_bad_arguments_and_sources_over_stdio(session_home: Path, tmp_path: Path) -> None:
    """No model is loaded: the tool list, a tool error for each bad call (one line, no traceback), and after all of
    them a valid call is still answered."""

    async def body(session: Any) -> dict[str, Any]:
        tools = (await session.list_tools()).tools
        errors = [await session.call_tool(name, arguments) for name, arguments, _ in BAD_CALLS]
        listed = await session.call_tool("sources", {"prompt_file": str(EXAMPLE_PATH)})
        templates = (await session.list_resource_templates()).resourceTemplates
        resource = await session.read_resource(f"rag-answer://sources/prompt/{EXAMPLE_PATH}")
        return {"tools": tools, "errors": errors, "listed": listed, "templates": templates, "resource": resource}

    got = with_session(session_home, MODEL_FLAGS, body, errlog=tmp_path / "mcp.log")
    tools = {tool.name: tool for tool in got["tools"]}
    assert sorted(tools) == ["ask", "audit", "search", "sources"]
    assert set(tools["ask"].inputSchema["properties"]) >= {"question", "prompt_file", "index", "source", "seed"}
    assert {"sentences", "source_warnings", "supplied_links", "clean"} <= set(tools["ask"].outputSchema["properties"])
    assert {"links_rejected", "claims", "clean"} <= set(tools["audit"].outputSchema["properties"])
    assert all(tool.description and len(tool.description) > 80 for tool in tools.values())
    assert all(tool.annotations.readOnlyHint for tool in tools.values())

    for (name, _, fragment), result in zip(BAD_CALLS, got["errors"], strict=True):
        message = text_of(result)
        assert result.isError, (name, message)
        assert fragment in message, (name, message)
        assert "\n" not in message and "Traceback" not in message, message

    listed = got["listed"]
    assert not listed.isError, text_of(listed)
    assert [entry["id"] for entry in listed.structuredContent["entries"]] == EXAMPLE_ENTRIES
    assert listed.structuredContent["question"].startswith("I generated a studio portrait")
    assert "https://github.com/yifeiyin04/Hi4D" in text_of(listed)
    assert {template.uriTemplate for template in got["templates"]} == {"rag-answer://sources/index/{name}",
                                                                      "rag-answer://sources/prompt/{path}"}  # fmt: skip
    assert [entry["id"] for entry in json.loads(got["resource"].contents[0].text)["entries"]] == EXAMPLE_ENTRIES
    assert "Traceback" not in (tmp_path / "mcp.log").read_text("utf-8")


def rag_answer(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag_answer", *args], cwd=ROOT, env=cli_env(home),
                          capture_output=True, text=True, timeout=1200)  # fmt: skip


def without_timing(result: dict) -> dict:
    """An answer object without what depends on the clock or on what the prompt-state cache already held."""
    result = {**result, "timings": None}
    result["generation"] = {key: value for key, value in result["generation"].items()
                            if key in ("prompt_tokens", "generated_tokens", "calls")}  # fmt: skip
    return result


@pytest.mark.llm
def test_ask_and_audit_over_stdio_match_the_commands(session_home: Path, tmp_path: Path) -> None:
    """ask: the same answer as `rag-answer ask --json` with the same model and seed; audit of a hand-edited copy:
    the edited link rejected and clean false (what `rag-answer audit` exits 1 for), the same report as the command;
    then a bad call is a tool error and the next valid call is answered."""
    command = rag_answer(session_home, "ask", "--prompt", str(EXAMPLE_PATH), "--json", *MODEL_FLAGS)
    assert command.returncode in (0, 1), command.stderr[-2000:]
    expected = json.loads(command.stdout)

    async def asked(session: Any) -> Any:
        return await session.call_tool("ask", {"prompt_file": str(EXAMPLE_PATH)})

    answer = with_session(session_home, MODEL_FLAGS, asked, errlog=tmp_path / "mcp.log")
    assert not answer.isError, text_of(answer)
    got = answer.structuredContent
    assert got["answer"] == expected["answer"]
    assert without_timing(got["result"]) == without_timing(expected)
    assert text_of(answer).startswith(expected["answer"]) and "[audit: " in text_of(answer)
    assert got["source_warnings"] == [] and got["supplied_links"] == expected["sources"]
    assert [s["text"] for s in got["sentences"]] == [c["text"] for c in expected["audit"]["report"]["claims"]]
    assert got["clean"] is expected["audit"]["clean"]

    # hand-edit one supplied GitHub link of the answer into someone else's repository
    link = re.search(r"https://github\.com/([\w.-]+)/[\w.-]+", got["answer"])
    assert link is not None, got["answer"]
    edited_link = link.group(0).replace(f"/{link.group(1)}/", "/someone-else/")
    edited = got["answer"].replace(link.group(0), edited_link)
    answer_file = tmp_path / "edited.md"
    answer_file.write_text(edited, encoding="utf-8")
    audited = rag_answer(session_home, "audit", str(answer_file), "--sources", str(EXAMPLE_PATH), "--json",
                         "--no-judge")  # fmt: skip
    assert audited.returncode == 1, audited.stderr

    async def audit_then_errors(session: Any) -> list[Any]:
        first = await session.call_tool("audit", {"answer": edited, "prompt_file": str(EXAMPLE_PATH), "judge": False})
        bad = await session.call_tool("ask", {"prompt_file": str(tmp_path / "missing.txt")})
        again = await session.call_tool("audit", {"answer_file": str(answer_file), "prompt_file": str(EXAMPLE_PATH),
                                                  "judge": False})  # fmt: skip
        return [first, bad, again]

    first, bad, again = with_session(session_home, MODEL_FLAGS, audit_then_errors, errlog=tmp_path / "mcp.log")
    assert not first.isError, text_of(first)
    report = first.structuredContent
    assert report["clean"] is False and report["exit_code"] == 1
    assert edited_link in [entry["url"] for entry in report["links_rejected"]]
    assert all(entry["reason"] for entry in report["links_rejected"])
    assert bad.isError and "missing.txt" in text_of(bad)
    assert not again.isError
    assert again.structuredContent["report"] == json.loads(audited.stdout)  # the command's own report, same file


@pytest.mark.llm
def test_a_cancelled_ask_stops_its_generation_and_the_server_serves_on(session_home: Path, tmp_path: Path) -> None:
    """The host cancels a long `ask` (notifications/cancelled): its generation stops at the next token (the worker
    logs that the stop flag ended it), the call gets the SDK's cancellation error, and the next call is answered."""
    import anyio
    import mcp.types as types
    from mcp.shared.exceptions import McpError

    log = tmp_path / "mcp.log"

    async def body(session: Any) -> tuple[dict[str, Any], Any, float]:
        ask_id = session._request_id  # the id the next request gets: the SDK numbers requests in order
        outcome: dict[str, Any] = {}

        async def ask() -> None:
            try:
                outcome["result"] = await session.call_tool("ask", {"prompt_file": str(EXAMPLE_PATH), "top_k": 4,
                                                                    "max_tokens": 600})  # fmt: skip
            except McpError as exc:
                outcome["error"] = exc.error.message

        async with anyio.create_task_group() as group:
            group.start_soon(ask)
            with anyio.fail_after(300):
                while "ask: started" not in log.read_text("utf-8"):
                    await anyio.sleep(0.2)
            await anyio.sleep(8)  # the model is loaded and reading the first entry
            cancel = types.CancelledNotification(params=types.CancelledNotificationParams(requestId=ask_id))
            await session.send_notification(types.ClientNotification(cancel))
            started = time.monotonic()
            found = await session.call_tool("search", {"query": "skin detail", "prompt_file": str(EXAMPLE_PATH)})
            waited = time.monotonic() - started
        return outcome, found, waited

    outcome, found, waited = with_session(session_home, MODEL_FLAGS, body, errlog=log)
    assert outcome == {"error": "Request cancelled"}
    assert "ask: stopped (the host cancelled it)" in log.read_text("utf-8")
    assert not found.isError and found.structuredContent["hits"][0]["id"] == "the-skin-game"
    assert waited < 90, waited  # a whole answer over 4 entries takes minutes here; a stop, one prompt evaluation
