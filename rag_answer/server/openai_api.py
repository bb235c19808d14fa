"""OpenAI-compatible endpoints: each loaded prompt file or index is a model; a chat's last user message is the
question, earlier user/assistant pairs are its history; the reply is the grounded, audited answer with its
Sources. Sampling fields (temperature, top_p, ...) are accepted and ignored: answers stay reproducible."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from rag_answer.answer import AnswerResult, Turn
from rag_answer.errors import BadInputError
from rag_answer.request import Request as AnswerRequest
from rag_answer.request import Resolved
from rag_answer.server.http import Emit, endpoint, event_stream, read_model, run_queued
from rag_answer.server.jobs import run_ask
from rag_answer.server.schemas import ChatCompletionRequest, ChatMessage
from rag_answer.server.state import ServerState

_CREATED = 0  # model ids are loaded files, not releases


@endpoint()
async def list_models(request: Request) -> Response:
    state: ServerState = request.app.state.server
    return JSONResponse({"object": "list", "data": [{"id": target.id, "object": "model", "created": _CREATED,
                         "owned_by": "rag-answer"} for target in state.targets.values()]})  # fmt: skip


def message_text(message: ChatMessage) -> str:
    if isinstance(message.content, list):  # content parts: only text parts carry a question
        return "".join(str(part.get("text", "")) for part in message.content if part.get("type") == "text")
    return message.content or ""


def conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, history): system and tool messages do not change what an answer may say, so they are ignored."""
    spoken = [(m.role, message_text(m)) for m in messages if m.role in ("user", "assistant")]
    if not spoken or spoken[-1][0] != "user" or not spoken[-1][1].strip():
        raise BadInputError("the last message must be the user's question", hint='end messages with {"role": "user"}')
    history: list[Turn] = []
    for (role, text), (next_role, next_text) in itertools.pairwise(spoken):
        if role == "user" and next_role == "assistant":
            history.append(Turn(text, next_text))
    return spoken[-1][1], history


def plan_chat(state: ServerState, body: ChatCompletionRequest) -> Resolved:
    """The model id names the loaded prompt file or index; the last user message is the question."""
    question, history = conversation(body.messages)
    return state.resolver().resolve(AnswerRequest(question=question, index=body.model, history=history or None))


def completion_id(body: ChatCompletionRequest) -> str:
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()[:24]
    return f"chatcmpl-{digest}"


def usage(result: AnswerResult) -> dict[str, int]:
    prompt, completion = result.stats.prompt_tokens, result.stats.generated_tokens
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


@endpoint()
async def chat_completions(request: Request) -> Response:
    state: ServerState = request.app.state.server
    body = await read_model(request, ChatCompletionRequest)
    plan = plan_chat(state, body)
    ident, created = completion_id(body), int(time.time())
    if body.stream:
        head = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": body.model,
                "system_fingerprint": state.generator.model_sha256[:16]}  # fmt: skip

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

        def job(stop: threading.Event, emit: Emit) -> None:
            emit("chunk", chunk({"role": "assistant", "content": ""}))
            run_ask(state, plan, stop, on_text=lambda text: emit("chunk", chunk({"content": text})))
            emit("chunk", chunk({}, "stop"))
            emit("done", None)

        def render(name: str, data: Any) -> str:
            if name == "done":
                return "data: [DONE]\n\n"
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        return event_stream(request, job, render=render)
    stop = threading.Event()
    result = await run_queued(request, lambda: run_ask(state, plan, stop), stop)
    return JSONResponse({
        "id": ident, "object": "chat.completion", "created": created, "model": body.model,
        "system_fingerprint": state.generator.model_sha256[:16],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text}, "logprobs": None,
                     "finish_reason": "stop"}],
        "usage": usage(result),
    })  # fmt: skip
