"""What the server does for each request, in two halves: `plan_*` checks a request on the event loop (cheap,
so a bad request is answered at once without waiting for the LLM), `run_*` does the work on the worker thread.
Each reuses the library path its command uses, so the server's results are the commands' results."""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag_answer.answer import AnswerResult, Turn, answer_question
from rag_answer.audit import AuditReport, audit
from rag_answer.audit.judge import LlmJudge
from rag_answer.chat.commands import is_command
from rag_answer.chat.piped import logical_lines, run_piped
from rag_answer.chat.session import ChatSession
from rag_answer.entries import Entry, SourceSet
from rag_answer.errors import BadInputError
from rag_answer.index_store.cache import cached_index
from rag_answer.llm.stoppable import GenerationStopped, StoppableGenerator
from rag_answer.report.batch import ReportRunner
from rag_answer.server.schemas import AskRequest, AuditRequest, ChatRequest, ReportRequest
from rag_answer.server.state import ServerState, Target, prompt_from_text
from rag_answer.settings import Settings


class TooLargeError(BadInputError):
    """A request body or question over the server's limit (HTTP 413)."""


@dataclass
class AskPlan:
    question: str
    settings: Settings
    target: Target | None = None
    source: SourceSet | None = None  # a prompt file sent as text
    source_nos: list[int] | None = None
    history: list[Turn] | None = None


def check_question(state: ServerState, question: str) -> None:
    if len(question) > state.limits.max_question_chars:
        raise TooLargeError(f"the question has {len(question)} characters, over the limit of "
                            f"{state.limits.max_question_chars}", hint="ask a shorter question")  # fmt: skip


def plan_ask(state: ServerState, request: AskRequest) -> AskPlan:
    overrides = {key: value for key, value in request.settings.model_dump().items() if value is not None}
    settings = state.settings.model_copy(update=overrides)
    if request.prompt_file is not None:
        if request.index is not None:
            raise BadInputError("give either prompt_file or index, not both")
        source = prompt_from_text(request.prompt_file, path=request.path or "request")
        question = request.question or source.question
        if not question or not question.strip():
            raise BadInputError("no question found", path=source.path, hint="add the question, or send question")
        check_question(state, question)
        return AskPlan(question, settings, source=source, source_nos=[0])
    if request.index is None:
        raise BadInputError("nothing to answer", hint='send {"prompt_file": TEXT} or {"question": Q, "index": ID}')
    target = state.target(request.index)
    question = request.question or target.question
    if not question or not question.strip():
        raise BadInputError("no question given", hint=f'send {{"question": Q, "index": "{target.id}"}}')
    check_question(state, question)
    source_nos = target.source_nos
    if request.source is not None:
        if target.kind != "index":
            raise BadInputError("source restricts an index, and this is a prompt file", hint="leave source out")
        source_nos = [target.index.find_source(request.source)]
    return AskPlan(question, settings, target=target, source_nos=source_nos)


def run_ask(
    state: ServerState,
    plan: AskPlan,
    stop: threading.Event,
    *,
    on_token: Callable[[str], None] | None = None,
    on_text: Callable[[str], None] | None = None,
) -> AnswerResult:
    if plan.target is not None:
        index = plan.target.index
    else:
        assert plan.source is not None
        index = cached_index(plan.source, state.embedder, plan.settings.cache_dir, progress=False)
    generator = StoppableGenerator(state.generator, stop.is_set, on_token)
    return answer_question(plan.question, index, state.embedder, generator, plan.settings,
                           source_nos=plan.source_nos, history=plan.history, on_text=on_text)  # fmt: skip


@dataclass
class AuditPlan:
    answer: str
    entries: list[Entry]
    request: AuditRequest
    line_offset: int


def plan_audit(state: ServerState, request: AuditRequest) -> AuditPlan:
    given = [name for name in ("sources", "index", "entries") if getattr(request, name) is not None]
    if len(given) > 1:
        raise BadInputError(f"give one of sources, index or entries, not {' and '.join(given)}")
    offset = request.line_offset
    own = prompt_from_text(request.prompt_file, path=request.source or "request") if request.prompt_file else None
    answer = request.answer
    if answer is None:
        if own is None or own.answer is None:
            raise BadInputError("no answer to audit", hint='send "answer", or a prompt_file with text after "Answer:"')
        answer = own.answer
        offset = _answer_offset(request.prompt_file or "", own)
    if request.sources is not None:
        entries = list(prompt_from_text(request.sources, path="sources").entries)
    elif request.index is not None:
        entries = state.target(request.index).entries()
    elif request.entries is not None:
        entries = [Entry.from_dict(entry.model_dump()) for entry in request.entries]
    elif own is not None:
        entries = list(own.entries)
    else:
        raise BadInputError("no sources to audit against", hint="send sources, index, entries or a prompt_file")
    if not entries:
        raise BadInputError("the sources hold no entries")
    return AuditPlan(answer, entries, request, offset)


def _answer_offset(text: str, own: SourceSet) -> int:
    """Lines before the answer in its prompt file, so findings name the file's own line numbers."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines_before = "\n".join(text.split("\n")[: (own.answer_line or 1) - 1])
    position = text.find(own.answer or "", len(lines_before))
    return text.count("\n", 0, position) if position >= 0 else (own.answer_line or 1) - 1


def run_audit(state: ServerState, plan: AuditPlan, stop: threading.Event) -> AuditReport:
    request = plan.request
    judge = LlmJudge(StoppableGenerator(state.generator, stop.is_set)) if request.claims and request.judge else None
    return audit(plan.answer, plan.entries, embedder=state.embedder if request.claims else None, claims=request.claims,
                 line_offset=plan.line_offset, source=request.source or "request", judge=judge)  # fmt: skip


def render_audit(report: AuditReport, request: AuditRequest) -> dict[str, Any]:
    """The report as JSON, and as the exact bytes `rag-answer audit` prints in the chosen format."""
    strict = request.strict
    if request.format == "json":
        rendered = report.to_json(strict=strict) + "\n"
    elif request.format == "markdown":
        rendered = report.to_markdown(strict=strict)
    else:
        rendered = report.to_table(strict=strict)
    return {"exit_code": report.exit_code(strict=strict), "report": report.to_dict(strict=strict), "rendered": rendered}


def plan_report(request: ReportRequest) -> SourceSet:
    source = prompt_from_text(request.prompt_file, path=request.file_name)
    if not (source.question or "").strip():
        raise BadInputError("no question found", path=source.path, hint="a prompt file states the user's question")
    return source


def run_report(state: ServerState, request: ReportRequest, stop: threading.Event) -> dict[str, Any]:
    """What `rag-answer report` writes for this prompt file, rendered in a private folder and read back."""
    generator = StoppableGenerator(state.generator, stop.is_set)
    overrides = {key: value for key, value in request.settings.model_dump().items() if value is not None}
    formats = tuple(dict.fromkeys(request.formats)) if request.format == "json" else (request.format,)
    with tempfile.TemporaryDirectory(prefix="rag-answer-report-") as folder:
        root = Path(folder)
        prompt = root / request.file_name
        prompt.write_text(request.prompt_file, encoding="utf-8")
        runner = ReportRunner(state.settings.model_copy(update=overrides), state.embedder, generator, root / "out",
                              formats, check_claims=request.claims)  # fmt: skip
        outcome = runner.run_one(prompt, request.name)
        if stop.is_set():
            raise GenerationStopped
        documents = {path.suffix[1:]: path.read_text(encoding="utf-8") for path in outcome.written}
    return {"status": outcome.status, "links": outcome.links, "flagged": outcome.flagged, "repairs": outcome.repairs,
            "error": outcome.error, "markers": outcome.markers, "verdicts": outcome.verdicts,
            "documents": documents}  # fmt: skip


LOCAL_ONLY_COMMANDS = ("/save", "/image")  # they write files: on the server's disk, not the user's


def plan_chat(state: ServerState, request: ChatRequest) -> AskPlan:
    for line in logical_lines(io.StringIO(request.input)):
        if is_command(line) and line.split()[0].lower() in LOCAL_ONLY_COMMANDS:
            raise BadInputError(f"{line.split()[0]} writes a file and is not available over a server",
                                hint="run that chat without --server")  # fmt: skip
    ask = AskRequest(prompt_file=request.prompt_file, path=request.path, index=request.index, source=request.source,
                     question="-", settings=request.settings)  # fmt: skip
    return plan_ask(state, ask)  # the same checks and sources as a question; the question comes per line


class _Stream(io.TextIOBase):
    """A text stream whose writes become events."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def write(self, text: str) -> int:
        if text:
            self._write(text)
        return len(text)


def run_chat(state: ServerState, plan: AskPlan, request: ChatRequest, stop: threading.Event,
             emit: Callable[[str, Any], None]) -> int:  # fmt: skip
    """`chat` in piped mode over the request's input, its stdout and stderr sent as events; returns its status."""
    if plan.target is not None:
        index = plan.target.index
    else:
        assert plan.source is not None
        index = cached_index(plan.source, state.embedder, plan.settings.cache_dir, progress=False)
    session = ChatSession(index, state.embedder, StoppableGenerator(state.generator, stop.is_set), plan.settings,
                          source_nos=plan.source_nos, label=plan.source.path if plan.source else "")  # fmt: skip
    stdout = _Stream(lambda text: emit("stdout", {"text": text}))
    stderr = _Stream(lambda text: emit("stderr", {"text": text}))
    return run_piped(session, io.StringIO(request.input), stdout, stderr, json_mode=request.json_lines)
