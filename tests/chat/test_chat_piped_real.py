"""Scriptable mode with the real 0.5B model on prompt files of two fields: stdin is a pipe, --json lines that
parse: a first question (full form), a direct follow-up and a referring one (short, cited, different), /full
QUESTION (full form), /sources."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rag_answer.sources import load_source
from tests.chat.conftest import CONVERSATIONS, URL, chat_command, chat_env, check_full, check_short

pytestmark = pytest.mark.llm


@pytest.mark.parametrize("field", ["video forensics", "preference tuning"])
def test_piped_json_conversation(field: str, chat_home: Path, tmp_path: Path) -> None:
    path, first_q, direct_q, referring_q, full_q = CONVERSATIONS[field]
    source = load_source(path)
    supplied = set(source.links)
    ids = {entry.id for entry in source.entries}
    lines_in = f"{first_q}\n{direct_q}\n{referring_q}\n/full {full_q}\n/sources\n"
    done = subprocess.run(
        [*chat_command("--prompt", str(path), "--json")],
        input=lines_in,
        capture_output=True,
        text=True,
        env=chat_env(chat_home),
        cwd=tmp_path,
        timeout=900,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 5, (done.stdout, done.stderr)
    first, direct, referring, full, command = lines
    answers = [first, direct, referring, full]
    assert not any("error" in line for line in lines), lines
    assert [a["turn"] for a in answers] == [1, 2, 3, 4] and [a["history_turns"] for a in answers] == [0, 1, 2, 3]
    assert [a["form"] for a in answers] == ["full", "short", "short", "full"]
    assert [a["question"] for a in answers] == [first_q, direct_q, referring_q, full_q]
    assert first["model"]["name"].startswith("qwen2.5-coder-0.5b")

    check_full(first["answer"], ids)
    check_full(full["answer"], ids)
    assert first["sections"]["task"].startswith("The user wants") and full["sections"]["task"].startswith("The user")
    texts = [check_short(a["answer"], ids) for a in (direct, referring)]
    # each follow-up answers its own question: different from each other and from the first answer
    assert len({*texts, first["sections"]["answer"]}) == 3, texts
    # the referring follow-up was retrieved with the question it follows; the direct one on its own
    assert direct["follows"] is None and direct["retrieval_query"] == direct_q
    assert referring["follows"] == 2 and referring["retrieval_query"] == f"{direct_q}\n{referring_q}"
    assert referring["notes"] == [f"[context] retrieved as a follow-up to turn 2 ({direct_q!r})"]
    for answer in answers:
        assert answer["used"] and set(answer["used"]) <= ids and set(answer["used"]) <= set(answer["read"])
        assert answer["used"] == answer["citations"]
        assert set(URL.findall(answer["answer"])) <= supplied
        summary = answer["audit"]["report"]["summary"]
        assert (summary["links_rejected"], summary["markers_invalid"]) == (0, 0), answer["audit"]
        assert summary["claims_checked"] and summary["supported"] >= 1, answer["audit"]
    # the follow-ups read entries whose prefix turn 1 evaluated: restored from memory, not evaluated again
    for answer in (direct, referring):
        assert answer["generation"]["prefix_cache"] == "memory" and answer["generation"]["reused_tokens"] > 0
    # exit status: 2 if a line failed (none did), else 1 if an answer's final audit found problems, else 0
    expected = 0 if all(a["audit"]["clean"] for a in answers) else 1
    assert done.returncode == expected, (expected, done.stderr)
    assert done.stderr.count("[reading] ") == 4 and "[context] retrieved as a follow-up to turn 2" in done.stderr
    assert command["command"] == "/sources" and set(URL.findall(command["output"])) == supplied
