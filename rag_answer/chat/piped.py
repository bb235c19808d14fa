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

from rag_answer.chat.commands import full_request, is_command, run_command
from rag_answer.chat.output import footer, used_line
from rag_answer.chat.session import ChatSession, Exchange
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


def answer_json(
    exchange: Exchange, turn: int, history_turns: int, settings: Any, model: dict[str, str]
) -> dict[str, Any]:
    """An answer's JSON line: AnswerResult.to_dict plus the turn, the form, the follow-up resolution and the
    entries used (the data the terminal shows as notices, [used] and the footer)."""
    assert exchange.result is not None
    return {
        "turn": turn,
        "history_turns": history_turns,
        "form": exchange.form,
        "follows": exchange.follows,
        "retrieval_query": exchange.retrieval_query,
        "notes": exchange.notes,
        "used": exchange.used,
        "read": exchange.read,
        **exchange.result.to_dict(settings, model),
    }


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
            full_question = full_request(session, text) if is_command(text) else None
            if is_command(text) and full_question is None:
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
            exchange = session.ask(
                full_question or text,
                full=True if full_question else None,
                on_notice=lambda note: print(note, file=stderr, flush=True),
            )
            result = exchange.result
            assert result is not None  # nothing stops a piped answer
            if result.verification is not None and not result.verification.clean:
                status = max(status, 1)
            if json_mode:
                emit(answer_json(exchange, turn, history_turns, session.settings, model))
            else:
                stdout.write(result.text.rstrip("\n") + "\n\n")
                stdout.flush()
                used = used_line(exchange)
                print((used + "\n" if used else "") + footer(result), file=stderr, flush=True)
        except RagAnswerError as exc:
            status = 2
            print(f"rag-answer: error: {exc.one_line()}", file=stderr, flush=True)
            if json_mode:
                emit({"input": text, "error": exc.one_line()})
    return status
