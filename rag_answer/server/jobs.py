"""What the server does for each request, in two halves: `plan_*` checks a request on the event loop (cheap,
so a bad request is answered at once without waiting for the LLM), `run_*` does the work on the worker thread.
Requests are resolved by rag_answer.request, as the commands resolve theirs, so the server's results are the
commands' results."""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag_answer.answer import AnswerResult, answer_question
from rag_answer.audit import AuditReport, audit
from rag_answer.audit.judge import LlmJudge
from rag_answer.chat.commands import is_command
from rag_answer.chat.piped import logical_lines, run_piped
from rag_answer.chat.session import ChatSession
from rag_answer.entries import Entry, SourceSet
from rag_answer.errors import BadInputError
from rag_answer.llm.stoppable import GenerationStopped, StoppableGenerator
from rag_answer.report.batch import ReportRunner
from rag_answer.request import (
    REPORT,
    AuditSubject,
    Request,
    Resolved,
    TooLargeError,
    audit_subject,
    overrides_of,
    read_prompt,
)
from rag_answer.server.schemas import AskRequest, AuditRequest, ChatRequest, ReportRequest
from rag_answer.server.state import ServerState

__all__ = [
    "TooLargeError",
    "plan_ask",
    "plan_audit",
    "plan_chat",
    "plan_report",
    "render_audit",
    "run_ask",
    "run_audit",
    "run_chat",
    "run_report",
]  # fmt: skip


def plan_ask(state: ServerState, request: AskRequest) -> Resolved:
    return state.resolver().resolve(Request.from_body(request))


def run_ask(
    state: ServerState,
    plan: Resolved,
    stop: threading.Event,
    *,
    on_token: Callable[[str], None] | None = None,
    on_text: Callable[[str], None] | None = None,
) -> AnswerResult:
    index = plan.open_index(state.embedder)
    generator = StoppableGenerator(state.generator, stop.is_set, on_token)
    return answer_question(plan.question, index, state.embedder, generator, plan.settings,
                           source_nos=plan.source_nos, history=plan.history, on_text=on_text)  # fmt: skip


@dataclass
class AuditPlan:
    subject: AuditSubject
    request: AuditRequest


def plan_audit(state: ServerState, request: AuditRequest) -> AuditPlan:
    entries = None if request.entries is None else [Entry.from_dict(entry.model_dump()) for entry in request.entries]
    subject = audit_subject(answer=request.answer, prompt_text=request.prompt_file, name=request.source,
                            line_offset=request.line_offset, sources_text=request.sources, index=request.index,
                            entries=entries, catalog=state, answer_hint=_AUDIT_ANSWER,
                            sources_hint=_AUDIT_SOURCES)  # fmt: skip
    return AuditPlan(subject, request)


_AUDIT_ANSWER = 'send "answer", or a prompt_file with text after "Answer:"'
_AUDIT_SOURCES = "send sources, index, entries or a prompt_file"


def run_audit(state: ServerState, plan: AuditPlan, stop: threading.Event) -> AuditReport:
    request, subject = plan.request, plan.subject
    judge = LlmJudge(StoppableGenerator(state.generator, stop.is_set)) if request.claims and request.judge else None
    return audit(subject.answer, subject.entries, embedder=state.embedder if request.claims else None,
                 claims=request.claims, line_offset=subject.line_offset, source=subject.name, judge=judge)  # fmt: skip


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
    return read_prompt(Request(prompt_text=request.prompt_file, prompt_name=request.file_name), REPORT)[0]


def run_report(state: ServerState, request: ReportRequest, stop: threading.Event) -> dict[str, Any]:
    """What `rag-answer report` writes for this prompt file, rendered in a private folder and read back."""
    generator = StoppableGenerator(state.generator, stop.is_set)
    overrides = overrides_of(request.settings)
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


def plan_chat(state: ServerState, request: ChatRequest) -> Resolved:
    for line in logical_lines(io.StringIO(request.input)):
        if is_command(line) and line.split()[0].lower() in LOCAL_ONLY_COMMANDS:
            raise BadInputError(f"{line.split()[0]} writes a file and is not available over a server",
                                hint="run that chat without --server")  # fmt: skip
    return state.resolver().resolve(Request.from_body(request), chat=True)  # the question comes per line


class _Stream(io.TextIOBase):
    """A text stream whose writes become events."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def write(self, text: str) -> int:
        if text:
            self._write(text)
        return len(text)


def run_chat(state: ServerState, plan: Resolved, request: ChatRequest, stop: threading.Event,
             emit: Callable[[str, Any], None]) -> int:  # fmt: skip
    """`chat` in piped mode over the request's input, its stdout and stderr sent as events; returns its status."""
    session = ChatSession(plan.open_index(state.embedder), state.embedder,
                          StoppableGenerator(state.generator, stop.is_set), plan.settings, source_nos=plan.source_nos,
                          label=plan.label)  # fmt: skip
    stdout = _Stream(lambda text: emit("stdout", {"text": text}))
    stderr = _Stream(lambda text: emit("stderr", {"text": text}))
    return run_piped(session, io.StringIO(request.input), stdout, stderr, json_mode=request.json_lines)
