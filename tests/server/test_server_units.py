"""The server's parts without a model (fakes, in addition to the real-server tests): the queue's bound, stopping
a generation between tokens, reading an OpenAI conversation, and the error-to-status table."""

from __future__ import annotations

import threading

import pytest

from rag_answer.chat.session import GenerationStopped
from rag_answer.errors import BadInputError, ContextOverflowError, ModelError
from rag_answer.llm.stoppable import StoppableGenerator
from rag_answer.server.http import error_body
from rag_answer.server.jobs import TooLargeError
from rag_answer.server.openai_api import conversation
from rag_answer.server.schemas import ChatMessage
from rag_answer.server.state import UnknownModelError
from rag_answer.server.worker import GenerationQueue, ServerBusyError
from tests.doubles.fake_llm import FakeGenerator


def test_the_queue_runs_one_job_lets_max_waiting_wait_and_refuses_the_next() -> None:
    queue = GenerationQueue(max_waiting=2)
    release = threading.Event()
    started = threading.Event()
    active = []

    def job() -> int:
        active.append(1)
        started.set()
        assert len(active) == 1  # never two at once
        release.wait(10)
        active.pop()
        return 7

    futures = [queue.submit(job) for _ in range(3)]  # one running, two waiting
    assert started.wait(5)
    assert queue.counts()["running"] == 1 and queue.counts()["waiting"] == 2
    with pytest.raises(ServerBusyError, match="queue is full"):
        queue.submit(job)
    release.set()
    assert [future.result(10) for future in futures] == [7, 7, 7]
    assert queue.counts() == {"running": 0, "waiting": 0, "max_waiting": 2, "served": 3, "refused_busy": 1}
    queue.submit(lambda: 1).result(5)  # room again
    queue.shutdown()


def test_a_stopped_generation_ends_between_tokens_and_reports_what_it_drafted() -> None:
    stop = threading.Event()
    drafted: list[str] = []
    inner = FakeGenerator("abcdefghijklmnopqrstuvwxyz", piece=2)
    generator = StoppableGenerator(inner, stop.is_set, drafted.append)
    pieces = generator.stream("p", "s", grammar=None, max_tokens=50, temperature=0.0, seed=0)
    assert [next(pieces), next(pieces)] == ["ab", "cd"]
    stop.set()
    with pytest.raises(GenerationStopped):
        next(pieces)
    assert drafted == ["ab", "cd"]
    with pytest.raises(GenerationStopped):  # and the next call does not start at all
        generator.choice_logprobs("p", "s", ["yes", "no"])
    assert len(inner.calls) == 1


def test_a_conversation_is_its_last_question_and_the_pairs_before_it() -> None:
    messages = [ChatMessage(role="system", content="be brief"), ChatMessage(role="user", content="first?"),
                ChatMessage(role="assistant", content="one"), ChatMessage(role="user", content=[
                    {"type": "text", "text": "and "}, {"type": "image_url"}, {"type": "text", "text": "second?"}])]  # fmt: skip
    question, history = conversation(messages)
    assert question == "and second?"
    assert [(turn.question, turn.answer) for turn in history] == [("first?", "one")]
    with pytest.raises(BadInputError, match="last message must be the user's question"):
        conversation(messages[:3])


@pytest.mark.parametrize(("error", "status", "code"), [
    (BadInputError("x"), 400, "bad_input"), (UnknownModelError("x"), 404, "model_not_found"),
    (TooLargeError("x"), 413, "too_large"), (ContextOverflowError("x"), 413, "context_length_exceeded"),
    (ServerBusyError("x"), 503, "busy"), (ModelError("x"), 500, "model_error"),
    (RuntimeError("secret detail"), 500, "internal_error")])  # fmt: skip
def test_each_error_has_its_status_and_never_leaks_an_unexpected_one(error, status, code) -> None:
    got_status, body = error_body(error)
    assert (got_status, body["error"]["code"]) == (status, code)
    assert "secret detail" not in body["error"]["message"]
