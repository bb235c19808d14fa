"""`rag-answer mcp`: grounded answers and citation audits as Model Context Protocol tools for agent hosts.

Tools: `ask` (a checked answer with its per-sentence verdicts), `audit` (anyone's answer against supplied sources),
`search` (ranked entries) and `sources` (the supplied entries; also resources `rag-answer://sources/...`). Every
request goes through rag_answer.request, as the CLI's and the HTTP server's do. One generation runs at a time on
one worker thread (the server's GenerationQueue); a cancelled request stops its generation at the next token.
A bad argument is a tool error whose text is the one-line message, and the server keeps serving.

The models load on first use, in the worker thread, so a host sees the tools at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag_answer import __version__
from rag_answer.embedder import Embedder, get_embedder
from rag_answer.errors import BadInputError, RagAnswerError
from rag_answer.llm.engine import TextGenerator
from rag_answer.llm.stoppable import GenerationStopped, StoppableGenerator
from rag_answer.request import (
    MCP,
    IndexFolder,
    Request,
    Resolved,
    Resolver,
    TooLargeError,
    audit_subject,
    checked_overrides,
)
from rag_answer.server.worker import GenerationQueue
from rag_answer.settings import Settings

log = logging.getLogger("rag_answer.mcp")

INSTRUCTIONS = (
    "rag-answer answers only from a closed list of supplied sources (a prompt file's entries or a named index) "
    "and audits answers against them. Use `ask` for a grounded answer whose every sentence carries a verdict and "
    "evidence; use `audit` to check an answer (yours or anyone's) before showing it: rejected links and "
    "unsupported claims are listed with reasons; `search` and `sources` show what the sources hold."
)
URI_INDEX = "rag-answer://sources/index/"
URI_PROMPT = "rag-answer://sources/prompt/"


@dataclass(frozen=True)
class McpLimits:
    max_question_chars: int = 2_000
    max_answer_chars: int = 100_000
    max_waiting: int = 8


# -- tool inputs: their JSON schemas are what an agent reads ----------------------------------------------------


class _Sources(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt_file: str | None = Field(default=None, description="path of a prompt file (its question and entries); "
                                    "absolute, or relative to the server's working folder")  # fmt: skip
    index: str | None = Field(default=None, description="name of an index built with `rag-answer index` (instead "
                              "of prompt_file)")  # fmt: skip
    source: str | None = Field(default=None, description="with index: restrict to one source file of the index "
                               "(its path as indexed, or its source id)")  # fmt: skip


class AskInput(_Sources):
    """Answer a question only from the supplied sources; the answer is checked sentence by sentence."""

    question: str | None = Field(default=None, description="the question; with prompt_file it defaults to the "
                                 "file's own question, with index it is required")  # fmt: skip
    seed: int | None = Field(default=None, ge=0, description="sampling seed (same inputs + seed = same answer)")
    temperature: float | None = Field(default=None, ge=0.0, le=2.0, description="0 = greedy (the default)")
    max_tokens: int | None = Field(default=None, ge=16, description="most tokens generated")
    top_k: int | None = Field(default=None, ge=1, le=50, description="entries retrieved for the question")


class AuditInput(BaseModel):
    """Audit an answer against the supplied sources: links, citation markers and claims."""

    model_config = ConfigDict(extra="forbid")
    answer: str | None = Field(default=None, description="the answer text (Markdown) to audit")
    answer_file: str | None = Field(default=None, description="instead of answer: a Markdown file, or a prompt file "
                                    "whose 'Answer:' holds the answer")  # fmt: skip
    prompt_file: str | None = Field(default=None, description="path of the prompt file or catalog holding the "
                                    "supplied entries")  # fmt: skip
    index: str | None = Field(default=None, description="instead of prompt_file: a named index")
    claims: bool = Field(default=True, description="judge every sentence's claims (false: links and markers only)")
    judge: bool = Field(default=True, description="ask the local LLM as entailment judge (false: deterministic "
                        "checks only, weaker)")  # fmt: skip
    strict: bool = Field(default=False, description="count misattributed, contradicted or unsupported claims "
                         "against `clean` too, not only bad links and markers")  # fmt: skip


class SearchInput(_Sources):
    """Ranked supplied entries for a query, each with its best passages and scores."""

    query: str = Field(description="what to look for")
    k: int = Field(default=4, ge=1, le=50, description="entries to return")


class SourcesInput(_Sources):
    """The supplied entries of a prompt file or index: ids, titles, links and summaries."""


# -- tool outputs ------------------------------------------------------------------------------------------------


class Sentence(BaseModel):
    text: str
    verdict: str = Field(description="supported, weak, misattributed, contradicted, unsupported or uncited")
    reason: str
    entry: str | None = Field(description="the entry whose passage is the evidence")
    evidence: str | None = Field(description="the passage the verdict rests on")
    line: int


class AskOutput(BaseModel):
    question: str
    answer: str = Field(description="the checked answer as shown, Sources list included (what `rag-answer ask` "
                        "prints)")  # fmt: skip
    clean: bool | None = Field(description="the audit of the shown answer found no problem (null: not audited)")
    sentences: list[Sentence] = Field(description="every claim sentence of the shown answer with its verdict")
    supplied_links: list[dict[str, Any]] = Field(description="the cited entries with their supplied links")
    source_warnings: list[str] = Field(description="entries whose summary holds instruction-like text")
    refused: bool
    refusal_reason: str | None
    repairs: list[str] = Field(description="what the checker removed or changed before showing the answer")
    sections: dict[str, str]
    citations: list[str]
    result: dict[str, Any] = Field(description="the whole `rag-answer ask --json` object")


class AuditOutput(BaseModel):
    clean: bool = Field(description="no rejected link, no invalid marker (with strict: and no bad claim)")
    exit_code: int = Field(description="what `rag-answer audit` exits with: 0 clean, 1 problems")
    strict: bool
    links_accepted: list[dict[str, Any]]
    links_rejected: list[dict[str, Any]] = Field(description="each with url, code, reason and line")
    markers_invalid: list[dict[str, Any]]
    claims: list[Sentence]
    summary: dict[str, Any]
    report: dict[str, Any] = Field(description="the whole `rag-answer audit --json` report")


class SearchOutput(BaseModel):
    query: str
    about: str
    hits: list[dict[str, Any]] = Field(description="best first: id, kind, title, score, links, passages")


class SourcesOutput(BaseModel):
    about: str
    question: str | None = Field(description="a prompt file's own question")
    entries: list[dict[str, Any]] = Field(description="id, kind, title, paper, github, summary")


TOOLS: dict[str, tuple[type[BaseModel], type[BaseModel], str]] = {
    "ask": (
        AskInput,
        AskOutput,
        "Answer a question ONLY from supplied sources (a prompt file's entries or a named "
        "index), with a local model. Returns the checked answer (task, direct answer with [@entry] citations, "
        "workflow, entries, sources with their supplied links), the audit verdict of every sentence with its "
        "evidence passage, what the checker removed, and any source warning. Slow: seconds to minutes.",
    ),
    "audit": (
        AuditInput,
        AuditOutput,
        "Audit an answer (yours or anyone's) against supplied sources before "
        "showing it: every link is accepted only if it was supplied (rejected ones come with a reason), "
        "every [@id] marker must name an entry, and every claim sentence gets a verdict with its evidence. "
        "`clean` false means: do not show the answer as it is.",
    ),
    "search": (
        SearchInput,
        SearchOutput,
        "Find the supplied entries that best match a query: ranked, each with "
        "its best passages and similarity scores. Fast, no generation.",
    ),
    "sources": (
        SourcesInput,
        SourcesOutput,
        "List the supplied entries of a prompt file or named index: id, "
        "kind, title, paper and GitHub links, summary. Only these links may appear in an answer.",
    ),
}


def _path(value: str | None) -> Path | None:
    return None if value is None else Path(value).expanduser()


def _sentences(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    claims = report["claims"] if report else []
    return [{"text": c["text"], "verdict": c["verdict"], "reason": c["reason"], "entry": c["evidence_entry"],
             "evidence": c["evidence"], "line": c["line"]} for c in claims]  # fmt: skip


class Engine:
    """The warm parts (embedder, LLM, loaded indexes) and the tools' work, done on the generation thread."""

    def __init__(self, settings: Settings, limits: McpLimits | None = None) -> None:
        self.settings = settings
        self.limits = limits or McpLimits()
        self.queue = GenerationQueue(self.limits.max_waiting)
        self._embedder: Embedder | None = None
        self._generator: TextGenerator | None = None
        self._catalog: IndexFolder | None = None

    # loaded on first use, on the worker thread
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            s = self.settings
            self._embedder = get_embedder(s.embedder, runtime=s.embedder_runtime, models_dir=s.models_dir)
        return self._embedder

    @property
    def generator(self) -> TextGenerator:
        if self._generator is None:
            from rag_answer.llm import load_generator

            self._generator = load_generator(self.settings)
        return self._generator

    @property
    def catalog(self) -> IndexFolder:
        if self._catalog is None:
            self._catalog = IndexFolder(self.settings.index_dir, self.embedder)
        return self._catalog

    def resolve(self, request: Request, *, chat: bool = False) -> Resolved:
        resolver = Resolver(self.settings, self.embedder, self.catalog, MCP,
                            max_question_chars=self.limits.max_question_chars)  # fmt: skip
        return resolver.resolve(request, chat=chat)

    # -- the tools -------------------------------------------------------------------------------------------

    def ask(self, given: AskInput, stop: threading.Event) -> tuple[str, dict[str, Any]]:
        from rag_answer.answer import answer_question
        from rag_answer.answer.footer import audit_footer

        overrides = checked_overrides({name: getattr(given, name) for name in ("seed", "temperature", "max_tokens",
                                                                                  "top_k")})  # fmt: skip
        resolved = self.resolve(Request(question=given.question, prompt=_path(given.prompt_file), index=given.index,
                                        source=given.source, overrides=overrides))  # fmt: skip
        index = resolved.open_index(self.embedder)
        generator = StoppableGenerator(self.generator, stop.is_set)
        result = answer_question(resolved.question, index, self.embedder, generator, resolved.settings,
                                 source_nos=resolved.source_nos)  # fmt: skip
        data = result.to_dict(resolved.settings, {"name": self.generator.model_name,
                                                  "sha256": self.generator.model_sha256})  # fmt: skip
        audit = data["audit"]
        output = AskOutput(
            question=data["question"], answer=data["answer"], clean=None if audit is None else audit["clean"],
            sentences=[Sentence(**s) for s in _sentences(audit["report"] if audit else None)],
            supplied_links=data["sources"],
            source_warnings=list(getattr(result, "source_warnings", []) or []),  # filled once source warnings land
            refused=data["refused"], refusal_reason=data["refusal_reason"], repairs=data["repairs"],
            sections=data["sections"], citations=data["citations"], result=data,
        )  # fmt: skip
        return f"{data['answer']}\n\n{audit_footer(result)}", output.model_dump(mode="json")

    def audit(self, given: AuditInput, stop: threading.Event) -> tuple[str, dict[str, Any]]:
        from rag_answer.audit import audit

        subject = audit_subject(answer=given.answer, answer_file=_path(given.answer_file),
                                sources=_path(given.prompt_file), index=given.index, catalog=self.catalog,
                                max_answer_chars=self.limits.max_answer_chars,
                                answer_hint="pass answer (the text), or answer_file",
                                sources_hint="pass prompt_file (the supplied entries) or index")  # fmt: skip
        judge = None
        if given.claims and given.judge:
            from rag_answer.audit.judge import LlmJudge

            judge = LlmJudge(StoppableGenerator(self.generator, stop.is_set))
        report = audit(subject.answer, subject.entries, embedder=self.embedder if given.claims else None,
                       claims=given.claims, line_offset=subject.line_offset, source=subject.name,
                       judge=judge)  # fmt: skip
        if stop.is_set():
            raise GenerationStopped
        data = report.to_dict(strict=given.strict)
        output = AuditOutput(
            clean=data["clean"], exit_code=data["exit_code"], strict=given.strict,
            links_accepted=[link for link in data["links"] if link["accepted"]],
            links_rejected=[link for link in data["links"] if not link["accepted"]],
            markers_invalid=[marker for marker in data["markers"] if not marker["valid"]],
            claims=[Sentence(**s) for s in _sentences(data)], summary=data["summary"], report=data,
        )  # fmt: skip
        return report.to_markdown(strict=given.strict), output.model_dump(mode="json")

    def search(self, given: SearchInput, stop: threading.Event) -> tuple[str, dict[str, Any]]:
        from rag_answer.index_store import search

        if not given.query.strip():
            raise BadInputError("no query", hint="pass query: what to look for")
        if len(given.query) > self.limits.max_question_chars:
            raise TooLargeError(f"the query has {len(given.query)} characters, over the limit of "
                                f"{self.limits.max_question_chars}")  # fmt: skip
        resolved = self.resolve(Request(prompt=_path(given.prompt_file), index=given.index, source=given.source),
                                chat=True)  # a search needs no question  # fmt: skip
        hits = search(resolved.open_index(self.embedder), self.embedder, given.query, k=given.k,
                      source_nos=resolved.source_nos)  # fmt: skip
        output = SearchOutput(query=given.query, about=resolved.label, hits=[hit.to_dict() for hit in hits])
        lines = [f"{rank}. [{hit.score:.3f}] {hit.entry.title} ({hit.entry.kind}, id {hit.entry.id})\n"
                 f"   best passage [{hit.passages[0][1]:.3f}]: {hit.passages[0][0][:200]}"
                 for rank, hit in enumerate(hits, start=1)]  # fmt: skip
        return "\n".join(lines) or "no entries", output.model_dump(mode="json")

    def sources(self, given: SourcesInput, stop: threading.Event) -> tuple[str, dict[str, Any]]:
        resolved = self.resolve(Request(prompt=_path(given.prompt_file), index=given.index, source=given.source),
                                chat=True)  # fmt: skip
        entries = [{"id": e.id, "kind": e.kind, "title": e.title, "paper": e.paper_url, "github": e.github_url,
                    "summary": e.summary} for e in resolved.entries()]  # fmt: skip
        output = SourcesOutput(about=resolved.label, question=resolved.own_question, entries=entries)
        lines = [f"[@{e['id']}] {e['title']} ({e['kind']})" + "".join(
            f"\n    {label}: {e[key]}" for label, key in (("Paper", "paper"), ("GitHub", "github")) if e[key])
            for e in entries]  # fmt: skip
        return "\n".join([f"{len(entries)} supplied entries: {resolved.label}", *lines]), output.model_dump(mode="json")

    def index_names(self) -> list[str]:
        folder = self.settings.index_dir
        if not folder.is_dir():
            return []
        return sorted(child.name for child in folder.iterdir() if (child / "manifest.json").is_file())

    # -- running a tool ----------------------------------------------------------------------------------------

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """A tool's result, or a tool error with the one-line message; never an exception the host sees as a crash."""
        import mcp.types as types

        try:
            if name not in TOOLS:
                raise BadInputError(f"no tool {name!r}", hint=f"the tools are {', '.join(TOOLS)}")
            model = TOOLS[name][0]
            try:
                given = model.model_validate(arguments)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "arguments"
                raise BadInputError(f"{where}: {first['msg']}", hint=f"see the {name} tool's input schema") from None
            if isinstance(given, _Sources) and not isinstance(given, AskInput):
                Request(prompt=_path(given.prompt_file), index=given.index, source=given.source).check(MCP, chat=True)
            elif isinstance(given, AskInput):
                # the checks that need nothing loaded are answered at once, not after a running generation
                Request(question=given.question, prompt=_path(given.prompt_file), index=given.index,
                        source=given.source).check(MCP)  # fmt: skip
            work: Callable[[Any, threading.Event], tuple[str, dict[str, Any]]] = getattr(self, name)
            text, structured = await self.run_one(lambda stop: work(given, stop), name)
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                        structuredContent=structured, isError=False)  # fmt: skip
        except RagAnswerError as exc:
            return _tool_error(exc.one_line())
        except GenerationStopped:
            return _tool_error("stopped")
        except Exception as exc:  # a library failure must not end the session; details go to the log
            log.exception("unexpected error in tool %s", name)
            return _tool_error(f"internal error ({type(exc).__name__}); the server's stderr has the details")

    async def run_one(self, job: Callable[[threading.Event], Any], name: str) -> Any:
        """Runs job(stop) on the generation thread, one at a time; a cancelled request sets stop, so the
        generation ends at its next token and the thread is free for the next request."""
        stop = threading.Event()

        def work() -> Any:
            log.info("%s: started", name)
            try:
                return job(stop)
            except GenerationStopped:
                log.info("%s: stopped (the host cancelled it)", name)
                raise

        future = self.queue.submit(work)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            stop.set()
            raise

    async def read_resource(self, uri: str) -> str:
        if uri.startswith(URI_INDEX):
            request = Request(index=urllib.parse.unquote(uri[len(URI_INDEX) :]))
        elif uri.startswith(URI_PROMPT):
            request = Request(prompt=Path(urllib.parse.unquote(uri[len(URI_PROMPT) :])))
        else:
            raise BadInputError(f"no resource {uri}", hint=f"read {URI_INDEX}NAME or {URI_PROMPT}PATH")
        given = SourcesInput(prompt_file=str(request.prompt) if request.prompt else None, index=request.index)
        _, structured = await self.run_one(lambda stop: self.sources(given, stop), "resource")
        return json.dumps(structured, ensure_ascii=False, indent=2)


def _tool_error(message: str) -> Any:
    import mcp.types as types

    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], isError=True)


def tool_definitions() -> list[Any]:
    import mcp.types as types

    read_only = types.ToolAnnotations(readOnlyHint=True, destructiveHint=False, openWorldHint=False)
    return [types.Tool(name=name, title=model.__doc__.strip().split(".")[0] if model.__doc__ else name,
                       description=description, inputSchema=model.model_json_schema(),
                       outputSchema=output.model_json_schema(), annotations=read_only)
            for name, (model, output, description) in TOOLS.items()]  # fmt: skip


def build_server(engine: Engine) -> Any:
    """The MCP server (the SDK's low-level Server: exact tool errors, and tool results that are both text and
    structured content)."""
    import mcp.types as types
    from mcp.server.lowlevel import Server
    from mcp.server.lowlevel.helper_types import ReadResourceContents

    server: Server[Any, Any] = Server("rag-answer", version=__version__, instructions=INSTRUCTIONS)

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return tool_definitions()

    @server.call_tool(validate_input=False)  # our own check names the bad field
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        return await engine.call(name, arguments)

    @server.list_resources()
    async def list_resources() -> list[types.Resource]:
        return [types.Resource(uri=f"{URI_INDEX}{urllib.parse.quote(name)}", name=f"index {name}",
                               description=f"the supplied entries of index {name}", mimeType="application/json")
                for name in engine.index_names()]  # type: ignore[arg-type]  # fmt: skip

    @server.list_resource_templates()
    async def list_resource_templates() -> list[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(uriTemplate=URI_INDEX + "{name}", name="index sources", mimeType="application/json",
                                   description="the supplied entries of a named index"),
            types.ResourceTemplate(uriTemplate=URI_PROMPT + "{path}", name="prompt file sources",
                                   mimeType="application/json",
                                   description="the supplied entries of a prompt file (path URL-encoded)"),
        ]  # fmt: skip

    @server.read_resource()
    async def read_resource(uri: Any) -> list[ReadResourceContents]:
        try:
            text = await engine.read_resource(str(uri))
        except RagAnswerError as exc:
            raise ValueError(exc.one_line()) from None  # the SDK answers a resource error as a JSON-RPC error
        return [ReadResourceContents(content=text, mime_type="application/json")]

    return server


Transport = Literal["stdio", "http"]


def serve(engine: Engine, *, transport: Transport = "stdio", host: str = "127.0.0.1", port: int = 8766) -> None:
    """Serve until the host closes the connection (stdio) or the process is stopped (http)."""
    import anyio

    server = build_server(engine)
    if transport == "stdio":
        anyio.run(_serve_stdio, server)
    else:
        _serve_http(server, host, port)
    engine.queue.shutdown()


async def _serve_stdio(server: Any) -> None:
    import io
    import os
    import sys

    import anyio
    from mcp.server.stdio import stdio_server

    # The protocol owns the real stdout; anything else written there (a library's print, llama.cpp's C-level
    # output) would corrupt it, so file descriptor 1 and sys.stdout now point at stderr.
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    out = anyio.wrap_file(io.TextIOWrapper(os.fdopen(protocol_fd, "wb", buffering=0), encoding="utf-8",
                                           line_buffering=True))  # fmt: skip
    async with stdio_server(stdout=out) as (read, write):
        await server.run(read, write, server.create_initialization_options())


def _serve_http(server: Any, host: str, port: int) -> None:
    """Streamable HTTP at http://HOST:PORT/mcp, on this machine only (the command refuses other hosts), with the
    SDK's DNS-rebinding protection: a web page cannot reach it through a name that resolves to 127.0.0.1."""
    import uvicorn
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Route

    security = TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                         allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
                                         allowed_origins=["http://127.0.0.1:*", "http://localhost:*",
                                                          "http://[::1]:*"])  # fmt: skip
    manager = StreamableHTTPSessionManager(app=server, security_settings=security)

    class Endpoint:  # a plain ASGI app (a class, so Starlette's Route does not wrap it as a request handler)
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await manager.handle_request(scope, receive, send)

    app = Starlette(routes=[Route("/mcp", endpoint=Endpoint())], lifespan=lambda _app: manager.run())
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
