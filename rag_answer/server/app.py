"""The ASGI app: routes over one ServerState (see docs/server.md for the endpoints and their JSON)."""

from __future__ import annotations

import threading
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from rag_answer import __version__
from rag_answer.answer import AnswerResult
from rag_answer.answer.footer import audit_footer
from rag_answer.errors import BadInputError
from rag_answer.index_store import search
from rag_answer.server import openai_api
from rag_answer.server.http import Emit, endpoint, event_stream, json_error, read_model, run_queued, sse, wants_events
from rag_answer.server.jobs import (
    plan_ask,
    plan_audit,
    plan_chat,
    plan_report,
    render_audit,
    run_ask,
    run_audit,
    run_chat,
    run_report,
)
from rag_answer.server.page import PAGE_CSP, page_html
from rag_answer.server.schemas import AskRequest, AuditRequest, ChatRequest, ReportRequest, request_schemas
from rag_answer.server.state import ServerState


def state_of(request: Request) -> ServerState:
    return request.app.state.server


@endpoint(auth=False)
async def page(request: Request) -> Response:
    return HTMLResponse(page_html(), headers={"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff"})


@endpoint(auth=False)
async def health(request: Request) -> Response:
    state = state_of(request)
    return JSONResponse({"status": "ok", "version": __version__, "model": state.model(), "models": len(state.targets),
                         "token_required": state.token is not None, "queue": state.queue.counts()})  # fmt: skip


@endpoint()
async def models(request: Request) -> Response:
    state = state_of(request)
    settings = {key: getattr(state.settings, key) for key in ("model", "judge_model", "seed", "temperature",
                                                              "max_tokens", "top_k", "min_score", "n_ctx")}  # fmt: skip
    return JSONResponse({"llm": state.model(), "settings": settings,
                         "models": [target.describe() for target in state.targets.values()]})  # fmt: skip


@endpoint(auth=False)
async def schema(request: Request) -> Response:
    return JSONResponse(request_schemas())


def answer_events(state: ServerState, result: AnswerResult, settings: Any) -> list[tuple[str, Any]]:
    return [("result", result.to_dict(settings, state.model())), ("footer", {"text": audit_footer(result)})]


@endpoint()
async def ask(request: Request) -> Response:
    """POST /api/ask: the `ask --json` object; with Accept: text/event-stream, `text` events (the checked answer, as
    `ask` prints it), then `result` (the `ask --json` object) and `footer` (what `ask` prints on stderr). Only a
    request with "drafts": true also gets `draft` events first: the model's tokens while it reads each entry,
    marked {"checked": false}. Nothing unchecked is sent unless asked for."""
    state = state_of(request)
    body = await read_model(request, AskRequest)
    plan = plan_ask(state, body)
    if wants_events(request):

        def job(stop: threading.Event, emit: Emit) -> None:
            def draft(text: str) -> None:
                emit("draft", {"text": text, "checked": False})

            result = run_ask(state, plan, stop, on_token=draft if body.drafts else None,
                             on_text=lambda text: emit("text", {"text": text}))  # fmt: skip
            for name, data in answer_events(state, result, plan.settings):
                emit(name, data)

        return event_stream(request, job, render=sse)
    stop = threading.Event()
    result = await run_queued(request, lambda: run_ask(state, plan, stop), stop)
    return JSONResponse(result.to_dict(plan.settings, state.model()))


@endpoint()
async def chat(request: Request) -> Response:
    """POST /api/chat: a piped `chat` over the request's input: events `stdout` and `stderr` {"text"} as the
    command writes them, then `exit` {"code"}."""
    state = state_of(request)
    body = await read_model(request, ChatRequest)
    plan = plan_chat(state, body)

    def job(stop: threading.Event, emit: Emit) -> None:
        emit("exit", {"code": run_chat(state, plan, body, stop, emit)})

    return event_stream(request, job, render=sse)


@endpoint()
async def audit_route(request: Request) -> Response:
    """POST /api/audit: {"exit_code", "report" (audit --json), "rendered" (what `audit` prints in `format`)}."""
    state = state_of(request)
    plan = plan_audit(state, await read_model(request, AuditRequest))
    stop = threading.Event()
    report = await run_queued(request, lambda: run_audit(state, plan, stop), stop)
    return JSONResponse(render_audit(report, plan.request))


@endpoint()
async def search_route(request: Request) -> Response:
    """GET /api/search?q=QUERY&index=ID[&k=4]: the `search --json` object."""
    state = state_of(request)
    query = request.query_params.get("q", "")
    if not query.strip():
        raise BadInputError("no query", hint="GET /api/search?q=QUERY&index=ID")
    target = state.target(request.query_params.get("index", ""))
    k = request.query_params.get("k", "4")
    if not k.isdigit() or not 1 <= int(k) <= 50:
        raise BadInputError(f"k must be a whole number from 1 to 50, not {k!r}")
    hits = search(target.index, state.embedder, query, k=int(k), source_nos=target.source_nos)
    return JSONResponse({"query": query, "index": target.id, "hits": [hit.to_dict() for hit in hits]})


@endpoint()
async def report_route(request: Request) -> Response:
    """POST /api/report: the Markdown (text/markdown) or HTML (text/html) report `rag-answer report` writes;
    format json: the outcome and every document (see ReportRequest)."""
    state = state_of(request)
    body = await read_model(request, ReportRequest)
    plan_report(body)
    stop = threading.Event()
    reply = await run_queued(request, lambda: run_report(state, body, stop), stop)
    if body.format == "json":
        return JSONResponse(reply)
    if reply["status"] == "failed":
        raise BadInputError(f"report failed: {reply['error']}")
    text = reply["documents"][body.format]
    if body.format == "html":
        return HTMLResponse(text)
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_error(exc.status_code, exc.detail or "request failed", "not_found" if exc.status_code == 404
                      else "method_not_allowed" if exc.status_code == 405 else "http_error")  # fmt: skip


async def server_error(request: Request, exc: Exception) -> Response:
    return json_error(500, "internal error (the server log has the details)", "internal_error")


def build_app(state: ServerState) -> Starlette:
    routes = [
        Route("/", page),
        Route("/api/health", health),
        Route("/api/models", models),
        Route("/api/schema", schema),
        Route("/api/ask", ask, methods=["POST"]),
        Route("/api/chat", chat, methods=["POST"]),
        Route("/api/audit", audit_route, methods=["POST"]),
        Route("/api/search", search_route),
        Route("/api/report", report_route, methods=["POST"]),
        Route("/v1/models", openai_api.list_models),
        Route("/v1/chat/completions", openai_api.chat_completions, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.server = state
    return app
