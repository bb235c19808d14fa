"""Scriptable mode, used when standard input is not a terminal: one question (or slash command) per line.

Plain output: each final answer (after the audit's repairs, so nothing unsupplied is ever printed) on stdout
followed by a blank line; the audit footer goes to stderr, as with `ask`. With --json: one JSON object per
input line on stdout (an answer as AnswerResult.to_dict plus "turn" and "history_turns", a command's output,
or an error). A line ending in a backslash continues on the next line. Exit status: 2 if any line failed,
else 1 if any answer's audit found problems, else 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from rag_answer.chat.commands import is_command, run_command
from rag_answer.chat.output import footer
from rag_answer.chat.session import ChatSession
from rag_answer.errors import RagAnswerError


def logical_lines(lines: Iterable[str]) -> Iterator[str]:
    """Input lines joined where one ends in a backslash."""
    pending: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield "\n".join(pending)
        pending = []
    if pending:
        yield "\n".join(pending)


def run_piped(session: ChatSession, stdin: TextIO, stdout: TextIO, stderr: TextIO, *, json_mode: bool) -> int:
    model = {"name": session.raw_generator.model_name, "sha256": session.raw_generator.model_sha256}
    status = 0
    turn = 0

    def emit(obj: dict[str, Any]) -> None:
        stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        stdout.flush()

    for line in logical_lines(stdin):
        text = line.strip()
        if not text:
            continue
        try:
            if is_command(text):
                outcome = run_command(session, text)
                if json_mode:
                    emit({"command": text.split()[0], "output": outcome.text})
                elif outcome.text:
                    stdout.write(outcome.text + "\n\n")
                    stdout.flush()
                if outcome.quit:
                    break
                continue
            turn += 1
            history_turns = len(session.history)
            exchange = session.ask(text, on_notice=lambda note: print(note, file=stderr, flush=True))
            result = exchange.result
            assert result is not None  # nothing stops a piped answer
            history_turns -= exchange.dropped_turns
            if result.verification is not None and not result.verification.clean:
                status = max(status, 1)
            if json_mode:
                data = result.to_dict(session.settings, model)
                emit({"turn": turn, "history_turns": history_turns, "dropped_turns": exchange.dropped_turns, **data})
            else:
                stdout.write(result.text.rstrip("\n") + "\n\n")
                stdout.flush()
                print(footer(result), file=stderr, flush=True)
        except RagAnswerError as exc:
            status = 2
            print(f"rag-answer: error: {exc.one_line()}", file=stderr, flush=True)
            if json_mode:
                emit({"input": text, "error": exc.one_line()})
    return status
