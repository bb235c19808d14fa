"""The HTTP edge shared by every route: bearer-token check, a size-limited JSON body, typed errors turned into
4xx/5xx JSON (never a traceback), work handed to the generation queue, and server-sent events."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from rag_answer.errors import ContextOverflowError, ModelError, RagAnswerError
from rag_answer.llm.stoppable import GenerationStopped
from rag_answer.server.jobs import TooLargeError
from rag_answer.server.state import ServerState, UnknownModelError
from rag_answer.server.worker import ServerBusyError

log = logging.getLogger("rag_answer.server")
M = TypeVar("M", bound=BaseModel)
Emit = Callable[[str, Any], None]
_POLL_S = 0.5  # how often a waiting request checks that its client is still there


class NotAuthorizedError(RagAnswerError):
    """A missing or wrong bearer token (HTTP 401)."""


_STATUSES: tuple[tuple[type[RagAnswerError], int, str], ...] = (
    (NotAuthorizedError, 401, "unauthorized"),
    (UnknownModelError, 404, "model_not_found"),
    (TooLargeError, 413, "too_large"),
    (ContextOverflowError, 413, "context_length_exceeded"),
    (ServerBusyError, 503, "busy"),
    (ModelError, 500, "model_error"),
    (RagAnswerError, 400, "bad_input"),
)


def error_status(exc: BaseException) -> tuple[int, str]:
    """HTTP status and error code for an exception; anything unexpected is a 500 with no details."""
    for kind, status, code in _STATUSES:
        if isinstance(exc, kind):
            return status, code
    return 500, "internal_error"


def error_body(exc: BaseException) -> tuple[int, dict[str, Any]]:
    status, code = error_status(exc)
    if isinstance(exc, RagAnswerError):
        message = exc.one_line()
    else:
        log.error("unexpected %s while serving a request: %s", type(exc).__name__, exc)
        message = "internal error (the server log has the details)"
    kind = "invalid_request_error" if status < 500 else "server_error"
    return status, {"error": {"message": message, "type": kind, "code": code}}


def error_response(exc: BaseException) -> JSONResponse:
    status, body = error_body(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {"Retry-After": "2"} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)


def json_error(status: int, message: str, code: str) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse({"error": {"message": message, "type": kind, "code": code}}, status_code=status)


Handler = Callable[[Request], Awaitable[Response]]


def endpoint(*, auth: bool = True) -> Callable[[Handler], Handler]:
    """A route that checks the token (when the server has one) and answers every failure as JSON."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapped(request: Request) -> Response:
            try:
                if auth:
                    check_token(request, request.app.state.server)
                return await handler(request)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "body"
                return json_error(422, f"{where}: {first['msg']}", "invalid_request")
            except ClientDisconnect:
                return Response(status_code=499)
            except Exception as exc:
                return error_response(exc)

        return wrapped

    return decorate


def check_token(request: Request, state: ServerState) -> None:
    if state.token is None:
        return
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), state.token.encode()):
        raise NotAuthorizedError("a bearer token is required", hint="send 'Authorization: Bearer TOKEN'")


async def read_model(request: Request, model: type[M]) -> M:
    """The body as `model`: over the size limit is 413, not JSON is 400, the wrong shape is 422."""
    limit = request.app.state.server.limits.max_body_bytes
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLargeError(f"the request body has {int(length)} bytes, over the limit of {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLargeError(f"the request body is over the limit of {limit} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RagAnswerError(f"the request body is not valid JSON ({exc})", hint="send a JSON object") from None
    if not isinstance(data, dict):
        raise RagAnswerError("the request body must be a JSON object", hint="send {...}")
    return model.model_validate(data)


def wants_events(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


async def run_queued(request: Request, job: Callable[[], Any], stop: threading.Event) -> Any:
    """Runs job on the generation thread; stops it when the client goes away. ServerBusyError when full."""
    waiter = asyncio.wrap_future(request.app.state.server.queue.submit(job))
    while True:
        done, _ = await asyncio.wait({waiter}, timeout=_POLL_S)
        if done:
            return waiter.result()
        if await request.is_disconnected():
            stop.set()
            with contextlib.suppress(Exception):  # nobody is left to tell
                await waiter
            raise ClientDisconnect


def event_stream(
    request: Request,
    job: Callable[[threading.Event, Emit], None],
    *,
    render: Callable[[str, Any], str],
    media_type: str = "text/event-stream",
) -> StreamingResponse:
    """Runs job(stop, emit) on the generation thread and streams what it emits, rendered by render(name, data).
    A failure after the stream started is sent as an "error" event. ServerBusyError (before any byte) when full."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[tuple[str | None, Any]] = asyncio.Queue()
    stop = threading.Event()

    def emit(name: str | None, data: Any) -> None:
        loop.call_soon_threadsafe(events.put_nowait, (name, data))

    def work() -> None:
        try:
            job(stop, emit)
        except GenerationStopped:
            pass
        except Exception as exc:
            emit("error", error_body(exc)[1])
        finally:
            emit(None, None)

    request.app.state.server.queue.submit(work)

    async def body() -> AsyncIterator[str]:
        try:
            while True:
                try:
                    name, data = await asyncio.wait_for(events.get(), timeout=_POLL_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    continue
                if name is None:
                    return
                yield render(name, data)
        finally:
            stop.set()  # the client went away (or all is sent): stop generating for it

    return StreamingResponse(body(), media_type=media_type, headers={"Cache-Control": "no-cache"})


def sse(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
