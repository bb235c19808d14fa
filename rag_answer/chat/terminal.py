"""The interactive loop: a prompt_toolkit line editor with persistent history, streaming answers, Ctrl-C handling.

Keys: Enter sends; Esc then Enter, or a line ending in a backslash, starts a new line; Up/Down walk the
history (kept in $RAG_ANSWER_HOME/chat_history across sessions); Tab completes slash commands; Ctrl-C clears
the line at the prompt and stops an answer being generated; Ctrl-D on an empty line leaves.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from rag_answer.chat.commands import ALIASES, COMMANDS, full_request, is_command, run_command
from rag_answer.chat.output import STOPPED, LinkGate, after_answer
from rag_answer.chat.session import ChatSession, GenerationStopped
from rag_answer.errors import RagAnswerError

PROMPT = "chat> "
CONTINUATION = "  ... "


def _editor(history_path: Path):  # -> PromptSession[str]
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import CompleteEvent, Completer, Completion, WordCompleter
    from prompt_toolkit.document import Document
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    class CommandCompleter(Completer):
        """Completes slash commands, only as the first word of the line."""

        def __init__(self) -> None:
            self.words = WordCompleter([*COMMANDS, *ALIASES], WORD=True)

        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
            before = document.text_before_cursor
            if before.startswith("/") and " " not in before and "\n" not in before:
                yield from self.words.get_completions(document, complete_event)

    bindings = KeyBindings()

    @bindings.add("enter")
    def _send(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.document.is_cursor_at_the_end and buffer.text.endswith("\\"):
            buffer.delete_before_cursor(1)
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    history_path.parent.mkdir(parents=True, exist_ok=True)
    return PromptSession(
        history=FileHistory(str(history_path)),
        completer=CommandCompleter(),
        key_bindings=bindings,
        multiline=True,
        prompt_continuation=CONTINUATION,
        enable_history_search=False,
    )


def run_terminal(session: ChatSession, history_path: Path, *, banner: str, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    editor = _editor(history_path)
    print(banner, file=stream, flush=True)
    while True:
        try:
            line = editor.prompt(PROMPT)
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt: the line is cleared
        except EOFError:
            break
        text = line.strip()
        if not text:
            continue
        try:
            full_question = full_request(session, text) if is_command(text) else None
            if full_question is not None:
                answer_streaming(session, full_question, stream, full=True)
                continue
            if is_command(text):
                outcome = run_command(session, text)
                if outcome.text:
                    print(outcome.text, file=stream, flush=True)
                if outcome.quit:
                    break
                continue
            answer_streaming(session, text, stream)
        except RagAnswerError as exc:
            print(f"error: {exc.one_line()}", file=stream, flush=True)
    print("bye", file=stream, flush=True)
    return 0


def answer_streaming(session: ChatSession, question: str, stream: TextIO, *, full: bool | None = None) -> None:
    """Ask, showing notices as they come and the checked answer as it is released, then the [used] line and
    the audit footer. full: as ChatSession.ask (None: full for the first question, short after)."""
    shown: list[str] = []

    def write(text: str) -> None:
        if text:
            shown.append(text)
            stream.write(text)
            stream.flush()

    gate = LinkGate(session.entries(), write)

    def notice(text: str) -> None:
        print(text, file=stream, flush=True)

    def first_interrupt() -> None:
        if not shown:  # still reading the prompt: the stop lands at the first token
            notice("[stopping at the next token; Ctrl-C again to stop at once]")

    try:
        with session.stop_on_interrupt(on_first=first_interrupt):
            exchange = session.ask(question, full=full, on_text=gate.feed, on_notice=notice)
    except GenerationStopped:  # a hard stop (second Ctrl-C) outside the token loop
        gate.close()
        if shown and not shown[-1].endswith("\n"):
            stream.write("\n")
        notice(STOPPED)
        return
    gate.close()
    if shown and not "".join(shown).endswith("\n"):
        stream.write("\n")
    notice(after_answer(exchange))
    stream.write("\n")
    stream.flush()
