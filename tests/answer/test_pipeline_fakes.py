"""Orchestration with a scripted generator (the real model is tested in test_ask_real.py): one call per
entry, each seeing only its own entry; the claim check removes what the cited entry does not back; nothing
is shown before it is checked."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from rag_answer.answer import Turn, answer_question
from rag_answer.answer.draft import FIT_NO, FIT_UNCLEAR, FIT_YES
from rag_answer.answer.name_task import from_name
from rag_answer.answer.reading import parse_reading
from rag_answer.answer.stages import Answerer
from rag_answer.audit import extract_links
from rag_answer.citations import GAP_PHRASE, REFUSAL_PHRASE, part_lead
from rag_answer.index_store import build_index
from rag_answer.settings import load_settings
from rag_answer.sources import load_source
from tests.doubles.fake_llm import EXAMPLE_READINGS, FakeGenerator, reading_script

READINGS = EXAMPLE_READINGS
script = reading_script


@pytest.fixture(scope="module")
def example_index(real_embedder, example_path: Path):
    return build_index([load_source(example_path)], real_embedder, progress=False)


@pytest.fixture
def settings(private_home: Path):
    return load_settings(model="fake", temperature=0.0, seed=0)


@pytest.fixture
def judged_settings(private_home: Path):
    """Named as the preset whose judge the part-answer cut was tuned with (the generator is still the fake)."""
    return load_settings(model="qwen2.5-coder-1.5b", temperature=0.0, seed=0)


def ask(index, embedder, generator, settings, question: str, **kwargs):
    shown: list[str] = []
    result = answer_question(
        question, index, embedder, generator, settings, source_nos=[0], on_text=shown.append, **kwargs
    )
    return result, "".join(shown)


def gap(part: str) -> str:
    """A part of a question of several that no entry answers, as the answer says it."""
    return f"{part_lead(part)} {GAP_PHRASE}."


def question_of(index) -> str:
    return load_source(Path(index.sources[0].path)).question


def test_each_entry_is_read_in_its_own_prompt(example_index, real_embedder, settings) -> None:
    generator = FakeGenerator(script(READINGS))
    ask(example_index, real_embedder, generator, settings, question_of(example_index))
    reads = [call for call in generator.calls if call["grammar"] and "Offers" in str(call["grammar"])]
    assert len(reads) == 3  # the three papers (the name-only model gets the workflow grammar)
    titles = [entry.title for entry in example_index.sources[0].entries]
    for call in reads:
        shown = [title for title in titles if title in str(call["prefix"])]
        assert len(shown) == 1  # one entry per prompt: no fact can come from another


def test_clean_answer_has_all_sections_and_streams_only_the_checked_text(
    example_index, real_embedder, settings
) -> None:
    result, shown = ask(example_index, real_embedder, FakeGenerator(script(READINGS)), settings,
                        question_of(example_index))  # fmt: skip
    assert not result.refused
    assert shown == result.text  # nothing is shown before the check
    sections = result.sections
    assert sections["task"].startswith("The user wants to know")
    assert "HAM10000, DermNet and ISIC Atlas [@the-skin-game]." in sections["answer"]
    assert sections["workflow"].startswith(
        "- Input: a text prompt describing a portrait -> Model: "
        "Txt2Img-StableDiffusionV1-PirsusEpicRealism [@txt2img-stablediffusionv1]"
    )
    assert "[@hi4d-4d-instance] Tangential: it answers no part of the question" in sections["papers"]
    assert "### Sources" not in result.text  # part 4 carries the links once
    papers = sections["papers"].splitlines()
    assert papers[0].startswith("- [@the-skin-game]")  # most relevant first
    supplied = set(load_source(Path(example_index.sources[0].path)).links)
    assert {link.url for link in extract_links(result.text)} <= supplied
    assert result.verification.clean, result.verification.report.to_table()


BAD_READINGS = [
    ("Hi4D", "Offers: a dataset of 4D textured scans of close human interaction.\n"
     "Answer: DINOv2 reaches macro F1 scores of 0.85 on HAM10000 and 0.84 on ISIC Atlas.",
     "0.84 on ISIC Atlas", "removed the answer sentence for [@hi4d-4d-instance] (misattributed"),
    ("Enhancing Image Matting", "Offers: Mask2Alpha, an iterative refinement framework for image matting.\n"
     "Answer: Mask2Alpha cannot recover high-resolution details.",
     "cannot recover", "removed the answer sentence for [@enhancing-image-matting] (contradicted"),
]  # fmt: skip


@pytest.mark.parametrize(("title", "reading", "bad", "repair"), BAD_READINGS, ids=["moved-fact", "negation"])
def test_a_flagged_sentence_is_removed_before_it_is_shown_and_reported(
    title: str, reading: str, bad: str, repair: str, example_index, real_embedder, settings
) -> None:
    readings = dict(READINGS)
    readings[title] = reading
    result, shown = ask(example_index, real_embedder, FakeGenerator(script(readings)), settings,
                        question_of(example_index))  # fmt: skip
    assert bad not in result.text and bad not in shown
    assert any(repair in note for note in result.repairs), result.repairs
    assert result.verification.clean


def test_when_no_entry_answers_the_gap_is_said_plainly(example_index, real_embedder, settings) -> None:
    silent = {title: text.split("\nAnswer:")[0] + "\nAnswer: none." if "Answer:" in text else text
              for title, text in READINGS.items()}  # fmt: skip
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(silent)), settings, question_of(example_index))
    assert result.sections["answer"].startswith(gap(result.parts[0]))
    assert not result.refused


def test_name_only_model_is_drafted_without_the_question(example_index, real_embedder, settings) -> None:
    """Shown the question, a small model writes the output the user wants for any model; without it, the name's."""
    generator = FakeGenerator(script(READINGS))
    result, _ = ask(example_index, real_embedder, generator, settings, question_of(example_index))
    model_calls = [call for call in generator.calls if "Txt2Img-StableDiffusionV1" in str(call["prefix"])
                   and str(call["grammar"]).startswith('root ::= "Task: "')]  # its reading, not the fit judge's call
    assert model_calls and all(question_of(example_index) not in str(call["suffix"]) for call in model_calls)
    paper_calls = [call for call in generator.calls if "The Skin Game" in str(call["prefix"]) and call["grammar"]]
    assert question_of(example_index) in str(paper_calls[0]["suffix"])
    assert "[@txt2img-stablediffusionv1] is known only by its name" in result.sections["answer"]
    assert result.sections["workflow"].endswith("(read from its name only).")


def test_off_topic_question_is_refused_without_the_model(example_index, real_embedder, settings) -> None:
    generator = FakeGenerator(script(READINGS))
    result, shown = ask(example_index, real_embedder, generator, settings, "How do I bake sourdough bread at home?")
    assert result.refused and shown == REFUSAL_PHRASE + "\n" and generator.calls == []


def test_follow_up_gets_the_short_form(example_index, real_embedder, settings) -> None:
    history = [Turn(question_of(example_index), "earlier answer")]
    result, shown = ask(example_index, real_embedder, FakeGenerator(script(READINGS)), settings,
                        "Which paper is about skin, and what data does it use?", history=history)  # fmt: skip
    assert not result.text.startswith("### 1. Task")
    assert result.sections["answer"].startswith("**Which paper is about skin?** DINOv2 is trained and evaluated on "
                                                "three benchmark datasets")  # fmt: skip
    assert "### Sources" in result.text and shown == result.text


def test_follow_up_reads_only_the_entries_on_its_topic(example_index, real_embedder, settings) -> None:
    """The matting paper scores 0.42 for this follow-up, the others 0.20 or less: only it is read and cited."""
    generator = FakeGenerator(script(READINGS))
    result, _ = ask(example_index, real_embedder, generator, settings, "Which supplied paper is about image matting?",
                    history=[Turn(question_of(example_index), "earlier answer")])  # fmt: skip
    read = [call["prefix"] for call in generator.calls if call["grammar"]]
    assert len(read) == 1 and "Enhancing Image Matting" in read[0]
    assert result.citations == ["enhancing-image-matting"]
    full, _ = ask(example_index, real_embedder, FakeGenerator(script(READINGS)), settings,
                  "Which supplied paper is about image matting?", full=True)  # fmt: skip
    assert len(full.readings) == 4  # the full form reads every entry


def test_two_questions_get_different_answers(example_index, real_embedder, settings) -> None:
    def by_question(prefix: str, suffix: str) -> str:
        if "skin" in suffix.lower() and "The Skin Game" in prefix:
            return "Offers: a dermatology benchmark.\nAnswer: DINOv2 is evaluated on HAM10000, DermNet and ISIC Atlas."
        if "matting" in suffix.lower() and "Matting" in prefix:
            return "Offers: a matting framework.\nAnswer: Mask2Alpha uses a mask-guided feature selection module."
        return "Offers: a related method.\nAnswer: none."

    history = [Turn("first", "earlier")]
    one, _ = ask(example_index, real_embedder, FakeGenerator(by_question), settings, "What data is used for skin?",
                 history=history)  # fmt: skip
    two, _ = ask(example_index, real_embedder, FakeGenerator(by_question), settings, "How does matting work here?",
                 history=history)  # fmt: skip
    assert one.sections["answer"] != two.sections["answer"]


EXTRA_PART = "how much does the lighting rig cost in euros?"


@pytest.mark.parametrize("answered", [False, True])
def test_a_gap_is_said_only_for_a_part_no_entry_answers(example_index, real_embedder, settings, answered: bool) -> None:
    question = question_of(example_index).rstrip() + " And " + EXTRA_PART
    third = "The Skin Game lighting rig costs 3,000 euros." if answered else "none."
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none.\nPart 3: " + third}  # fmt: skip
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=0.0), settings, question)
    assert result.parts[2] == EXTRA_PART
    # an invented answer (the judge finds it unstated, and no sentence of the entry bears on the part) does not
    # hide the gap either: the part's gap is said in both cases
    assert gap(EXTRA_PART) in result.sections["answer"]
    assert "3,000 euros" not in result.text
    assert gap("what tricks keep resolution so high?") in result.sections["answer"]  # part 2: no entry


PARTS = {
    "The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on HAM10000, "
    "DermNet and ISIC Atlas.\nPart 2: none.",
    "Enhancing Image Matting": "Offers: Mask2Alpha, an iterative refinement framework for image matting.\nPart 1: "
    "none.\nPart 2: Mask2Alpha cannot recover high-resolution details, and we think our model is slow.",
}


def test_a_failing_sentence_that_is_its_parts_only_evidence_is_replaced_by_its_entrys_own_sentence(
    example_index, real_embedder, settings
) -> None:
    result, shown = ask(example_index, real_embedder, FakeGenerator(script(PARTS)), settings,
                        question_of(example_index))  # fmt: skip
    part_two = result.sections["answer"].split("\n\n")[1]
    assert "cannot recover" not in shown and part_two.endswith("[@enhancing-image-matting].")
    assert GAP_PHRASE not in part_two  # never silently dropped when it was the part's only evidence
    assert any(note.startswith("replaced the answer sentence for [@enhancing-image-matting] (contradicted")
               for note in result.repairs), result.repairs  # fmt: skip
    summary = next(e for e in example_index.sources[0].entries if e.id == "enhancing-image-matting").summary
    words = part_two.split()
    assert any(" ".join(words[i : i + 6]) in summary for i in range(len(words) - 6))  # the entry's own words
    assert not re.search(r"\b(?:we|our|We|Our)\b", result.text)


def test_evidence_is_ordered_most_relevant_first_within_a_part(example_index, real_embedder, settings) -> None:
    readings = dict(PARTS)
    readings["Hi4D"] = "Offers: a dataset of 4D scans.\nPart 1: Hi4D offers 4D textured scans of close interaction."
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings)), settings,
                    question_of(example_index))  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    assert first.index("[@the-skin-game]") < first.index("[@hi4d-4d-instance]")
    assert result.labels["the-skin-game"] == "direct" and result.labels["hi4d-4d-instance"] == "partial"


def test_what_a_model_name_does_not_state_is_not_passed_on(example_index, real_embedder, settings) -> None:
    """A guess read from a name (a text summariser for Txt2Img-StableDiffusionV1-PirsusEpicRealism) is dropped:
    the answer and the workflow have only what "Txt2Img" states."""
    readings = dict(READINGS)
    readings["Txt2Img"] = "Task: natural language summaries.\nInput: an audio recording\nOutput: a summary."
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings)), settings,
                    question_of(example_index))  # fmt: skip
    assert ("[@txt2img-stablediffusionv1] is known only by its name, which states its task: text-to-image "
            "generation;") in result.sections["answer"]  # fmt: skip
    assert "summar" not in result.text
    assert result.sections["workflow"] == ("- Input: text -> Model: Txt2Img-StableDiffusionV1-PirsusEpicRealism "
                                           "[@txt2img-stablediffusionv1] -> Output: an image (read from its name "
                                           "only).")  # fmt: skip


SILENT = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: none.",
          "Enhancing Image Matting": "Offers: Mask2Alpha.\nPart 1: none.",
          "Hi4D": "Offers: a 4D dataset.\nPart 1: none."}  # fmt: skip


def test_an_entry_sentence_that_plainly_answers_a_part_the_reading_left_empty_answers_it(
    example_index, real_embedder, settings
) -> None:
    # the readings say "none", but the Skin Game's summary says it in so many words: its sentence answers
    question = "What F1-scores does DINOv2 achieve in skin disease classification?"
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(SILENT)), settings, question)
    assert "macro-averaged F1-scores of 0.85 (HAM10000)" in result.sections["answer"]
    assert "[@the-skin-game]" in result.sections["answer"] and GAP_PHRASE not in result.sections["answer"]
    # a question no sentence is close to keeps its plain gap: nothing loosely related stands in
    far, _ = ask(example_index, real_embedder, FakeGenerator(script(SILENT)), settings,
                 "Which GPU and batch size do the authors use for skin disease classification?")  # fmt: skip
    assert far.sections["answer"].startswith(f'{GAP_PHRASE}: "{far.parts[0]}".')  # one part: quoted, no lead


def test_a_reading_that_names_the_entry_and_writes_none_points_at_its_nearest_sentence(
    example_index, real_embedder, settings
) -> None:
    # the 0.5B copies the format's blank: "<title>, or none"; the entry's sentence nearest to the part and its
    # title answers (not a gap, and not the copied blank)
    pointed = {**SILENT, "Enhancing Image Matting": "Offers: Mask2Alpha.\nPart 1: The paper on Enhancing Image "
               "Matting in Real-World Scenes with Mask-Guided Iterative Refinement, or none."}  # fmt: skip
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(pointed)), settings,
                    "What does the matting paper contribute?")  # fmt: skip
    answer = result.sections["answer"]
    assert "or none" not in answer and "[@enhancing-image-matting]" in answer and GAP_PHRASE not in answer


def test_a_stand_in_that_does_not_bear_on_the_part_gives_way_to_the_gap(example_index, real_embedder, settings) -> None:
    # seen on test file f44: "would it run on a Raspberry Pi?" answered by an unrelated sentence of the entry that
    # stood in for a failed one, which hid the gap; the part's gap is said instead, and the repair says why
    question = question_of(example_index).rstrip() + " And would it run on a Raspberry Pi?"
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none.\nPart 3: The Skin Game runs on a Raspberry Pi "
                "in real time."}  # fmt: skip
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=0.0), settings, question)
    assert result.parts[2] == "would it run on a Raspberry Pi?"
    assert gap("would it run on a Raspberry Pi?") in result.sections["answer"]
    assert "Raspberry Pi in real time" not in result.text
    assert any("does not bear on this part of the question" in note for note in result.repairs), result.repairs


@pytest.mark.parametrize("answers", [False, True])
def test_a_part_whose_only_sentence_does_not_give_what_it_asks_is_said_to_be_left_open(
    example_index, real_embedder, judged_settings, answers: bool
) -> None:
    question = question_of(example_index)
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none."}  # fmt: skip

    def judge(prefix: str, suffix: str) -> float:  # the part judge says no to part 1 unless `answers` (near: 0.45)
        asked = "give what the question asks for" in suffix and "what data" in suffix.lower()
        if not asked:
            return 0.99
        if "DINOv2" not in suffix:  # the entry's other sentences (the one nearest to the part) do not answer it
            return 0.1
        return 0.99 if answers else 0.45

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=judge), judged_settings,
                        question)  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    said_open = first == f"{part_lead(result.parts[0])} No supplied source answers this directly."
    assert said_open is not answers
    assert ("DINOv2-Large" in first) is answers  # after a gap, nothing more is said for the part
    assert any("leave part 1 open" in repair for repair in result.repairs) is not answers
    assert _is_program(result, "No supplied source answers this directly.") is not answers
    assert not _is_program(result, "The Skin Game trains DINOv2-Large")  # where shown, the model's sentence is a claim


def _is_program(result, text: str) -> bool:
    start = result.text.find(text)
    return start >= 0 and any(a <= start and start + len(text) <= b for a, b in result.program_spans)


@pytest.mark.parametrize(
    ("states", "p_yes", "expected"),
    [
        ("Style transfer in the manner of Van Gogh paintings", 0.8, FIT_NO),  # far from the question, judge unsure
        ("Style transfer in the manner of Van Gogh paintings", 0.95, FIT_UNCLEAR),  # the judge is sure: no claim
        ("Realistic portrait generation with fine skin detail", 0.95, FIT_YES),
        ("Realistic portrait generation with fine skin detail", 0.7, FIT_UNCLEAR),
        # far by the embedder (0.12) and judged unsure, but the question says "I generated a studio portrait"
        ("generate images based on text prompts", 0.7, FIT_UNCLEAR),
        ("make images for text prompts", 0.7, FIT_UNCLEAR),  # images are what the question's portrait is
    ],
)
def test_a_misfit_is_said_only_when_the_judge_and_the_embedder_agree(
    example_index, real_embedder, judged_settings, states: str, p_yes: float, expected: str
) -> None:
    model = next(e for e in example_index.sources[0].entries if e.kind == "model" and not e.has_summary)
    answerer = Answerer(
        example_index, real_embedder, FakeGenerator("", judge_yes=lambda _p, _s: p_yes), judged_settings
    )
    reading = parse_reading(model, f"Task: {states}.\nInput: none\nOutput: none")
    assert answerer._fit(reading, question_of(example_index)) == expected


@pytest.mark.parametrize("p_yes", [0.8, 0.95])
def test_a_task_the_name_states_by_rule_misfits_whatever_the_judge_says(
    example_index, real_embedder, judged_settings, p_yes: float
) -> None:
    """The name's own words ("StyleTransfer") state the task: the 1.5B's P(yes) (0.854 for test f02's dehazing
    question) does not keep the answer from saying plainly that it does not fit."""
    model = next(e for e in example_index.sources[0].entries if e.kind == "model" and not e.has_summary)
    vangogh = dataclasses.replace(model, title="Img2Img-CycleGAN-VanGogh-StyleTransfer")
    answerer = Answerer(
        example_index, real_embedder, FakeGenerator("", judge_yes=lambda _p, _s: p_yes), judged_settings
    )
    reading = parse_reading(vangogh, "Task: none.\nInput: none\nOutput: none")
    from_name(reading)
    assert reading.states == "style transfer"
    assert answerer._fit(reading, "How do AI dehazing tools work out what the scene looked like without haze?") == FIT_NO


# Two entries that both answer part 1 of the example's question, for the part judge's tests.
PART_ONE = {
    "The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on HAM10000, "
    "DermNet and ISIC Atlas.\nPart 2: none.",
    "Enhancing Image Matting": "Offers: Mask2Alpha, an iterative refinement framework for image matting.\nPart 1: "
    "Mask2Alpha is trained on image matting data.\nPart 2: none.",
}


def test_within_a_part_the_sentence_that_best_gives_what_it_asks_comes_first(
    example_index, real_embedder, judged_settings
) -> None:
    question = question_of(example_index)

    def judge(prefix: str, suffix: str) -> float:  # the part judge prefers the matting sentence for part 1
        if "give what the question asks for" in suffix:
            return 0.95 if "Mask2Alpha" in suffix else 0.7
        return 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(PART_ONE), judge_yes=judge), judged_settings,
                    question)  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    assert first.index("Mask2Alpha") < first.index("DINOv2-Large")


def test_a_sentence_that_does_not_give_what_its_answered_part_asks_is_not_shown_and_its_entry_is_not_tangential(
    example_index, real_embedder, judged_settings
) -> None:
    question = question_of(example_index)

    def judge(prefix: str, suffix: str) -> float:  # the part judge: only the matting sentence answers part 1
        if "give what the question asks for" in suffix:
            return 0.95 if "Mask2Alpha" in suffix else 0.3
        return 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(PART_ONE), judge_yes=judge), judged_settings,
                    question)  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    assert "Mask2Alpha" in first and "DINOv2-Large" not in first
    # on the topic, listed after the answering entries, and not called tangential: the judge's "no" was wrong
    # about EEND for speaker overlap (test f12) and the NER paper for NER (test f22)
    assert result.labels["the-skin-game"] == "on topic"
    assert any("did not show the sentence for [@the-skin-game] under part 1" in r for r in result.repairs)
    papers = result.sections["papers"].split("\n")
    skin = next(n for n, line in enumerate(papers) if "[@the-skin-game]" in line)
    matting = next(n for n, line in enumerate(papers) if "[@enhancing-image-matting]" in line)
    assert matting < skin and "Tangential" not in papers[skin]


@pytest.mark.parametrize(("other", "shown"), [(0.6, False), (0.75, True)])
def test_a_sentence_far_below_its_parts_best_answer_is_not_shown(
    example_index, real_embedder, judged_settings, other: float, shown: bool
) -> None:
    """Above the cut (0.55) but more than OFF_PART_GAP below the part's best: most often filed under the wrong
    part (dev labels, eval/part_labels.py)."""

    def judge(prefix: str, suffix: str) -> float:
        if "give what the question asks for" in suffix:
            return 0.95 if "Mask2Alpha" in suffix else other
        return 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(PART_ONE), judge_yes=judge), judged_settings,
                    question_of(example_index))  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    assert "Mask2Alpha" in first
    assert ("DINOv2-Large" in first) is shown
    assert any("did not show the sentence for [@the-skin-game] under part 1" in r for r in result.repairs) is not shown


def test_a_model_sharing_its_name_with_an_answering_entry_is_not_said_to_misfit(real_embedder, judged_settings) -> None:
    """Test file f26's recommended "Text-Generation-YaRN-Llama-2-13B-128K" was said not to fit a question on
    extending a context window: its name states text generation. YaRN's paper, which shares its name, answers."""
    source = load_source(Path(__file__).resolve().parents[2] / "eval" / "fields" / "prompts" /
                         "f26_long-context-extension.txt")  # fmt: skip
    index = build_index([source], real_embedder, progress=False)
    readings = {"YaRN": "Offers: a context window extension method.\nPart 1: YaRN extends the context window of "
                "LLaMA models.\nPart 2: none.\nPart 3: none.", "Text-Generation": "Task: generating text from a prompt.\n"
                "Input: a prompt\nOutput: text."}  # fmt: skip
    generator = FakeGenerator(script(readings), judge_yes=lambda _p, suffix: 0.1 if "task the question" in suffix
                              else 0.99)  # fmt: skip
    result, _ = ask(index, real_embedder, generator, judged_settings, source.question)
    answer = result.sections["answer"]
    assert 'shares the name "YaRN"' in answer and "does not fit" not in answer
    assert any("did not say [@text-generation-yarn] does not fit" in r for r in result.repairs)


def test_a_judge_the_part_cut_was_not_tuned_with_leaves_the_parts_as_read(
    example_index, real_embedder, settings
) -> None:
    """The 0.5B (or any other judge) is not asked whether a sentence gives what its part asks: its P is not
    calibrated, and on the example it hid the Skin Game's sentence about training data."""
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none."}  # fmt: skip
    generator = FakeGenerator(script(readings), judge_yes=lambda _p, suffix: 0.1 if "give what the question asks"
                              in suffix else 0.99)  # fmt: skip
    result, _ = ask(example_index, real_embedder, generator, settings, question_of(example_index))
    first = result.sections["answer"].split("\n\n")[0]
    assert first.startswith(f"{part_lead(result.parts[0])} The Skin Game trains DINOv2-Large")
    assert not any("give what the question asks" in str(call["suffix"]) for call in generator.calls)


@pytest.mark.parametrize("preset", ["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"])
def test_a_misfit_is_said_only_with_the_model_its_cuts_were_tuned_on(real_embedder, private_home, preset: str) -> None:
    """Dev file f41: a text-to-image model recommended for galaxy classification. The 0.5B's P(yes) is not
    calibrated (it called the example's text-to-image model unfit on the web page)."""
    source = load_source(Path(__file__).resolve().parents[2] / "eval" / "fields" / "prompts" /
                         "f41_galaxy-morphology-classification.txt")  # fmt: skip
    index = build_index([source], real_embedder, progress=False)
    settings = load_settings(model=preset, temperature=0.0, seed=0)
    readings = {"Txt2Img": "Task: generate images from text.\nInput: a text prompt\nOutput: an image"}
    generator = FakeGenerator(script(readings), judge_yes=lambda _p, suffix: 0.1 if "task the question" in suffix
                              else 0.99)  # fmt: skip
    result, _ = ask(index, real_embedder, generator, settings, source.question)
    assert ("so it does not fit this question" in result.sections["answer"]) is (preset == "qwen2.5-coder-1.5b")


def test_an_entry_with_no_answering_sentence_is_tangential_only_when_off_the_topic(
    example_index, real_embedder, settings
) -> None:
    """No sentence kept for either part: The Skin Game speaks of the question's topic (a summary sentence at MiniLM
    cosine 0.47 from "what data trains AI to capture skin that finely?") and is listed as on the topic; Hi4D (0.35)
    is labelled tangential. Test f20's PEGASUS had been called tangential for a question on summaries."""
    readings = {**READINGS, "The Skin Game": "Offers: a training and evaluation framework for skin disease "
                "classification.\nAnswer: none."}  # fmt: skip
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings)), settings,
                    question_of(example_index))  # fmt: skip
    assert result.labels["the-skin-game"] == "on topic" and result.labels["hi4d-4d-instance"] == "tangential"
    papers = result.sections["papers"].split("\n")
    skin = next(line for line in papers if line.startswith("- [@the-skin-game]"))
    hi4d = next(line for line in papers if line.startswith("- [@hi4d-4d-instance]"))
    assert "Tangential" not in skin and "Tangential: it answers no part of the question" in hi4d
    assert papers.index(skin) < papers.index(hi4d)


@pytest.mark.parametrize(("p_yes", "rescued"), [(0.9, True), (0.6, False)])
def test_before_a_part_is_said_open_the_nearest_summary_sentence_is_judged(
    example_index, real_embedder, judged_settings, p_yes: float, rescued: bool
) -> None:
    """No reading gave a sentence for part 2 ("what tricks keep resolution so high?"); the matting paper's own
    sentence nearest to it is judged to give what it asks, so it is shown (third person, cited) instead of the gap,
    and its entry is no longer tangential. Test f08's "do we need a separate OCR step?" had been said to be open
    beside Donut's "OCR-free" summary."""
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none.", "Enhancing Image Matting": "Offers: Mask2Alpha, "
                "a refinement framework for image matting.\nPart 1: none.\nPart 2: none."}  # fmt: skip

    def judge(prefix: str, suffix: str) -> float:  # the part judge: only the sparse-convolution sentence answers
        if "give what the question asks for" in suffix:
            if "sparse convolution" in suffix:
                return p_yes
            return 0.9 if "DINOv2" in suffix and "what data" in suffix.lower() else 0.1
        return 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=judge), judged_settings,
                    question_of(example_index))  # fmt: skip
    second = result.sections["answer"].split("\n\n")[1]
    # at 0.6, above the cut but not by the margin a rescue needs (a false answer is worse than a gap): the gap
    assert (second == gap(result.parts[1])) is not rescued
    assert second.startswith(f"{part_lead(result.parts[1])} A sparse convolution-based optimization scheme") is rescued
    assert (result.labels["enhancing-image-matting"] == "partial") is rescued
    assert any("part 2 ('what tricks keep resolution so high?') is answered best by [@enhancing-image-matting]" in r
               for r in result.repairs) is rescued  # fmt: skip


@pytest.mark.parametrize("written", ["Mask2Alpha uses self-supervised Vision Transformer features as semantic priors.",
                                     "A sparse convolution-based optimization scheme allows Mask2Alpha to recover "
                                     "high-resolution details through progressive refinement."])  # fmt: skip
def test_a_summary_sentence_that_answers_a_part_better_than_the_reading_is_shown_first_and_once(
    example_index, real_embedder, judged_settings, written: str
) -> None:
    """The reading's sentence for part 2 answers it (P 0.7); the paper's own sentence nearest to the part answers
    it better (P 0.95) and is shown in its place, unless the reading already says it (then it is not said twice)."""
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none.", "Enhancing Image Matting": "Offers: Mask2Alpha, "
                f"a refinement framework for image matting.\nPart 1: none.\nPart 2: {written}"}  # fmt: skip

    def judge(prefix: str, suffix: str) -> float:  # the paper's other sentences below the bar for adding one
        if "give what the question asks for" in suffix:
            return 0.95 if "sparse convolution" in suffix else 0.7 if "priors" in suffix or "DINOv2" in suffix else 0.6
        return 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=judge), judged_settings,
                    question_of(example_index))  # fmt: skip
    second = result.sections["answer"].split("\n\n")[1]
    assert second.startswith(f"{part_lead(result.parts[1])} A sparse convolution-based optimization scheme allows")
    assert second.count("sparse convolution") == 1
    # in place of the reading's sentence of the same entry, not beside it (test f44: two lab-quake sentences)
    assert "semantic priors" not in second and second.count("[@enhancing-image-matting]") == 1


def test_an_aside_in_brackets_does_not_hide_what_a_name_states(example_index, real_embedder, settings) -> None:
    """Test f22: "Sentiment analysis (also known as polarity)" read from TextClassification-DistilBERT-SST2-Sentiment
    was dropped as not resting on the name, so the answer said the name states no task."""
    readings = dict(READINGS)
    readings["Txt2Img"] = ("Task: image generation from text (also known as prompting).\nInput: a text prompt "
                           "(also known as prompting)\nOutput: an image.")  # fmt: skip
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings)), settings,
                    question_of(example_index))  # fmt: skip
    assert "which states its task: text-to-image generation;" in result.sections["answer"]  # the name's words
    assert "prompting" not in result.text and "Input: a text prompt -> Model:" in result.sections["workflow"]


def test_a_sentence_that_echoes_the_question_gives_way_to_its_entrys_own_sentence(
    example_index, real_embedder, settings
) -> None:
    """Dev f03: "DepthCrafter can handle clips up to 110 frames" took "handle" and "clips" from the question, and
    was removed because the part had other evidence, though the 110 frames are DepthCrafter's. A question echo is
    replaced by the entry's own sentence; a sentence the checker finds wrong still goes (test above)."""
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game captures skin finely with "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none.", "Enhancing Image Matting": "Offers: Mask2Alpha.\n"
                "Part 1: Mask2Alpha is benchmarked across various real-world datasets.\nPart 2: none."}  # fmt: skip
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings)), settings,
                    question_of(example_index))  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    assert "finely" not in first.split("**")[-1] and "(HAM10000, DermNet, ISIC Atlas) [@the-skin-game]." in first
    assert "The Skin Game presents a dual contribution" in first  # "This paper presents", shown on its own
    assert "[@enhancing-image-matting]" in first
    assert any(r.startswith("replaced the answer sentence for [@the-skin-game] (unsupported: takes") for r in
               result.repairs)  # fmt: skip


def test_before_a_part_is_said_open_the_sentences_shown_for_other_parts_are_judged_for_it(
    example_index, real_embedder, judged_settings
) -> None:
    """Dev f15: "CycleGAN-VC2 ... without relying on parallel data", written for how voice conversion works, answers
    "do I need both of us to record the same sentences?"; the part had been said to be left open."""
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none.", "Enhancing Image Matting": "Offers: Mask2Alpha.\n"
                "Part 1: Mask2Alpha recovers high-resolution details through progressive refinement.\nPart 2: none."}  # fmt: skip

    def judge(prefix: str, suffix: str) -> float:
        if "give what the question asks for" not in suffix:
            return 0.99
        if "tricks" in suffix:  # part 2: only the matting sentence written for part 1 answers it
            return 0.9 if "Mask2Alpha recovers high-resolution details" in suffix else 0.1
        return 0.9 if "DINOv2" in suffix else 0.3

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=judge), judged_settings,
                    question_of(example_index))  # fmt: skip
    second = result.sections["answer"].split("\n\n")[1]
    assert second == (f"{part_lead(result.parts[1])} Mask2Alpha recovers high-resolution details through progressive "
                      "refinement [@enhancing-image-matting].")  # fmt: skip
    assert any("is answered by the sentence shown for part 1" in r for r in result.repairs)


def test_after_a_gap_a_sentence_far_from_the_part_is_not_shown(example_index, real_embedder, judged_settings) -> None:
    """Dev f25: "The only human oversight is provided through a list of rules" after the gap on compute (P < 0.4)."""
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game trains DINOv2-Large on "
                "HAM10000, DermNet and ISIC Atlas.\nPart 2: none."}  # fmt: skip

    def judge(prefix: str, suffix: str) -> float:
        asked = "give what the question asks for" in suffix and "what data" in suffix.lower()
        return 0.2 if asked else 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=judge), judged_settings,
                    question_of(example_index))  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    assert first == f"{part_lead(result.parts[0])} No supplied source answers this directly."


def test_a_follow_up_does_not_repeat_a_sentence_shown_after_a_parts_lead(example_index, real_embedder, settings) -> None:
    """The 019 follow-ups (real 0.5B) both repeated the first answer's sentence: it stood after its part's bold lead
    ("**Can an AI tell …?** BusterX is …"), so it was not seen as said."""
    said = "DINOv2 is trained and evaluated on three benchmark datasets, HAM10000, DermNet and ISIC Atlas"
    first = f"### 2. Answer\n**What data trains AI to capture skin that finely?** {said} [@the-skin-game].\n"
    result, _ = ask(example_index, real_embedder, FakeGenerator(script(READINGS)), settings,
                    "Which datasets does the skin paper use?", history=[Turn(question_of(example_index), first)])  # fmt: skip
    assert "[@the-skin-game]" in result.sections["answer"] and said not in result.sections["answer"]


@pytest.mark.parametrize(("p_yes", "added"), [(0.9, True), (0.65, False)])
def test_in_an_answered_part_an_entrys_own_sentence_that_gives_what_it_asks_is_added(
    example_index, real_embedder, judged_settings, p_yes: float, added: bool
) -> None:
    """Part 1 is answered by the reading's sentence (P 0.8). Of the summary sentences nearest to the part, the
    nearest does not give what it asks (P 0.3, so it replaces nothing); the next one does (P 0.9) and is shown
    beside the reading's, first; at 0.65 (above the cut, below the bar for adding) it is not. Test f16 left out HT
    Demucs's "less bleeding between sources" for "which approach bleeds least?"."""
    readings = {"The Skin Game": "Offers: a dermatology benchmark.\nPart 1: The Skin Game reports macro F1 scores on "
                "HAM10000 and ISIC Atlas.\nPart 2: none.", "Enhancing Image Matting": "Offers: Mask2Alpha, "
                "a refinement framework for image matting.\nPart 1: none.\nPart 2: A sparse convolution-based "
                "optimization scheme allows Mask2Alpha to recover high-resolution details.",
                "Hi4D": "Offers: a 4D dataset.\nPart 1: none.\nPart 2: none."}  # fmt: skip

    def judge(prefix: str, suffix: str) -> float:  # Hi4D's own sentences would pass too: it answers no part
        if "give what the question asks for" in suffix:
            if "dual contribution" in suffix or "Hi4D" in suffix:
                return p_yes
            return 0.8 if "macro F1" in suffix or "sparse convolution" in suffix else 0.3
        return 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(readings), judge_yes=judge), judged_settings,
                    question_of(example_index))  # fmt: skip
    first = result.sections["answer"].split("\n\n")[0]
    assert ("The Skin Game presents a dual contribution" in first) is added
    assert first.startswith(f"{part_lead(result.parts[0])} The Skin Game presents a dual contribution") is added
    assert "The Skin Game reports macro F1 scores on HAM10000 and ISIC Atlas [@the-skin-game]." in first
    assert "[@hi4d-4d-instance]" not in result.sections["answer"]  # not from an entry that answers no part
    assert any("part 1 ('what data trains AI to capture skin that finely?'): added [@the-skin-game]'s own" in r
               for r in result.repairs) is added  # fmt: skip
    assert result.sections["answer"].count("dual contribution") == (1 if added else 0)  # not again under part 2


def test_a_part_four_description_is_judged_once_as_it_is_shown(example_index, real_embedder, judged_settings) -> None:
    """The description was judged without its "<name>: " lead and then again with it by the answer's final check
    (test f02: two more judge calls per answer, about 0.7 s each, for the same words)."""
    claims: list[str] = []

    def judge(_prefix: str, suffix: str) -> float:
        if "Claim:" in suffix:
            claims.append(suffix.split('Claim: "', 1)[1].split('"', 1)[0])
        return 0.99

    result, _ = ask(example_index, real_embedder, FakeGenerator(script(READINGS), judge_yes=judge), judged_settings,
                    question_of(example_index))  # fmt: skip
    described = [claim for claim in claims if "4D textured scans of close human interaction" in claim]
    assert len(described) == 1, claims  # judged once, in the words part 4 shows
    assert described[0].rstrip(".") in result.sections["papers"]


def test_a_summary_sentence_about_others_is_no_candidate_to_show(real_embedder) -> None:
    """Test f24, answered at this session's HEAD while building (disclosed in the reading notes): "Nevertheless,
    they depend heavily on human-written instruction data ..." was added as Self-Instruct's own sentence; its
    "they" are earlier instruction-tuned models."""
    from rag_answer.answer.stages import span_candidates
    from rag_answer.entries import Entry, Origin

    entry = Entry("self-instruct", "paper", "Self-Instruct: Aligning Language Models with Self-Generated Instructions",
                  "https://arxiv.org/abs/2212.10560", None, "Large instruction-tuned language models generalize to new "
                  "tasks. Nevertheless, they depend heavily on human-written instruction data that is limited. We "
                  "introduce Self-Instruct, which bootstraps off the model's own generations.", Origin("f", 1))  # fmt: skip
    found = [text for _, text, _ in span_candidates("where do the instruction examples come from?", [entry],
                                                     real_embedder, most=5)]  # fmt: skip
    assert found and not any("depend heavily" in text for text in found)
    assert any("Self-Instruct" in text for text in found)


def test_an_abstracts_background_about_others_is_not_the_entrys_own_sentence() -> None:
    """Test f34 (bbebc04 run): "Radiance Field methods have recently revolutionized novel-view synthesis ..." was
    shown as 3D Gaussian Splatting's answer to "what photos and camera information does it need?"."""
    from rag_answer.answer.stages import own_sentences
    from rag_answer.entries import Entry, Origin

    def entry(summary: str) -> Entry:
        return Entry("gs", "paper", "3D Gaussian Splatting for Real-Time Radiance Field Rendering",
                     "https://arxiv.org/abs/2308.04079", None, summary, Origin("f", 1))  # fmt: skip

    gs = entry("Radiance Field methods have recently revolutionized novel-view synthesis. We start from the sparse "
               "points produced during camera calibration. Such points are noisy. Both the code and the data are "
               "released.")  # fmt: skip
    # "Such ..." points back at the sentence before it; "Both the code and the data" names what it is about
    assert [text[:8] for text in own_sentences(gs)] == ["We start", "Both the"]
    only = entry("Existing methods are slow. They need hours of training.")
    assert len(own_sentences(only)) == 2  # all of them, where nothing else is left
