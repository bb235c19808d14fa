"""Chat orchestration with a scripted generator: history, fixed prefix, context trimming, stopping, commands, piping.

The real model in a real terminal is exercised in test_chat_terminal.py and test_chat_piped_real.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
from pathlib import Path

import pytest

from rag_answer.chat import ChatSession, GenerationStopped, run_command, run_piped
from rag_answer.chat.output import WITHHELD, LinkGate, after_answer
from rag_answer.chat.piped import logical_lines
from rag_answer.cli import main
from rag_answer.errors import BadInputError
from rag_answer.index_store import build_index
from rag_answer.settings import load_settings
from rag_answer.sources import load_source
from tests.doubles.fake_llm import FakeGenerator

GOOD = (
    "### 1. Task\nThe user wants sharp portraits [@txt2img-stablediffusionv1].\n\n"
    "### 2. Workflow (input -> model -> output)\n- Input: a text prompt -> Model: [@txt2img-stablediffusionv1] "
    "-> Output: a portrait.\n\n### 3. Relevant papers and tools\n"
    "- [@the-skin-game] DINOv2 reaches a macro F1 of 0.85 on HAM10000.\n"
)
Q1 = "What data trains a model to capture fine skin detail in portraits?"
Q2 = "Which supplied paper segments close human interaction in 4D?"
Q3 = "How does mask-guided refinement help image matting of hair?"
URL = re.compile(r"https?://[^\s)|>\]`]+")


@pytest.fixture(scope="module")
def example_index(real_embedder, example_path: Path):
    return build_index([load_source(example_path)], real_embedder, progress=False)


@pytest.fixture
def settings(private_home: Path):
    return load_settings(model="fake", temperature=0.0, seed=0, max_tokens=64)


def make_session(example_index, real_embedder, settings, script=GOOD) -> tuple[ChatSession, FakeGenerator]:
    generator = FakeGenerator(script)
    return ChatSession(example_index, real_embedder, generator, settings, source_nos=[0], label="example"), generator


def supplied_links(session: ChatSession) -> set[str]:
    return {link for entry in session.entries() for link in entry.links}


def test_follow_up_sees_earlier_turn_and_same_prefix(example_index, real_embedder, settings) -> None:
    settings = settings.model_copy(update={"top_k": 2})  # fewer than the 4 entries: pinning must raise it
    session, generator = make_session(example_index, real_embedder, settings)
    assert session.pinned and session.settings.top_k == 4
    first = session.ask(Q1)
    second = session.ask(Q2)
    assert first.result and second.result and not second.result.refused
    assert len(generator.calls) == 2 and len(session.history) == 2
    suffix = str(generator.calls[1]["suffix"])
    assert Q1 in suffix and GOOD in suffix and suffix.rstrip().endswith("assistant")
    assert "http" not in suffix  # history is the model's own text: markers, never rendered links
    # all four supplied entries are in every prompt, so the KV prefix is the same for both questions
    assert session.pinned
    assert generator.calls[0]["prefix"] == generator.calls[1]["prefix"]
    for entry in session.entries():
        assert f"[@{entry.id}]" in str(generator.calls[0]["prefix"])


def test_oldest_turns_are_dropped_to_fit_the_context_and_the_user_is_told(
    example_index, real_embedder, settings
) -> None:
    padding = " ".join(["dermatology benchmark datasets with careful evaluation"] * 30)
    long_answer = GOOD.replace("a portrait.", f"a portrait, {padding}.")
    session, generator = make_session(example_index, real_embedder, settings, long_answer)
    session.ask(Q1)
    prefix_tokens = session.count_tokens(str(generator.calls[0]["prefix"]))
    turn_tokens = session.count_tokens(long_answer) + 60
    session.n_ctx = prefix_tokens + int(turn_tokens * 1.5) + settings.max_tokens  # room for one earlier turn only
    notices: list[str] = []
    second = session.ask(Q2, on_notice=notices.append)
    assert second.dropped_turns == 0 and notices == []
    third = session.ask(Q3, on_notice=notices.append)
    assert third.dropped_turns == 1 and len(notices) == 1
    assert notices[0].startswith("[context] dropped the 1 oldest turn") and f"{session.n_ctx}-token" in notices[0]
    suffix = str(generator.calls[2]["suffix"])
    assert Q1 not in suffix and Q2 in suffix and Q3 in suffix
    assert [turn.question for turn in session.history] == [Q2, Q3]
    assert len(session.exchanges) == 3  # the transcript keeps everything


def test_stop_keeps_nothing_and_the_next_question_works(example_index, real_embedder, settings) -> None:
    session, generator = make_session(example_index, real_embedder, settings)
    shown: list[str] = []

    def stop_after_first_piece(text: str) -> None:
        shown.append(text)
        session.request_stop()

    stopped = session.ask(Q1, on_text=stop_after_first_piece)
    assert stopped.stopped and stopped.result is None and session.history == []
    assert 0 < len("".join(shown)) < len(GOOD) and stopped.partial.startswith("### 1.")
    assert stopped.partial_audit is not None and stopped.partial_audit.clean
    assert after_answer(stopped).startswith("[stopped]")
    after = session.ask(Q2)
    assert after.result is not None and not after.stopped
    assert Q1 not in str(generator.calls[1]["suffix"]) and len(session.history) == 1


def test_ctrl_c_signal_stops_at_the_next_token_and_restores_the_handler(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    before = signal.getsignal(signal.SIGINT)
    firsts: list[bool] = []
    with session.stop_on_interrupt(on_first=lambda: firsts.append(True)):
        exchange = session.ask(Q1, on_text=lambda text: os.kill(os.getpid(), signal.SIGINT))
    assert exchange.stopped and firsts == [True]
    assert signal.getsignal(signal.SIGINT) is before


def test_second_ctrl_c_is_a_hard_stop(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)

    def press_twice(text: str) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(GenerationStopped), session.stop_on_interrupt():
        session.ask(Q1, on_text=press_twice)
    assert session.history == []
    assert session.ask(Q2).result is not None


def test_commands(example_index, real_embedder, settings, tmp_path: Path) -> None:
    session, generator = make_session(example_index, real_embedder, settings)
    assert run_command(session, "/audit").text == "no answer to audit yet"
    help_text = run_command(session, "/help").text
    for name in ("/help", "/sources", "/retrieve", "/audit", "/save", "/reset", "/image", "/quit"):
        assert name in help_text
    sources = run_command(session, "/sources").text
    assert set(URL.findall(sources)) == supplied_links(session) and len(supplied_links(session)) == 6
    retrieved = run_command(session, "/retrieve skin disease classification datasets").text.split("\n")
    assert "[@the-skin-game]" in retrieved[1] and re.search(r"1\. 0\.\d{3}", retrieved[1])
    session.ask(Q1)
    assert run_command(session, "/audit").text.startswith("citation audit: clean")
    assert run_command(session, "/audit md").text.startswith("# Citation audit: clean")
    assert run_command(session, "/reset").text.startswith("forgot 1 earlier turn")
    session.ask(Q2)
    assert Q1 not in str(generator.calls[1]["suffix"])
    assert run_command(session, "/quit").quit and run_command(session, "/EXIT").quit
    with pytest.raises(BadInputError, match="unknown command '/bogus'"):
        run_command(session, "/bogus")
    with pytest.raises(BadInputError, match="name one file"):
        run_command(session, "/save")


def test_save_writes_the_repaired_transcript(example_index, real_embedder, settings, tmp_path: Path) -> None:
    bad = GOOD.replace("- [@the-skin-game]", "- [@nonexistent] See https://github.com/CompVis/sd.\n- [@the-skin-game]")
    session, _ = make_session(example_index, real_embedder, settings, bad)
    exchange = session.ask(Q1)
    shown = after_answer(exchange)
    assert "[repair] dropped line" in shown and "[repaired answer, as kept]" in shown
    assert "CompVis" in shown and set(URL.findall(shown)) <= supplied_links(session)  # quoted, but defanged
    target = tmp_path / "out" / "chat.md"
    assert run_command(session, f"/save {target}").text == f"saved 1 turns to {target}"
    text = target.read_text()
    assert Q1 in text and "## Turn 1" in text and "#### 1. Task" in text and "[audit: clean]" in text
    assert "CompVis" not in text.split("**Audit**")[0]  # the line is gone from the answer ...
    assert "hxxps[:]//github[.]com/CompVis" in text  # ... and only quoted, defanged, in the repair note
    assert set(URL.findall(text)) <= supplied_links(session) and URL.findall(text)
    assert list(target.parent.iterdir()) == [target]  # no temp file left behind


def test_image_without_gpu_prints_the_skip_reason(example_index, real_embedder, settings) -> None:
    import torch

    from rag_answer.image import NO_GPU_REASON

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: /image would render")
    session, _ = make_session(example_index, real_embedder, settings)
    assert run_command(session, "/image some-model").text == f"image skipped: {NO_GPU_REASON}"


def test_piped_json_lines(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    stdin = io.StringIO(f"{Q1}\n\n{Q2}\n/sources\n/bogus\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_piped(session, stdin, stdout, stderr, json_mode=True)
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert status == 2 and len(lines) == 4
    assert [line.get("turn") for line in lines[:2]] == [1, 2] and [line["history_turns"] for line in lines[:2]] == [
        0,
        1,
    ]
    assert lines[0]["question"] == Q1 and lines[0]["audit"]["clean"] and lines[0]["model"]["name"] == "fake"
    assert lines[2]["command"] == "/sources" and "Kameronski" in lines[2]["output"]
    assert "unknown command" in lines[3]["error"] and "unknown command" in stderr.getvalue()


def test_piped_plain_prints_final_answers_and_footer(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_piped(session, io.StringIO(f"{Q1}\n/quit\n{Q2}\n"), stdout, stderr, json_mode=False)
    assert status == 0
    assert stdout.getvalue().count("### Sources") == 1  # /quit stopped before the second question
    assert "[audit: clean]" in stderr.getvalue()


def test_backslash_joins_lines() -> None:
    assert list(logical_lines(["one \\\n", "two\n", "three\n", "four\\"])) == ["one \ntwo", "three", "four"]


def test_cli_errors_are_one_line(capsys: pytest.CaptureFixture[str], example_path: Path) -> None:
    assert main(["chat"]) == 2
    assert main(["chat", "--prompt", str(example_path), "--index", "x"]) == 2
    err = capsys.readouterr().err.strip().split("\n")
    assert err[0].startswith("rag-answer: error: nothing to chat about") and "not both" in err[1] and len(err) == 2


def test_link_gate_withholds_unsupplied_links_from_the_live_stream(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    written: list[str] = []
    gate = LinkGate(session.entries(), written.append)
    gate.feed("### 1. Task\nThe user wa")
    assert "".join(written) == "### 1. Task\nThe user wa"  # plain text streams before its line ends
    good = "- [@hi4d-4d-instance] Hi4D. (Paper: http://arxiv.org/pdf/2303.15380v1.pdf)\n"
    for piece in ("nts portraits.\n", "See ", "https://evil", ".example/x for more", ".\n", good, "tail www.evil.io"):
        gate.feed(piece)
    gate.close()
    text = "".join(written)
    assert "evil" not in text and text.count(WITHHELD) == 2 and gate.withheld == 2
    assert "The user wants portraits.\n" in text and good in text


def test_vague_follow_up_is_retrieved_with_the_earlier_questions(example_index, real_embedder, settings) -> None:
    session, generator = make_session(example_index, real_embedder, settings)
    assert session.ask("And why is that?").result.refused and generator.calls == []  # nothing to follow up
    session.ask(Q1)
    notices: list[str] = []
    follow_up = session.ask("And why is that?", on_notice=notices.append)
    assert not follow_up.result.refused and len(generator.calls) == 2
    assert notices == ["[context] retrieved with the earlier questions too (this one alone matched nothing)"]
    suffix = str(generator.calls[1]["suffix"])
    assert suffix.count(Q1) == 1 and "And why is that?" in suffix  # the model sees the question as asked
