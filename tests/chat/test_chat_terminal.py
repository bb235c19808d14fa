"""The REPL in a real terminal (tmux) with the real 0.5B model on a climate-science prompt file: editing keys,
a first question in the full form, a direct follow-up and a referring one in the short form (cited, different),
Ctrl-C during an answer and at the prompt, /full, /audit, /save, /quit, persistent history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag_answer.sources import load_source
from tests.chat.conftest import CONVERSATIONS, URL, chat_command, chat_env, check_full, check_short

pytestmark = [pytest.mark.llm, pytest.mark.terminal]

PATH, Q1, Q2, Q3, _ = CONVERSATIONS["climate"]
STOPPED_Q = "How much cheaper is the network than a cloud-resolving model?"
SPEED = re.compile(
    r"\[speed\] (\d+) generation calls?, first token [\d.]+s \((\w+) prefix, (\d+)/(\d+) prompt tokens reused\)"
)
ANSWER_TIMEOUT = 420  # one answer on a loaded 2-core machine, the entries' prompts evaluated cold


def answer_block(screen: str, question: str) -> tuple[str, str]:
    """(the answer text, the lines after it) of the last turn that asked question, as the pane shows them."""
    turn = screen.rsplit(f"chat> {question}\n", 1)[1].split("\nchat>", 1)[0]
    lines = [line for line in turn.split("\n") if not line.startswith(("[context]", "[reading]"))]
    first_note = next(number for number, line in enumerate(lines) if line.startswith("[used]"))
    return "\n".join(lines[:first_note]).strip(), "\n".join(lines[first_note:])


def test_chat_in_a_real_terminal(tmux, chat_home: Path, tmp_path: Path) -> None:
    source = load_source(PATH)
    ids = {entry.id for entry in source.entries}
    transcript = tmp_path / "transcript.md"
    tmux.start(chat_command("--prompt", str(PATH)), chat_env(chat_home), tmp_path)
    screen = tmux.wait_prompt(timeout=300)
    assert "2 supplied entries" in screen and "/help for commands" in screen

    # Tab completes a slash command; /sources lists the supplied entries with their links
    tmux.type("/so")
    tmux.keys("Tab")
    tmux.wait(lambda s: tmux.input_line() == "chat> /sources", 20, "completion of /so")
    tmux.keys("Enter")
    screen = tmux.wait(lambda s: "one model call per entry" in s, 60, "/sources output")
    assert set(URL.findall(screen)) == set(source.links)

    # Up recalls the last line; Ctrl-C at the prompt clears it (else the next line would be appended to it)
    tmux.wait_prompt()
    tmux.keys("Up")
    tmux.wait(lambda s: tmux.input_line() == "chat> /sources", 20, "history recall with Up")
    tmux.keys("C-c")
    tmux.wait_prompt(20)

    # multi-line input: a trailing backslash, and Esc then Enter, both start a new line; /help shows /full
    tmux.type("/retrieve neural network \\")
    tmux.keys("Enter")
    tmux.type("convection")
    tmux.keys("Enter")
    tmux.wait(lambda s: "retrieved for 'neural network convection'" in s, 60, "/retrieve over two lines (backslash)")
    tmux.wait_prompt()
    tmux.type("/retrieve cloud")
    tmux.keys("Escape", "Enter")
    tmux.type("parameterization")
    tmux.keys("Enter")
    screen = tmux.wait(lambda s: "retrieved for 'cloud parameterization'" in s, 60, "/retrieve (Esc Enter)")
    assert re.search(r"1\. 0\.\d{3}\s+\[@deep-learning-to\]", screen)
    tmux.wait_prompt()
    tmux.type("/help")
    tmux.keys("Enter")
    tmux.wait(lambda s: "/full [QUESTION]" in s and "first question gets the full" in s, 60, "/help")

    # the first question: the full form, then the entries used, the audit with claim verdicts, the speed
    tmux.wait_prompt()
    tmux.type(Q1)
    tmux.keys("Enter")
    screen = tmux.wait_count(r"\[speed\] ", 1, ANSWER_TIMEOUT)
    first, notes = answer_block(screen, Q1)
    check_full(first, ids)
    assert re.search(r"^\[used\] [^;\n]*@deep-learning-to", notes, re.M)  # cited, not only read
    assert re.search(r"^\[audit: (clean|PROBLEMS FOUND)\] .*claims: \d+ supported, \d+ weak, \d+ misattributed", notes,
                     re.M)  # fmt: skip

    # a direct follow-up: short, cited, its own answer; the entries' prompts are restored from memory
    tmux.wait_prompt()
    tmux.type(Q2)
    tmux.keys("Enter")
    screen = tmux.wait_count(r"\[speed\] ", 2, ANSWER_TIMEOUT)
    direct, notes = answer_block(screen, Q2)
    direct_text = check_short(direct, ids)
    calls, cache, reused, _ = SPEED.findall(screen)[1]
    assert calls == "1" and cache == "memory" and int(reused) > 0
    assert "[context]" not in screen.rsplit(f"chat> {Q2}", 1)[1]  # a standalone question is retrieved alone

    # Ctrl-C while the entries are read stops the answer; nothing of it is kept
    tmux.wait_prompt()
    tmux.type(STOPPED_Q)
    tmux.keys("Enter")
    tmux.wait_count(r"\[reading\] ", 3, 60)
    tmux.keys("C-c")
    screen = tmux.wait(lambda s: "[stopped]" in s, 120, "the stop note")
    assert screen.count("[speed] ") == 2

    # a follow-up that refers back: retrieved with the question it follows (turn 2; the stopped turn 3 is not
    # kept), answered short, cited and differently from the others
    tmux.wait_prompt()
    tmux.type(Q3)
    tmux.keys("Enter")
    screen = tmux.wait_count(r"\[speed\] ", 3, ANSWER_TIMEOUT)
    assert f"[context] retrieved as a follow-up to turn 2 ({Q2!r})" in screen
    referring, _ = answer_block(screen, Q3)
    referring_text = check_short(referring, ids)
    first_answer = first.split("### 2. Answer", 1)[1].split("###", 1)[0].strip()
    assert len({first_answer, direct_text, referring_text}) == 3

    # /full: the last question again, in the full form
    tmux.wait_prompt()
    tmux.type("/full")
    tmux.keys("Enter")
    screen = tmux.wait_count(r"\[speed\] ", 4, ANSWER_TIMEOUT)
    full, _ = answer_block(screen, "/full")
    check_full(full, ids)

    tmux.wait_prompt()
    tmux.type("/audit")
    tmux.keys("Enter")
    tmux.wait(lambda s: "citation audit: " in s and "citation markers:" in s, 60, "/audit output")

    tmux.wait_prompt()
    tmux.type(f"/save {transcript}")
    tmux.keys("Enter")
    tmux.wait(lambda s: f"saved 5 turns to {transcript}" in s, 60, "/save")
    saved = transcript.read_text()
    assert all(question in saved for question in (Q1, Q2, STOPPED_Q, Q3)) and "Stopped by the user" in saved
    assert saved.count("_short form_") == 3 and saved.count("_full form_") == 2  # Q1 and /full in full

    tmux.type("/quit")
    tmux.keys("Enter")
    tmux.wait(lambda s: "[exit 0]" in s, 60, "exit after /quit")
    history = (chat_home / "chat_history").read_text()
    assert Q1 in history and "/sources" in history and "/full" in history and "/quit" in history


@pytest.mark.parametrize("field", ["video forensics", "preference tuning"])
def test_conversation_in_a_real_terminal_on_other_fields(field: str, tmux, chat_home: Path, tmp_path: Path) -> None:
    """A first turn, a direct follow-up, a referring follow-up and /full on two more fields: each follow-up is short,
    cited, retrieved as it should be, and different from every other answer."""
    path, q1, q2, q3, _ = CONVERSATIONS[field]
    ids = {entry.id for entry in load_source(path).entries}
    tmux.start(chat_command("--prompt", str(path)), chat_env(chat_home), tmp_path)
    tmux.wait_prompt(timeout=300)
    answers = []
    for turn, question in enumerate((q1, q2, q3, "/full"), start=1):
        tmux.type(question)
        tmux.keys("Enter")
        screen = tmux.wait_count(r"\[speed\] ", turn, ANSWER_TIMEOUT)
        tmux.wait_prompt()
        answer, notes = answer_block(screen, question)
        assert re.search(r"^\[audit: (clean|PROBLEMS FOUND)\] .*claims: \d+ supported", notes, re.M)
        if question in (q1, "/full"):
            check_full(answer, ids)
            answers.append(answer.split("### 2. Answer", 1)[1].split("###", 1)[0].strip())
        else:
            answers.append(check_short(answer, ids))
    assert f"[context] retrieved as a follow-up to turn 2 ({q2!r})" in screen
    assert "[context]" not in screen.split(f"chat> {q2}", 1)[1].split("chat> ", 1)[0]  # standalone: alone
    assert len(set(answers[:3])) == 3  # the first answer and both follow-ups differ
    tmux.type("/quit")
    tmux.keys("Enter")
    tmux.wait(lambda s: "[exit 0]" in s, 60, "exit after /quit")
