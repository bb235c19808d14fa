"""What issues 13 and 26 ask of an answer, checked on the real 0.5B preset on five prompt files of other fields
than the example: every part of the question answered or named as left open, with cited sentences; nothing
misattributed left in; every read entry an item, most relevant first; no first-person abstract text and no
pipeline message; a name-only model described by what its name states; the --json sections; and follow-ups
that answer their own question."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag_answer.answer import Turn, answer_question
from rag_answer.answer.compose import SECTION_KEYS
from rag_answer.answer.draft import DIRECT, PARTIAL, TANGENTIAL
from rag_answer.answer.name_task import name_task
from rag_answer.answer.namesake import namesake
from rag_answer.citations import find_markers, gap_sentence, open_sentence, part_lead
from rag_answer.index_store import build_index
from rag_answer.settings import load_settings
from rag_answer.sources import load_source
from tests.conftest import SMALL_PRESET, TEST_PROMPTS

pytestmark = pytest.mark.llm

# Video depth, speech translation, model-based RL, preference tuning of LLMs, AI-video forensics.
FIELDS = [
    TEST_PROMPTS / "f03_video-depth-estimation.txt",
    TEST_PROMPTS / "f13_spanish-class-speech-translation.txt",
    TEST_PROMPTS / "f31_world-model-rl.txt",
    TEST_PROMPTS / "014_chatbot-thumbs-feedback-dpo.txt",
    TEST_PROMPTS / "019_ai-video-detection.txt",
]
# The garbling issue 13 found: words glued by punctuation, broken abbreviations, repeated runs, instruction echo,
# phrases cut mid-clause.
GARBLING = re.compile(
    r"[a-z][,;][A-Za-z]|\be,g,|\bi,e,|\b(\w{2,})(?:\s+\1\b)+|<phrase>|<sentence|Format:|"
    r"\b(?:and|or|the|a|of|to|with|like|for)\s*(?:->|\.$)",
    re.IGNORECASE | re.MULTILINE,
)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\"])\s+(?=[A-Z\[])", text.strip()) if s]


@pytest.fixture(scope="module")
def quality_settings(session_home: Path):
    return load_settings(model=SMALL_PRESET, home=session_home, temperature=0.0, seed=0, max_tokens=400)


@pytest.fixture(scope="module")
def answered(real_embedder, small_llm, quality_settings):
    results = {}
    for path in FIELDS:
        source = load_source(path)
        index = build_index([source], real_embedder, progress=False)
        result = answer_question(source.question, index, real_embedder, small_llm, quality_settings, source_nos=[0])
        results[path.name] = (source, index, result)
    return results


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name[:3])
def test_the_answer_section_answers_with_cited_sentences(path: Path, answered) -> None:
    _, _, result = answered[path.name]
    answer = result.sections["answer"]
    assert answer and not answer.lower().startswith(("the user", "you want"))  # an answer, not the question again
    ids = {entry.id for entry in result.context.entries}
    for sentence in sentences(answer):
        # each sentence cites the entry it comes from, or is a sentence the program writes (a gap, a name-only model)
        assert _is_program_text(result, sentence) or (find_markers(sentence) and set(find_markers(sentence)) <= ids), (
            sentence
        )


def _is_program_text(result, text: str) -> bool:
    start = result.text.find(text)
    return start >= 0 and any(a <= start and start + len(text) <= b for a, b in result.program_spans)


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name[:3])
def test_every_part_of_the_question_is_answered_or_named_as_left_open(path: Path, answered) -> None:
    _, _, result = answered[path.name]
    answer = result.sections["answer"]
    asks = {"f03": 2, "f13": 3, "f31": 3, "014": 1, "019": 2}  # the things each question asks
    assert len(result.parts) == asks[path.name[:3]], result.parts
    led = len(result.parts) > 1
    for part, evidence in zip(result.parts, result.evidence, strict=True):
        shown = [item for item in evidence if item.text in answer]
        gaps = ([f"{part_lead(part)} {gap_sentence(part, led=True)}.", f"{part_lead(part)} {open_sentence(part, led=True)}"]
                if led else [gap_sentence(part), open_sentence(part)])  # fmt: skip
        assert (not led or part_lead(part) in answer) and (shown or any(gap in answer for gap in gaps)), (part, answer)


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name[:3])
def test_no_first_person_abstract_text_and_no_pipeline_message(path: Path, answered) -> None:
    _, _, result = answered[path.name]
    body = re.sub(r"https?://\S+", " ", result.text)
    assert not re.search(r"\b(?:we|our|us)\b", body, re.IGNORECASE), body
    for message in ("claim check", "no links supplied", "listed by name only", "Listed without", "Offers:",
                    "Part 1", "Answer:", "### Sources"):  # fmt: skip
        assert message not in body, message


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name[:3])
def test_a_name_only_model_is_described_by_what_its_name_states(path: Path, answered) -> None:
    _, _, result = answered[path.name]
    name_only = [r for r in result.readings if r.entry.kind == "model" and not r.entry.has_summary]
    assert name_only  # every one of these files recommends a model known by its name only
    for reading in name_only:
        kin = namesake(reading.entry, result.context.entries)
        if kin is not None:  # a supplied entry shares its name or link (f03, f13): that entry describes it
            said = f"[@{reading.entry.id}] has no description of its own, but it shares "
            assert said in result.sections["answer"] and f"[@{kin.entry.id}]" in result.sections["answer"]
            continue
        # f31's Img2Video, 014's ...-Chat and 019's Video2Text state their task by their words (name_task.py)
        named = name_task(reading.entry.title)
        assert named is not None and reading.states == named.task
        said = f"[@{reading.entry.id}] is known only by its name, which states its task: {named.task}"
        assert said in result.sections["answer"], result.sections["answer"]


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name[:3])
def test_nothing_flagged_is_shown(path: Path, answered) -> None:
    _, _, result = answered[path.name]
    assert result.verification.report.flagged_claims == []
    assert result.verification.clean


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name[:3])
def test_every_read_entry_is_an_item_most_relevant_first(path: Path, answered) -> None:
    _, _, result = answered[path.name]
    items = [find_markers(line)[0] for line in result.sections["papers"].split("\n") if line.startswith("- [@")]
    assert sorted(items) == sorted(reading.entry.id for reading in result.readings)
    rank = {DIRECT: 0, PARTIAL: 1, TANGENTIAL: 2}
    papers = [rank[result.labels[i]] for i in items if i in result.labels and result.labels[i] in rank
              and any(r.entry.id == i and r.entry.has_summary for r in result.readings)]  # fmt: skip
    assert papers == sorted(papers)  # direct, then partial, then tangential
    first = find_markers(result.sections["answer"])[0]
    assert result.labels.get(first) != TANGENTIAL or all(label == TANGENTIAL for label in result.labels.values())
    for line in result.sections["papers"].split("\n"):
        if line.startswith("- [@") and result.labels.get(find_markers(line)[0]) == TANGENTIAL and "known by its name" \
                not in line:  # fmt: skip
            assert "Tangential: it answers no part of the question" in line


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: p.name[:3])
def test_the_text_is_clean(path: Path, answered) -> None:
    _, _, result = answered[path.name]
    prose = re.sub(r"https?://\S+", " ", result.text)
    assert GARBLING.search(prose) is None, GARBLING.search(prose)
    # the --json sections: every heading present, in order, and none empty (each file has a recommended model);
    # no sources list after part 4, which carries every link once
    headings = [result.text.find(heading) for heading, key in SECTION_KEYS.items() if key != "sources"]
    assert -1 not in headings and headings == sorted(headings)
    assert all(result.sections[key] for key in SECTION_KEYS.values() if key != "sources")
    assert not result.sections["sources"]


@pytest.mark.parametrize("path", FIELDS[3:], ids=lambda p: p.name[:3])
def test_two_follow_ups_get_short_different_answers(path: Path, answered, real_embedder, small_llm,
                                                    quality_settings) -> None:  # fmt: skip
    source, index, first = answered[path.name]
    history = [Turn(source.question, first.text)]
    questions = {
        "014": ("Does DPO need a separate reward model?", "Is DPO stable and cheap to train?"),
        "019": (
            "What dataset was built for detecting AI-generated videos?",
            "Which video generation models are named?",
        ),
    }[path.name[:3]]
    texts = []
    for question in questions:
        result = answer_question(question, index, real_embedder, small_llm, quality_settings, source_nos=[0],
                                 history=history)  # fmt: skip
        assert not result.text.startswith("### 1. Task") and find_markers(result.sections["answer"])
        assert result.verification.clean
        texts.append(result.sections["answer"])
    assert len({first.sections["answer"], *texts}) == 3
