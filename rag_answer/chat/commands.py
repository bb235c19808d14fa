"""Slash commands of the chat REPL; each returns the text to show. The same code serves terminal and piped mode.

`/full [QUESTION]` is a question, not a command: terminal and piped mode answer it like any other question
(streamed, audited, in the JSON lines), in the full form; `full_request` tells them so.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rag_answer.answer.compose import links_line
from rag_answer.atomic import atomic_write_text
from rag_answer.chat.output import after_answer, footer, used_line
from rag_answer.chat.session import ChatSession, Exchange
from rag_answer.errors import BadInputError

MULTILINE_HELP = "Esc then Enter (or a line ending in a backslash) starts a new line; Enter sends"


@dataclass
class CommandResult:
    text: str
    quit: bool = False


Handler = Callable[[ChatSession, str], CommandResult]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    handler: Handler


def _help(session: ChatSession, arg: str) -> CommandResult:
    width = max(len(command.usage) for command in COMMANDS.values())
    lines = [f"  {command.usage.ljust(width)}  {command.help}" for command in COMMANDS.values()]
    lines += [
        "",
        "  Anything else is a question, answered only from the supplied entries. The first question gets the full",
        "  form (task, answer, workflow, papers, sources); later ones a short cited answer and its sources. A",
        '  follow-up that refers back ("and its data?", "which of those is fastest?") is retrieved together',
        "  with the question it follows; [used] lists the entries each answer cites.",
        f"  {MULTILINE_HELP}. Up/Down: history. Tab: complete a command.",
        "  Ctrl-C stops an answer being generated (or clears the line); Ctrl-D or /quit leaves.",
    ]
    return CommandResult("commands:\n" + "\n".join(lines))


def _sources(session: ChatSession, arg: str) -> CommandResult:
    lines = []
    for source in session.sources():
        lines.append(f"{source.path} ({len(source.entries)} entries)")
        for entry in source.entries:
            lines.append(f"  [@{entry.id}] {entry.title} ({entry.kind})")
            lines.append(f"      {links_line(entry)}")
    lines.append(
        f"{len(session.entries())} supplied entries; each answer reads the top {session.settings.top_k} retrieved "
        "(and a prompt file's recommended models), one model call per entry"
    )
    return CommandResult("\n".join(lines))


def _retrieve(session: ChatSession, arg: str) -> CommandResult:
    query = " ".join(arg.split())
    hits = session.retrieve(query)
    if not hits:
        return CommandResult(f"retrieved for {query!r}: nothing")
    lines = [f"retrieved for {query!r} (min_score {session.settings.min_score}):"]
    for rank, hit in enumerate(hits, 1):
        lines.append(f"  {rank}. {hit.score:.3f}  [@{hit.entry.id}] {hit.entry.title} ({hit.entry.kind})")
        if hit.passages:
            passage = " ".join(hit.passages[0][0].split())
            lines.append(f"       {passage[:150]}{'...' if len(passage) > 150 else ''}")
    return CommandResult("\n".join(lines))


def _audit(session: ChatSession, arg: str) -> CommandResult:
    result = session.last_result
    if result is None:
        return CommandResult("no answer to audit yet")
    if result.verification is None:
        return CommandResult(f"the last answer was a refusal: {result.refusal_reason}")
    repairs = "".join(f"[repair] {repair}\n" for repair in result.verification.repairs)
    report = result.verification.report
    text = report.to_markdown() if arg.strip() == "md" else report.to_table()
    return CommandResult(repairs + text.rstrip("\n"))


def _save(session: ChatSession, arg: str) -> CommandResult:
    names = shlex.split(arg) if arg.strip() else []
    if len(names) != 1:
        raise BadInputError("name one file", hint="/save FILE.md")
    path = Path(names[0]).expanduser()
    if path.is_dir():
        raise BadInputError("is a folder", path=str(path), hint="/save FILE.md")
    try:
        atomic_write_text(path, transcript_markdown(session))
    except OSError as exc:
        raise BadInputError(f"cannot write: {exc.strerror}", path=str(path)) from None
    return CommandResult(f"saved {len(session.exchanges)} turns to {path}")


def full_request(session: ChatSession, line: str) -> str | None:
    """The question a `/full [QUESTION]` line asks in the full form: the one given, else the last question
    asked, else the prompt file's own question; None when the line is not /full."""
    name, _, arg = line.strip().partition(" ")
    if ALIASES.get(name.lower(), name.lower()) != "/full":
        return None
    file_questions = [source.question for source in session.sources() if source.question]
    question = arg.strip() or session.last_question or (file_questions[0] if len(file_questions) == 1 else None)
    if not question:
        raise BadInputError("no earlier question to answer in full", hint="/full QUESTION")
    return question


def _full(session: ChatSession, arg: str) -> CommandResult:
    """/full through run_command (terminal and piped mode stream it as a question instead): not streamed."""
    question = full_request(session, f"/full {arg}")
    assert question is not None
    exchange = session.ask(question, full=True)
    shown = exchange.result.text.rstrip("\n") if exchange.result is not None else ""
    return CommandResult("\n".join(part for part in (shown, after_answer(exchange)) if part))


def _reset(session: ChatSession, arg: str) -> CommandResult:
    forgotten = session.reset()
    return CommandResult(
        f"forgot {forgotten} earlier turn{'' if forgotten == 1 else 's'}; the next question starts fresh"
    )


def _image(session: ChatSession, arg: str) -> CommandResult:
    from rag_answer.image import ImageOptions, Skipped, generate_illustration, resolve_device

    device = resolve_device("auto")
    if isinstance(device, Skipped):
        return CommandResult(f"image skipped: {device.reason}")
    words = shlex.split(arg)
    if not 1 <= len(words) <= 2:
        raise BadInputError("name a diffusion model", hint="/image MODEL [OUT.png]")
    output = Path(words[1] if len(words) == 2 else f"chat-image-{len(session.exchanges)}.png")
    options = ImageOptions(model=words[0], seed=session.settings.seed)
    result = generate_illustration(session.image_source(), options, output)
    if isinstance(result, Skipped):
        return CommandResult(f"image skipped: {result.reason}")
    return CommandResult(f"wrote {result.image_path} ({result.seconds:.1f} s); prompt: {result.prompt}")


def _quit(session: ChatSession, arg: str) -> CommandResult:
    return CommandResult("", quit=True)


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        Command("/help", "/help", "this list", _help),
        Command("/sources", "/sources", "the supplied entries and their links", _sources),
        Command("/full", "/full [QUESTION]", "answer QUESTION (or the last, or the file's) in full form", _full),
        Command("/retrieve", "/retrieve QUERY", "what the index returns for QUERY, with scores", _retrieve),
        Command("/audit", "/audit [md]", "full citation audit of the last answer (table, or Markdown)", _audit),
        Command("/save", "/save FILE", "write the transcript as Markdown, with sources and audits", _save),
        Command("/reset", "/reset", "forget the earlier turns: the next question starts fresh (full form)", _reset),
        Command("/image", "/image MODEL [OUT.png]", "illustrate the last answer (needs a GPU)", _image),
        Command("/quit", "/quit", "leave (also /exit, Ctrl-D)", _quit),
    )
}
ALIASES = {"/exit": "/quit", "/?": "/help"}


def is_command(line: str) -> bool:
    return line.lstrip().startswith("/")


def run_command(session: ChatSession, line: str) -> CommandResult:
    """Run one slash command line; BadInputError for an unknown command or bad arguments."""
    name, _, arg = line.strip().partition(" ")
    name = ALIASES.get(name.lower(), name.lower())
    command = COMMANDS.get(name)
    if command is None:
        raise BadInputError(f"unknown command {name!r}", hint="/help lists the commands")
    return command.handler(session, arg.strip())


def transcript_markdown(session: ChatSession) -> str:
    """The whole session as Markdown: the supplied entries with their links, then each turn with its audit."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = ["# rag-answer chat transcript", "", f"- Sources: {session.label or 'index'}"]
    out += [f"- Model: {session.raw_generator.model_name}", f"- Saved: {now}", "", "## Supplied entries", ""]
    for entry in session.entries():
        out.append(f"- [@{entry.id}] {entry.title} ({entry.kind}): {links_line(entry)}")
    for number, exchange in enumerate(session.exchanges, 1):
        out += ["", f"## Turn {number}", "", f"**Question:** {exchange.question}", ""]
        out += [*(f"_{note}_  " for note in exchange.notes), f"_{exchange.form} form_", ""]
        out += _exchange_markdown(exchange)
    return "\n".join(out).rstrip("\n") + "\n"


def _exchange_markdown(exchange: Exchange) -> list[str]:
    if exchange.stopped:
        audit = exchange.partial_audit
        text = audit.text if audit else exchange.partial
        status = "" if audit is None else f" Links in it: {'clean' if audit.clean else 'PROBLEMS FOUND'}."
        return [text.rstrip("\n"), "", f"_Stopped by the user before the answer was complete.{status}_"]
    result = exchange.result
    assert result is not None
    used = used_line(exchange)
    audit = [used, footer(result)] if used else [footer(result)]
    lines = [_demote(result.text.rstrip("\n")), "", "**Audit**", "", "```", *audit, "```"]
    if result.verification is not None:
        lines += ["", "<details><summary>Full audit</summary>", ""]
        lines += [_demote(result.verification.report.to_markdown().rstrip("\n"), levels=3), "", "</details>"]
    return lines


def _demote(markdown: str, levels: int = 1) -> str:
    """Push headings down so a turn's own headings sit under its '## Turn N'."""
    out = []
    for line in markdown.split("\n"):
        if line.startswith("#"):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)
