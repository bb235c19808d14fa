"""rag_answer.request, the one request path of every front end, on real prompt files (no model needed): a prompt
file sent as text resolves to what the same file resolves to in process, the checks speak each front end's words,
and an answer to audit is found the same way from a file or from text."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from rag_answer.commands._common import request_from_args
from rag_answer.errors import BadInputError
from rag_answer.request import (
    CLI,
    HTTP,
    MCP,
    NoNamedIndexes,
    Request,
    Resolver,
    TooLargeError,
    audit_subject,
    checked_overrides,
    overrides_of,
)
from rag_answer.server.schemas import AskRequest, ChatRequest
from rag_answer.settings import load_settings
from tests.conftest import EXAMPLE_PATH

EXAMPLE_QUESTION_START = "I generated a studio portrait"


def resolver(wording=CLI, **kwargs) -> Resolver:
    # no embedder: nothing here opens an index
    return Resolver(load_settings(), None, NoNamedIndexes(), wording, **kwargs)  # type: ignore[arg-type]


def ask_args(**given) -> argparse.Namespace:
    names = ("question", "prompt", "index_name", "source", "seed", "temperature", "max_tokens", "top_k")
    return argparse.Namespace(**{name: given.get(name) for name in names})


def test_a_prompt_file_sent_as_text_is_the_prompt_file_read_here() -> None:
    """What `ask --server` sends (Request.payload) is resolved by the server to the same question and the same
    source id (so the same cached index) as the file in process."""
    local = request_from_args(ask_args(prompt=EXAMPLE_PATH, seed=3, top_k=2))
    remote = Request.from_body(AskRequest.model_validate(local.payload()))
    here, there = resolver().resolve(local), resolver(HTTP).resolve(remote)
    assert here.question.startswith(EXAMPLE_QUESTION_START) and there.question == here.question
    assert here.source is not None and there.source is not None
    assert there.source.source_id == here.source.source_id
    assert [e.id for e in there.entries()] == [e.id for e in here.entries()]
    assert (here.settings.seed, here.settings.top_k) == (there.settings.seed, there.settings.top_k) == (3, 2)
    assert there.source.path == str(EXAMPLE_PATH) and here.source_nos == there.source_nos == [0]


def test_a_given_question_replaces_the_files_own() -> None:
    resolved = resolver().resolve(Request(question="Which paper has code?", prompt=EXAMPLE_PATH))
    assert resolved.question == "Which paper has code?"
    assert resolved.own_question is not None and resolved.own_question.startswith(EXAMPLE_QUESTION_START)


@pytest.mark.parametrize(("request_", "chat", "cli_line", "http_line"), [
    (Request(), False, "nothing to answer (use --prompt FILE, or QUESTION --index NAME)",
     'nothing to answer (send {"prompt_file": TEXT} or {"question": Q, "index": ID})'),
    (Request(), True, "nothing to chat about (use --prompt FILE, or --index NAME [--source S])",
     'nothing to chat about (send {"prompt_file": TEXT} or {"index": ID})'),
    (Request(prompt=EXAMPLE_PATH, index="x"), False, "give either --prompt FILE or --index NAME [--source S], not both",
     "give either prompt_file or index [source], not both"),
    (Request(prompt=EXAMPLE_PATH, source="x"), True, "give either --prompt FILE or --index NAME [--source S], not both",
     "give either prompt_file or index [source], not both"),
    (Request(index="x", question=" "), False, 'no question given (rag-answer ask "QUESTION" --index NAME)',
     'no question given (send {"question": Q, "index": "x"})'),
])  # fmt: skip
def test_one_check_in_each_front_ends_words(request_, chat, cli_line, http_line) -> None:
    with pytest.raises(BadInputError) as cli:
        request_.check(CLI, chat=chat)
    with pytest.raises(BadInputError) as http:
        request_.check(HTTP, chat=chat)
    assert (cli.value.one_line(), http.value.one_line()) == (cli_line, http_line)


def test_a_server_index_may_carry_its_own_question() -> None:
    Request(index="example").check(HTTP, index_questions=True)  # a loaded prompt file: its question is used
    with pytest.raises(BadInputError, match="no question given"):
        Request(index="example").check(HTTP)


def test_a_chat_needs_no_question_and_a_long_question_is_too_large(tmp_path: Path) -> None:
    chat = resolver(HTTP, max_question_chars=10).resolve(
        Request.from_body(ChatRequest(input="q\n", prompt_file=EXAMPLE_PATH.read_text("utf-8"))), chat=True
    )
    assert chat.question == "" and chat.own_question is not None  # the file's long question is not checked
    with pytest.raises(TooLargeError, match="the question has 11 characters, over the limit of 10"):
        resolver(HTTP, max_question_chars=10).resolve(Request(question="x" * 11, prompt=EXAMPLE_PATH))
    no_question = tmp_path / "no_question.txt"
    no_question.write_text("### Related Papers:\nModel: X\nPaper: https://arxiv.org/abs/1234.5678\n", "utf-8")
    with pytest.raises(BadInputError, match="no question found") as error:
        resolver(MCP).resolve(Request(prompt=no_question))
    assert error.value.path == str(no_question) and error.value.hint == MCP.own_question


def test_overrides_are_read_once_from_flags_bodies_and_tool_arguments() -> None:
    assert overrides_of(ask_args(seed=0, top_k=None, max_tokens=48)) == {"seed": 0, "max_tokens": 48}
    assert overrides_of({"temperature": 0.5, "other": 1}) == {"temperature": 0.5}
    assert checked_overrides({"seed": 1, "top_k": None}) == {"seed": 1}
    with pytest.raises(BadInputError, match="setting top_k"):
        checked_overrides({"top_k": 0})


def test_an_answer_to_audit_from_a_file_or_from_text(tmp_path: Path) -> None:
    text = EXAMPLE_PATH.read_text("utf-8") + "\nThe Skin Game compares models [@the-skin-game].\n"
    answered = tmp_path / "answered.txt"
    answered.write_text(text, "utf-8")
    from_file = audit_subject(answer_file=answered)
    from_text = audit_subject(prompt_text=text, name=str(answered))
    assert from_file.answer == from_text.answer == "The Skin Game compares models [@the-skin-game]."
    assert from_file.line_offset == from_text.line_offset == text.count("\n") - 1
    assert [e.id for e in from_file.entries] == [e.id for e in from_text.entries]
    with pytest.raises(BadInputError, match="no sources to audit against"):
        audit_subject(answer="Some text.")
    with pytest.raises(BadInputError, match="give one of sources, index or entries, not sources and index"):
        audit_subject(answer="Some text.", sources=EXAMPLE_PATH, index="x")
    with pytest.raises(TooLargeError, match="over the limit of 5"):
        audit_subject(answer="Some text.", sources=EXAMPLE_PATH, max_answer_chars=5)
