"""The REPL in a real terminal (tmux) with the real 0.5B model: editing keys, streaming answers, follow-ups that
reuse the evaluated prefix, slash commands, Ctrl-C during an answer and at the prompt, /quit, persistent history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.chat.conftest import chat_command, chat_env

pytestmark = [pytest.mark.llm, pytest.mark.terminal]

Q1 = "What data trains a model to capture fine skin detail in portraits?"
Q2 = "And which supplied paper is about skin?"
Q3 = "How does mask-guided refinement help image matting?"
Q4 = "Which supplied paper covers close human interaction?"
SPEED = re.compile(r"\[speed\] first token [\d.]+s \((\w+) prefix, (\d+)/(\d+) prompt tokens reused\)")
ANSWER_TIMEOUT = 420  # one short answer on a loaded 2-core machine, with the first prompt evaluated cold


def test_chat_in_a_real_terminal(tmux, chat_home: Path, example_path: Path, tmp_path: Path) -> None:
    transcript = tmp_path / "transcript.md"
    tmux.start(chat_command("--prompt", str(example_path)), chat_env(chat_home), tmp_path)
    screen = tmux.wait_prompt(timeout=300)
    assert "4 supplied entries" in screen and "/help for commands" in screen

    # Tab completes a slash command; /sources lists the supplied entries with their links
    tmux.type("/so")
    tmux.keys("Tab")
    tmux.wait(lambda s: tmux.input_line() == "chat> /sources", 20, "completion of /so")
    tmux.keys("Enter")
    screen = tmux.wait(lambda s: "every answer sees all of them" in s, 60, "/sources output")
    assert "Paper: http://arxiv.org/pdf/2502.02500v1.pdf" in screen
    assert "GitHub: https://github.com/Kameronski/stable-diffusion-1.5" in screen

    # Up recalls the last line; Ctrl-C at the prompt clears it (else the next line would be appended to it)
    tmux.wait_prompt()
    tmux.keys("Up")
    tmux.wait(lambda s: tmux.input_line() == "chat> /sources", 20, "history recall with Up")
    tmux.keys("C-c")
    tmux.wait_prompt(20)

    # multi-line input: a trailing backslash, and Esc then Enter, both start a new line
    tmux.type("/retrieve skin \\")
    tmux.keys("Enter")
    tmux.type("datasets")
    tmux.keys("Enter")
    tmux.wait(lambda s: "retrieved for 'skin datasets'" in s, 60, "/retrieve over two lines (backslash)")
    tmux.wait_prompt()
    tmux.type("/retrieve image")
    tmux.keys("Escape", "Enter")
    tmux.type("matting")
    tmux.keys("Enter")
    screen = tmux.wait(lambda s: "retrieved for 'image matting'" in s, 60, "/retrieve over two lines (Esc Enter)")
    assert re.search(r"1\. 0\.\d{3}\s+\[@enhancing-image-matting\]", screen)

    # a question streams an answer, then the audit footer
    tmux.wait_prompt()
    tmux.type(Q1)
    tmux.keys("Enter")
    screen = tmux.wait_count(r"\[audit: ", 1, ANSWER_TIMEOUT)
    assert "### 1. Task" in screen and SPEED.search(screen)
    first_prompt_tokens = int(SPEED.findall(screen)[0][2])

    # a follow-up sees turn 1 and evaluates only its own new tokens: all of turn 1's prompt is reused
    tmux.wait_prompt()
    tmux.type(Q2)
    tmux.keys("Enter")
    screen = tmux.wait_count(r"\[audit: ", 2, ANSWER_TIMEOUT)
    cache, reused, total = SPEED.findall(screen)[1]
    assert cache == "memory" and int(reused) >= first_prompt_tokens and int(total) > first_prompt_tokens

    tmux.wait_prompt()
    tmux.type("/audit")
    tmux.keys("Enter")
    tmux.wait(lambda s: "citation audit: " in s and "citation markers:" in s, 60, "/audit output")

    # Ctrl-C while an answer streams stops it; the next question works and still reuses the prefix
    tmux.wait_prompt()
    tmux.type(Q3)
    tmux.keys("Enter")
    tmux.wait_count(r"### 1\. Task", 3, ANSWER_TIMEOUT)
    tmux.keys("C-c")
    screen = tmux.wait(lambda s: "[stopped]" in s, 120, "the stop note")
    assert screen.count("[audit: ") == 2
    tmux.wait_prompt()
    tmux.type(Q4)
    tmux.keys("Enter")
    screen = tmux.wait_count(r"\[audit: ", 3, ANSWER_TIMEOUT)
    cache, reused, _ = SPEED.findall(screen)[2]
    assert cache == "memory" and int(reused) >= first_prompt_tokens - 64  # the prefix survived the stop

    tmux.wait_prompt()
    tmux.type(f"/save {transcript}")
    tmux.keys("Enter")
    tmux.wait(lambda s: f"saved 4 turns to {transcript}" in s, 60, "/save")
    saved = transcript.read_text()
    assert all(question in saved for question in (Q1, Q2, Q3, Q4)) and "Stopped by the user" in saved

    tmux.type("/quit")
    tmux.keys("Enter")
    tmux.wait(lambda s: "[exit 0]" in s, 60, "exit after /quit")
    history = (chat_home / "chat_history").read_text()
    assert Q1 in history and "/sources" in history and "/quit" in history
