"""Scriptable mode with the real 0.5B model: stdin is a pipe, two questions, --json lines that parse."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from rag_answer.sources import load_source
from tests.chat.conftest import chat_command, chat_env

pytestmark = pytest.mark.llm

URL = re.compile(r"https?://[^\s)|>\]`]+")


def test_piped_json_two_questions(chat_home: Path, example_path: Path, tmp_path: Path) -> None:
    supplied = {link for entry in load_source(example_path).entries for link in entry.links}
    lines_in = "What data trains a model to capture fine skin detail?\nWhich supplied paper is about skin?\n/sources\n"
    done = subprocess.run(
        [*chat_command("--prompt", str(example_path), "--json")],
        input=lines_in,
        capture_output=True,
        text=True,
        env=chat_env(chat_home),
        cwd=tmp_path,
        timeout=900,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 3, (done.stdout, done.stderr)
    first, second, command = lines
    assert not any("error" in line for line in lines), lines
    # Every answer is audited and repaired before it is printed, so no final answer keeps a rejected link or an
    # invalid marker; the exit status is exactly the documented one: 2 if a line failed (none did), else 1 if an
    # answer's final audit found problems, else 0.
    for answer in (first, second):
        summary = answer["audit"]["report"]["summary"]
        assert (summary["links_rejected"], summary["markers_invalid"]) == (0, 0), answer["audit"]
    expected = 0 if first["audit"]["clean"] and second["audit"]["clean"] else 1
    assert done.returncode == expected, (expected, done.stderr)
    assert [first["turn"], second["turn"]] == [1, 2] and [first["history_turns"], second["history_turns"]] == [0, 1]
    assert first["question"].startswith("What data") and first["model"]["name"].startswith("qwen2.5-coder-0.5b")
    assert first["settings"]["max_tokens"] == 32
    # the follow-up reused everything turn 1 evaluated (instructions, sources, question 1), from memory
    assert second["generation"]["prefix_cache"] == "memory"
    assert second["generation"]["reused_tokens"] >= first["generation"]["prompt_tokens"]
    for answer in (first, second):
        assert set(URL.findall(answer["answer"])) <= supplied
    assert command["command"] == "/sources" and set(URL.findall(command["output"])) == supplied
