"""The chat REPL: a conversation grounded in the supplied sources only (`rag-answer chat`)."""

from rag_answer.chat.commands import COMMANDS, CommandResult, run_command, transcript_markdown
from rag_answer.chat.piped import run_piped
from rag_answer.chat.session import ChatSession, Exchange, GenerationStopped
from rag_answer.chat.terminal import run_terminal

__all__ = [
    "COMMANDS",
    "ChatSession",
    "CommandResult",
    "Exchange",
    "GenerationStopped",
    "run_command",
    "run_piped",
    "run_terminal",
    "transcript_markdown",
]
