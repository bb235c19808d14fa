"""Issue 26 on the real default preset (1.5B, whose part judge the cuts were tuned with), on two fields: an answered
part shows more of an answering entry's own words, and a name-only model is described by what its name's words
state (a chat model recommended for a wake-word lamp does not fit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_answer.answer import answer_question
from rag_answer.index_store import build_index
from rag_answer.llm import load_generator
from rag_answer.settings import load_settings
from rag_answer.sources import load_source

pytestmark = pytest.mark.llm

FIELDS = Path(__file__).resolve().parents[2] / "eval" / "fields" / "prompts"
BLEEDING = FIELDS / "f16_band-vocal-separation.txt"  # music source separation
WAKE_WORD = FIELDS / "f18_wake-word-microcontroller.txt"  # keyword spotting on microcontrollers


@pytest.fixture(scope="module")
def answered(real_embedder, session_home: Path):
    settings = load_settings(model="qwen2.5-coder-1.5b", home=session_home, temperature=0.0, seed=0)
    generator = load_generator(settings)
    results = {}
    for path in (BLEEDING, WAKE_WORD):
        source = load_source(path)
        index = build_index([source], real_embedder, progress=False)
        results[path.name] = answer_question(source.question, index, real_embedder, generator, settings,
                                             source_nos=[0])  # fmt: skip
    return results


@pytest.mark.parametrize(("path", "entry_id", "words"), [
    (BLEEDING, "hybrid-transformers-for", "showing less bleeding between sources"),
    (WAKE_WORD, "speech-commands-a", "105,829 one-second utterances"),
], ids=["f16", "f18"])  # fmt: skip
def test_an_answered_part_shows_an_answering_entrys_own_sentence_beside_the_readings(
    answered, path: Path, entry_id: str, words: str
) -> None:
    result = answered[path.name]
    second = result.sections["answer"].split("\n\n")[1]
    assert words in second and f"[@{entry_id}]" in second
    assert any(f"added [@{entry_id}]'s own sentence" in repair for repair in result.repairs)
    assert result.verification is not None and result.verification.clean and not result.verification.report.flagged_claims


def test_a_chat_model_recommended_for_a_wake_word_lamp_is_said_not_to_fit(answered) -> None:
    answer = answered[WAKE_WORD.name].sections["answer"]
    assert ("[@chat-vicuna-13b] is known only by its name, which states its task: chat (a conversational language "
            "model). That is another task, so it does not fit this question") in answer  # fmt: skip
    workflow = answered[WAKE_WORD.name].sections["workflow"]
    assert "Model: Chat-Vicuna-13B-v1.5 [@chat-vicuna-13b]" in workflow and "its name states another task" in workflow
