"""Chat orchestration with a scripted per-entry generator: the answer form per turn, follow-ups resolved for
retrieval, the entries used, stopping, the footer, commands, piping.

The real model in a real terminal is exercised in test_chat_terminal.py and test_chat_piped_real.py.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import signal
from collections.abc import Sequence
from pathlib import Path

import pytest

from rag_answer.answer.footer import audit_footer
from rag_answer.answer.verify import verify_answer
from rag_answer.chat import ChatSession, GenerationStopped, run_command, run_piped
from rag_answer.chat.output import WITHHELD, LinkGate, after_answer
from rag_answer.chat.piped import logical_lines
from rag_answer.chat.session import refers_back
from rag_answer.cli import main
from rag_answer.errors import BadInputError
from rag_answer.index_store import build_index
from rag_answer.llm.stoppable import StoppableGenerator
from rag_answer.settings import load_settings
from rag_answer.sources import load_source
from tests.doubles.fake_llm import EXAMPLE_READINGS, TASK_REPLY, FakeGenerator, reading_script

Q1 = "What data trains a model to capture fine skin detail in portraits?"
Q2 = "Which supplied paper is about skin?"
Q3 = "How does mask-guided refinement help image matting of hair?"
REFERRING = "And what data does it use?"
URL = re.compile(r"https?://[^\s)|>\]`]+")
SKIN = "DINOv2 is trained and evaluated on three benchmark datasets, HAM10000, DermNet and ISIC Atlas"
MATTING = "A sparse convolution scheme recovers high-resolution details through progressive refinement"
TITLES = ("The Skin Game", "Enhancing Image Matting", "Hi4D", "Txt2Img")


@pytest.fixture(scope="module")
def example_index(real_embedder, example_path: Path):
    return build_index([load_source(example_path)], real_embedder, progress=False)


@pytest.fixture
def settings(private_home: Path):
    return load_settings(model="fake", temperature=0.0, seed=0, max_tokens=64)


def make_session(example_index, real_embedder, settings, script=None) -> tuple[ChatSession, FakeGenerator]:
    generator = FakeGenerator(script or reading_script(EXAMPLE_READINGS))
    return ChatSession(example_index, real_embedder, generator, settings, source_nos=[0], label="example"), generator


def supplied_links(session: ChatSession) -> set[str]:
    return {link for entry in session.entries() for link in entry.links}


def reads(generator: FakeGenerator, start: int = 0) -> list[dict[str, object]]:
    """The entry-reading calls (not the task call, not judge calls) from call number start on."""
    return [call for call in generator.calls[start:] if call["grammar"] and "Offers" in str(call["grammar"])]


def entries_shown(call: dict[str, object]) -> list[str]:
    return [title for title in TITLES if f": {title}" in str(call["prefix"])]


def test_first_turn_is_full_later_turns_short_and_no_prompt_holds_history(
    example_index, real_embedder, settings
) -> None:
    session, generator = make_session(example_index, real_embedder, settings)
    first = session.ask(Q1)
    assert first.form == "full" and first.result is not None
    text = first.result.text
    for heading in ("### 1. Task", "### 2. Answer", "### 3. Workflow", "### 4. Relevant papers"):
        assert heading in text
    assert "### Sources" not in text  # part 4 carries every link once
    assert first.result.sections["task"] == TASK_REPLY and SKIN in first.result.sections["answer"]
    calls_before = len(generator.calls)

    second = session.ask(Q3)
    assert second.form == "short" and second.result is not None and not second.result.refused
    short = second.result.text
    assert not short.startswith("### ") and "### 1. Task" not in short and "### 4." not in short
    answer, sources = short.split("### Sources\n")
    # the model writes the matting sentence the first turn showed already: a follow-up does not say it again, the
    # entry's own sentence nearest to the new question stands in
    assert MATTING in first.result.text and MATTING not in answer
    assert answer.strip().endswith("[@enhancing-image-matting].") and len(answer.strip().split(". ")) <= 6
    assert (
        "[@enhancing-image-matting] Enhancing Image Matting" in sources and "http://arxiv.org/pdf/2502.17093" in sources
    )
    assert set(URL.findall(short)) <= supplied_links(session)
    # one call per entry, each seeing that entry and this question only: no earlier turn in any prompt
    turn_two = reads(generator, calls_before)
    # only the matting paper is on this follow-up's topic (the others score under 0.6 of it); the name-only model
    # has no evidence for a short answer
    assert [entries_shown(call) for call in turn_two] == [["Enhancing Image Matting"]]
    for call in generator.calls[calls_before:]:
        assert Q1 not in str(call["prefix"]) + str(call["suffix"]) and TASK_REPLY not in str(call["suffix"])
    for call in turn_two:
        assert len(entries_shown(call)) == 1 and Q3 in str(call["suffix"])
    assert [turn.question for turn in session.history] == [Q1, Q3]
    # the judge of the claim check runs through the session's stoppable wrapper (choice_logprobs); it is built
    # once per session, so a claim judged in the first turn is not asked again in the second
    assert any(call["grammar"] is None and call["seed"] is None for call in generator.calls)


def test_different_questions_get_different_short_answers(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    session.ask(Q1)
    skin = session.ask("What benchmark datasets are used for skin disease classification?")
    matting = session.ask(Q3)
    assert skin.result and matting.result and skin.form == matting.form == "short"
    assert skin.result.sections["answer"] != matting.result.sections["answer"]
    # relevance order: the entry retrieved best for each question answers first
    # both facts were shown in the first turn: each entry still answers first, with a sentence not said before
    assert skin.result.sections["answer"].split("[@", 1)[1].startswith("the-skin-game]")
    assert SKIN not in skin.result.sections["answer"]
    # the matting sentence was shown in the first turn: the matting entry still answers first, with a sentence not
    # said before
    first_cited = matting.result.sections["answer"].split("[@", 1)[1]
    assert first_cited.startswith("enhancing-image-matting]") and MATTING not in matting.result.sections["answer"]
    assert skin.used[0] == "the-skin-game" and matting.used[0] == "enhancing-image-matting"


@pytest.mark.parametrize(
    "question",
    ["And what data does it use?", "and its data?", "Which of those is fastest?", "What about the second one?",
     "How big are their datasets?", "Does that paper release code?", "Also, how is it evaluated?"],
)  # fmt: skip
def test_referring_questions_are_recognised(question: str) -> None:
    assert refers_back(question)


@pytest.mark.parametrize("question", [Q1, Q2, Q3, "Which supplied paper segments close human interaction in 4D?"])
def test_standalone_questions_are_not_follow_ups(question: str) -> None:
    assert not refers_back(question)


def test_referring_follow_up_is_retrieved_with_the_question_it_follows(example_index, real_embedder, settings) -> None:
    session, generator = make_session(example_index, real_embedder, settings)
    # on its own, the follow-up retrieves the skin paper first
    assert session.retrieve(REFERRING)[0].entry.id == "the-skin-game"
    session.ask(Q1)
    session.ask(Q3)
    calls_before = len(generator.calls)
    notices: list[str] = []
    follow_up = session.ask(REFERRING, on_notice=notices.append)
    assert follow_up.follows == 2 and follow_up.retrieval_query == f"{Q3}\n{REFERRING}"
    assert follow_up.notes == [f"[context] retrieved as a follow-up to turn 2 ({Q3!r})"]
    assert notices[0] == follow_up.notes[0] and notices[1].startswith("[reading] 1 entry,")  # only on-topic ones
    result = follow_up.result
    assert result is not None and follow_up.form == "short"
    assert result.context.hits[0].entry.id == "enhancing-image-matting"  # resolved: the matting paper first
    assert follow_up.read[0] == "enhancing-image-matting" and follow_up.used[0] == "enhancing-image-matting"
    # the model still sees the question as asked, next to one entry
    for call in reads(generator, calls_before):
        assert REFERRING in str(call["suffix"]) and Q3 not in str(call["suffix"])
    shown = after_answer(follow_up)
    assert shown.split("\n")[0] == "[used] @enhancing-image-matting"
    # a chain of follow-ups keeps the topic; a new standalone question does not
    chained = session.ask("Which of those is fastest?")
    assert chained.follows == 3 and chained.retrieval_query == f"{Q3}\n{REFERRING}\nWhich of those is fastest?"
    fresh = session.ask(Q2)
    assert fresh.follows is None and fresh.retrieval_query == Q2 and fresh.notes == []


def test_vague_follow_up_without_an_earlier_turn_is_refused_unread(example_index, real_embedder, settings) -> None:
    session, generator = make_session(example_index, real_embedder, settings)
    vague = session.ask("Which of those is fastest?")
    assert vague.result and vague.result.refused and generator.calls == [] and session.history == []
    assert after_answer(vague).startswith("[refused] retrieval: best passage score")
    first = session.ask(Q2)
    assert first.form == "full"  # the refused question unread did not start the conversation
    follow_up = session.ask("Which of those is fastest?")
    assert follow_up.follows == 2 and not follow_up.result.refused and follow_up.form == "short"


def test_full_command_answers_in_the_full_form(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    file_question = load_source(Path(example_index.sources[0].path)).question
    before = run_command(session, "/full").text  # no turn yet: the prompt file's own question
    assert session.exchanges[-1].question == file_question and before.startswith("### 1. Task")
    short = session.ask(Q3)
    assert short.form == "short"
    again = run_command(session, "/full").text  # the last question again, in full
    last = session.exchanges[-1]
    assert last.question == Q3 and last.form == "full" and again.startswith("### 1. Task")
    assert "### 4. Relevant papers and tools" in again and "[audit: clean]" in again and "[used] @" in again
    # the full form reads every entry; the short one only those on the follow-up's topic, so that entry leads the
    # full one (the short one says a sentence not said before; the full one may restate)
    assert last.result.sections["answer"].split("[@", 1)[1].split("]")[0] == \
        short.result.sections["answer"].split("[@", 1)[1].split("]")[0] == "enhancing-image-matting"
    run_command(session, f"/full {Q2}")
    assert session.exchanges[-1].question == Q2 and session.exchanges[-1].form == "full"
    assert session.ask(REFERRING).form == "short"  # /full does not change the form of the next turn
    run_command(session, "/reset")
    assert session.ask(Q3).form == "full"  # a fresh conversation starts in full


def test_full_without_any_question_is_an_error(real_embedder, settings, tmp_path: Path) -> None:
    catalog = tmp_path / "c.yaml"
    catalog.write_text("entries:\n  - title: The Skin Game\n    summary: Skin disease classification with DINOv2.\n")
    index = build_index([load_source(catalog)], real_embedder, progress=False)
    session = ChatSession(index, real_embedder, FakeGenerator("x"), settings, source_nos=[0])
    with pytest.raises(BadInputError, match="no earlier question"):
        run_command(session, "/full")


def test_stop_during_generation_keeps_nothing_and_the_next_question_works(
    example_index, real_embedder, settings
) -> None:
    session: ChatSession | None = None
    script = reading_script(EXAMPLE_READINGS)
    stops = [Q1]

    def stop_in_second_entry(prefix: str, suffix: str) -> str:
        if ": Enhancing Image Matting" in prefix and stops and stops[0] in suffix:
            assert session is not None
            session.request_stop()
            stops.pop()
        return script(prefix, suffix)

    session, _ = make_session(example_index, real_embedder, settings, stop_in_second_entry)
    shown: list[str] = []
    stopped = session.ask(Q1, on_text=shown.append)
    assert stopped.stopped and stopped.result is None and session.history == [] and shown == []
    assert stopped.partial == "" and stopped.partial_audit is None
    assert after_answer(stopped).startswith("[stopped]")
    after = session.ask(Q2)  # the stop flag is cleared
    assert after.result is not None and not after.stopped and after.form == "full"  # the stopped turn is not kept
    assert len(session.exchanges) == 2 and len(session.history) == 1


def test_stop_before_a_judge_call(example_index, real_embedder, settings) -> None:
    class StoppingJudge(FakeGenerator):
        def choice_logprobs(self, prefix: str, suffix: str, choices: Sequence[str]) -> dict[str, float]:
            session.request_stop()
            return super().choice_logprobs(prefix, suffix, choices)

    generator = StoppingJudge(reading_script(EXAMPLE_READINGS))
    session = ChatSession(example_index, real_embedder, generator, settings, source_nos=[0])
    exchange = session.ask(Q1)
    assert exchange.stopped and exchange.result is None
    judged = [call for call in generator.calls if call["grammar"] is None]
    assert len(judged) == 1  # no judge call after the stop request


def test_the_stoppable_wrapper_passes_the_generator_through_and_stops_between_calls() -> None:
    inner = FakeGenerator("Offers: x.\nAnswer: none.")
    wrapper = StoppableGenerator(inner)
    assert wrapper.template is inner.template and wrapper.model_name == "fake"
    assert "".join(wrapper.stream("p", "s", grammar=None, max_tokens=8, temperature=0.0, seed=0)) == inner.script
    assert wrapper.choice_logprobs("p", "s", ["yes", "no"]) == {"yes": 0.0, "no": -30.0}
    assert wrapper.last_stats is inner.last_stats and wrapper.calls == 2
    wrapper.stop_requested = True  # asked between calls: the next one does not start
    with pytest.raises(GenerationStopped):
        next(wrapper.stream("p", "s", grammar=None, max_tokens=8, temperature=0.0, seed=0))
    with pytest.raises(GenerationStopped):
        wrapper.choice_logprobs("p", "s", ["yes", "no"])
    assert len(inner.calls) == 2

    class StopsWhileJudging(FakeGenerator):
        def choice_logprobs(self, prefix: str, suffix: str, choices: Sequence[str]) -> dict[str, float]:
            judging.stop_requested = True
            return super().choice_logprobs(prefix, suffix, choices)

    judging = StoppableGenerator(StopsWhileJudging("x"))
    with pytest.raises(GenerationStopped):  # a stop during a judge call lands when it returns
        judging.choice_logprobs("p", "s", ["yes", "no"])


def test_ctrl_c_signal_stops_at_the_next_token_and_restores_the_handler(example_index, real_embedder, settings) -> None:
    script = reading_script(EXAMPLE_READINGS)

    def press_ctrl_c(prefix: str, suffix: str) -> str:
        os.kill(os.getpid(), signal.SIGINT)
        return script(prefix, suffix)

    session, generator = make_session(example_index, real_embedder, settings, press_ctrl_c)
    before = signal.getsignal(signal.SIGINT)
    firsts: list[bool] = []
    with session.stop_on_interrupt(on_first=lambda: firsts.append(True)):
        exchange = session.ask(Q1)
    assert exchange.stopped and firsts == [True] and len(generator.calls) == 1  # stopped in the first call
    assert signal.getsignal(signal.SIGINT) is before


def test_second_ctrl_c_is_a_hard_stop(example_index, real_embedder, settings) -> None:
    script = reading_script(EXAMPLE_READINGS)
    presses = {"left": 2}

    def press_twice(prefix: str, suffix: str) -> str:
        while presses["left"]:
            presses["left"] -= 1
            os.kill(os.getpid(), signal.SIGINT)
        return script(prefix, suffix)

    session, _ = make_session(example_index, real_embedder, settings, press_twice)
    with pytest.raises(GenerationStopped), session.stop_on_interrupt():
        session.ask(Q1)
    assert session.history == []
    assert session.ask(Q2).result is not None


def test_footer_shows_every_claim_verdict_and_never_clean_over_a_flagged_claim(
    example_index, real_embedder, settings
) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    result = session.ask(Q1).result
    assert result is not None
    footer = audit_footer(result)
    assert re.search(r"^\[audit: clean\] links (\d+)/\1 supplied, invalid markers 0, claims: \d+ supported, 0 weak, "
                     r"0 misattributed, 0 contradicted, 0 unsupported, 0 uncited$", footer, re.M), footer  # fmt: skip
    moved = "The Hi4D paper reports that DINOv2 reaches a macro F1 of 0.85 on HAM10000 [@hi4d-4d-instance].\n"
    verification = verify_answer(moved, result.context.entries, real_embedder)
    assert verification.report.flagged_claims and verification.report.links_clean()
    flagged = audit_footer(dataclasses.replace(result, verification=verification))
    assert "[audit: PROBLEMS FOUND]" in flagged and "clean" not in flagged.split("\n")[0]
    summary = verification.report.summary
    flagged_counts = summary.misattributed + summary.contradicted + summary.unsupported
    assert flagged_counts >= 1 and f"{summary.misattributed} misattributed" in flagged


def test_a_repaired_answer_reports_the_repair_and_the_transcript_keeps_it(
    example_index, real_embedder, settings, tmp_path: Path
) -> None:
    moved = dict(EXAMPLE_READINGS)
    moved["Hi4D"] = ("Offers: a dataset of 4D textured scans of close human interaction.\n"
                     "Answer: DINOv2 reaches macro F1 scores of 0.85 on HAM10000 and 0.84 on ISIC Atlas.")  # fmt: skip
    session, _ = make_session(example_index, real_embedder, settings, reading_script(moved))
    exchange = session.ask(Q1)
    shown = after_answer(exchange)
    assert "0.84 on ISIC Atlas" not in exchange.result.text
    assert "[repair] removed the answer sentence for [@hi4d-4d-instance] (misattributed" in shown
    session.ask(REFERRING)
    target = tmp_path / "out" / "chat.md"
    assert run_command(session, f"/save {target}").text == f"saved 2 turns to {target}"
    text = target.read_text()
    assert Q1 in text and "## Turn 1" in text and "#### 1. Task" in text and "_full form_" in text
    assert "## Turn 2" in text and "_short form_" in text and "_[context] retrieved as a follow-up to turn 1" in text
    assert "[repair] removed the answer sentence for [@hi4d-4d-instance]" in text and "[used] @the-skin-game" in text
    assert set(URL.findall(text)) <= supplied_links(session) and URL.findall(text)
    assert list(target.parent.iterdir()) == [target]  # no temp file left behind


def test_commands(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    assert run_command(session, "/audit").text == "no answer to audit yet"
    help_text = run_command(session, "/help").text
    for name in ("/help", "/sources", "/full [QUESTION]", "/retrieve", "/audit", "/save", "/reset", "/image", "/quit"):
        assert name in help_text
    assert "first question gets the full" in help_text and "[used]" in help_text
    sources = run_command(session, "/sources").text
    assert set(URL.findall(sources)) == supplied_links(session) and len(supplied_links(session)) == 6
    assert "one model call per entry" in sources
    retrieved = run_command(session, "/retrieve skin disease classification datasets").text.split("\n")
    assert "[@the-skin-game]" in retrieved[1] and re.search(r"1\. 0\.\d{3}", retrieved[1])
    session.ask(Q1)
    assert run_command(session, "/audit").text.startswith("citation audit: clean")
    assert run_command(session, "/audit md").text.startswith("# Citation audit: clean")
    assert run_command(session, "/reset").text.startswith("forgot 1 earlier turn")
    assert session.history == [] and session.topics == []
    assert session.ask(REFERRING).follows is None  # nothing to follow after /reset
    assert run_command(session, "/quit").quit and run_command(session, "/EXIT").quit
    with pytest.raises(BadInputError, match="unknown command '/bogus'"):
        run_command(session, "/bogus")
    with pytest.raises(BadInputError, match="name one file"):
        run_command(session, "/save")


def test_image_without_gpu_prints_the_skip_reason(example_index, real_embedder, settings) -> None:
    import torch

    from rag_answer.image import NO_GPU_REASON

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: /image would render")
    session, _ = make_session(example_index, real_embedder, settings)
    assert run_command(session, "/image some-model").text == f"image skipped: {NO_GPU_REASON}"


def test_piped_json_lines(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    stdin = io.StringIO(f"{Q1}\n\n{Q3}\n{REFERRING}\n/full\n/sources\n/bogus\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_piped(session, stdin, stdout, stderr, json_mode=True)
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert status == 2 and len(lines) == 6
    first, second, third, full, sources, bogus = lines
    assert [line["turn"] for line in lines[:4]] == [1, 2, 3, 4]
    assert [line["history_turns"] for line in lines[:4]] == [0, 1, 2, 3]
    assert [line["form"] for line in lines[:4]] == ["full", "short", "short", "full"]
    assert first["question"] == Q1 and first["audit"]["clean"] and first["model"]["name"] == "fake"
    assert first["sections"]["task"] == TASK_REPLY and second["sections"]["task"] == ""
    assert second["used"] == ["enhancing-image-matting"] and second["follows"] is None
    assert second["read"] == ["enhancing-image-matting"]  # the others score under 0.6 of it: off this topic
    assert third["follows"] == 2 and third["retrieval_query"] == f"{Q3}\n{REFERRING}"
    assert third["notes"] == [f"[context] retrieved as a follow-up to turn 2 ({Q3!r})"]
    assert full["question"] == REFERRING and full["follows"] == 2 and full["sections"]["workflow"]
    assert sources["command"] == "/sources" and "Kameronski" in sources["output"]
    assert "unknown command" in bogus["error"] and "unknown command" in stderr.getvalue()
    assert "[reading] 4 entries" in stderr.getvalue() and "[context] retrieved as a follow-up" in stderr.getvalue()


def test_piped_plain_prints_final_answers_and_footer(example_index, real_embedder, settings) -> None:
    session, _ = make_session(example_index, real_embedder, settings)
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_piped(session, io.StringIO(f"{Q1}\n{Q3}\n/quit\n{Q2}\n"), stdout, stderr, json_mode=False)
    assert status == 0
    out = stdout.getvalue()
    assert out.count("### Sources") == 1 and out.count("### 1. Task") == 1  # /quit stopped before the third
    assert out.index("### 1. Task") < out.index(MATTING)  # full, then short
    err = stderr.getvalue()
    assert err.count("[audit: clean]") == 2 and "[used] @enhancing-image-matting\n" in err


def test_piped_exit_status_is_1_when_a_final_audit_flags_a_claim(
    example_index, real_embedder, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag_answer.answer.stages as stages

    session, _ = make_session(example_index, real_embedder, settings)
    flagged = "The Hi4D paper reports that DINOv2 reaches a macro F1 of 0.85 on HAM10000 [@hi4d-4d-instance].\n"
    real_verify = stages.verify_answer
    # the replaced text has no program spans: those of the answer it replaces do not apply to it
    monkeypatch.setattr(stages, "verify_answer", lambda text, entries, embedder, program_spans=(), **kw: real_verify(
        flagged, entries, embedder, **kw))  # fmt: skip
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run_piped(session, io.StringIO(f"{Q1}\n"), stdout, stderr, json_mode=True) == 1
    line = json.loads(stdout.getvalue())
    assert not line["audit"]["clean"] and "[audit: PROBLEMS FOUND]" in audit_footer(session.last_result)


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
