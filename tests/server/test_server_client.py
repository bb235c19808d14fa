"""`--server URL`: `ask` and `audit` print the same bytes, and exit with the same code, as in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_PATH, ROOT, SMALL_PRESET
from tests.server.conftest import FAST_FLAGS, Server, cli_env, free_port

pytestmark = pytest.mark.llm


def rag_answer(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag_answer", *args], cwd=ROOT, env=cli_env(home, **env),
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def without_timing(result: dict) -> dict:
    """An answer object without what depends on the clock or on what the prompt-state cache already held."""
    result = {**result, "timings": None}
    result["generation"] = {key: value for key, value in result["generation"].items()
                            if key in ("prompt_tokens", "generated_tokens", "calls")}  # fmt: skip
    return result


def test_ask_over_the_server_prints_the_same_bytes(server: Server, session_home: Path) -> None:
    ask = ["ask", "--prompt", str(EXAMPLE_PATH), *FAST_FLAGS]
    local = rag_answer(session_home, *ask)
    remote = rag_answer(session_home, *ask, "--server", server.url)
    by_env = rag_answer(session_home, *ask, RAG_ANSWER_SERVER=server.url)
    assert local.returncode == remote.returncode == by_env.returncode == 0, local.stderr + remote.stderr
    assert local.stdout.startswith("### 1. Task\n")
    assert remote.stdout == local.stdout == by_env.stdout
    # the footer: the same audit line; the speed line differs only in its timings
    assert remote.stderr.splitlines()[0] == local.stderr.splitlines()[0]
    assert remote.stderr.splitlines()[0].startswith("[audit: ")


def test_ask_json_over_the_server_is_the_same_object(server: Server, session_home: Path) -> None:
    ask = ["ask", "--prompt", str(EXAMPLE_PATH), "--json", *FAST_FLAGS]
    local = rag_answer(session_home, *ask)
    remote = rag_answer(session_home, *ask, "--server", server.url)
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert without_timing(json.loads(remote.stdout)) == without_timing(json.loads(local.stdout))


def test_audit_over_the_server_prints_the_same_bytes(server: Server, session_home: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text("The Skin Game compares dermatology models on HAM10000 [@the-skin-game].\n\n"
                      "Code: https://github.com/someone-else/skin-game\n", encoding="utf-8")  # fmt: skip
    for output in ("--json", "--markdown", None):
        audit = ["audit", str(answer), "--sources", str(EXAMPLE_PATH), "--judge-model", SMALL_PRESET,
                 *([output] if output else [])]  # fmt: skip
        local = rag_answer(session_home, *audit)
        remote = rag_answer(session_home, *audit, "--server", server.url)
        assert local.returncode == remote.returncode == 1  # a link that was not supplied
        assert remote.stdout == local.stdout, output
        assert "someone-else" in local.stdout


def test_a_server_that_is_not_there_is_one_clear_line(session_home: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = rag_answer(session_home, "ask", "--prompt", str(EXAMPLE_PATH), "--server", url)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"rag-answer: error: cannot reach the server at {url} (ConnectError) (start it with "
                           "`rag-answer serve`, or drop --server/RAG_ANSWER_SERVER)\n")  # fmt: skip


def test_a_model_flag_must_match_the_servers_model(server: Server, session_home: Path) -> None:
    done = rag_answer(session_home, "ask", "--prompt", str(EXAMPLE_PATH), "--model", "qwen2.5-coder-1.5b",
                      "--server", server.url)  # fmt: skip
    assert done.returncode == 2
    assert "--model qwen2.5-coder-1.5b differs from the server's model qwen2.5-coder-0.5b" in done.stderr
    assert "Traceback" not in done.stderr


def test_report_over_the_server_writes_the_same_files(server: Server, session_home: Path, tmp_path: Path) -> None:
    from rag_answer.report.markdown import strip_timings

    report = ["report", str(EXAMPLE_PATH), "--format", "md,html", *FAST_FLAGS]
    local = rag_answer(session_home, *report, "-o", str(tmp_path / "local"))
    remote = rag_answer(session_home, *report, "-o", str(tmp_path / "remote"), "--server", server.url)
    assert local.returncode == remote.returncode == 0, remote.stderr
    name = EXAMPLE_PATH.stem
    local_md = (tmp_path / "local" / f"{name}.md").read_text("utf-8")
    remote_md = (tmp_path / "remote" / f"{name}.md").read_text("utf-8")
    assert "Evidence record" in local_md
    assert strip_timings(remote_md) == strip_timings(local_md)  # the timings block is the only difference
    assert (tmp_path / "remote" / f"{name}.html").is_file()
    # the summary table: the same rows but for the seconds column
    assert remote.stdout.splitlines()[2].split()[:2] == [str(EXAMPLE_PATH), "ok"]
    assert remote.stdout.splitlines()[3:] == local.stdout.splitlines()[3:]


def test_piped_chat_over_the_server_prints_the_same_lines(server: Server, session_home: Path) -> None:
    questions = "What data trains AI to capture skin finely?\n/sources\nwhich of them has code?\n"
    chat = [sys.executable, "-m", "rag_answer", "chat", "--prompt", str(EXAMPLE_PATH), *FAST_FLAGS]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*chat, *extra], cwd=ROOT, env=cli_env(session_home), input=questions,
                              capture_output=True, text=True, timeout=1200)  # fmt: skip

    local, remote = run(), run("--server", server.url)
    assert local.returncode == remote.returncode, remote.stderr
    assert local.stdout.startswith("### 1. Task\n") and "txt2img-stablediffusionv1" in local.stdout
    assert remote.stdout == local.stdout

    def steady(stderr: str) -> list[str]:
        return [line for line in stderr.splitlines() if not line.startswith("[speed]")]

    assert steady(remote.stderr) == steady(local.stderr)


def test_chat_over_the_server_refuses_commands_that_write_files(server: Server, session_home: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "rag_answer", "chat", "--prompt", str(EXAMPLE_PATH), "--server",
                           server.url], cwd=ROOT, env=cli_env(session_home), input="hello there?\n/save out.md\n",
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("rag-answer: error: /save writes a file and is not available over a server "
                           "(run that chat without --server)\n")  # fmt: skip
