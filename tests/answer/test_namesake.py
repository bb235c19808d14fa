"""Which supplied entry shares a name-only model's name or link (real prompt files of eval/fields)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_answer.answer.namesake import name_pieces, namesake
from rag_answer.entries import Entry, Origin
from rag_answer.sources import load_source

PROMPTS = Path(__file__).resolve().parents[2] / "eval" / "fields" / "prompts"


def _model(prompt: str) -> tuple[Entry, list[Entry]]:
    source = load_source(next(PROMPTS.glob(f"{prompt}_*.txt")))
    model = next(e for e in source.entries if e.kind == "model" and not e.has_summary)
    return model, list(source.entries)


@pytest.mark.parametrize(
    ("prompt", "piece", "title_start"),
    [
        ("f42", "PatchTST", "A Time Series is Worth 64 Words"),  # not "Time Series" of the other paper
        ("f38", "GraphCast", "GraphCast:"),  # a name glued from everyday words, used glued
        ("f09", "nnU-Net", "nnU-Net:"),  # split by a hyphen in the paper
        ("f11", "SAM 2", "SAM 2:"),  # "sam2" written with a space
        ("f34", "3D Gaussian Splatting", "3D Gaussian Splatting"),
        ("f36", "PointNet++", "PointNet++:"),
        ("f26", "YaRN", "YaRN:"),  # the mixed-case piece before the plain word "Llama"
        ("f12", "", "pyannote.audio"),  # "speaker diarization" in lower case is no name: the shared link is
    ],
)
def test_the_entry_sharing_a_distinctive_piece_of_the_name_or_a_link(prompt: str, piece: str, title_start: str) -> None:
    model, entries = _model(prompt)
    kin = namesake(model, entries)
    assert kin is not None
    assert (kin.piece, kin.entry.title[: len(title_start)]) == (piece, title_start)


@pytest.mark.parametrize("prompt", ["f02", "f15", "f18", "f20", "f28", "f43"])
def test_no_entry_is_taken_for_a_model_it_does_not_name(prompt: str) -> None:
    model, entries = _model(prompt)
    assert namesake(model, entries) is None


def test_task_prefixes_sizes_and_everyday_words_are_not_pieces_of_a_name() -> None:
    assert name_pieces("TTS-VITS-LJSpeech-SingleSpeaker") == ["SingleSpeaker", "LJSpeech", "VITS"]
    assert name_pieces("Text-Generation-YaRN-Llama-2-13B-128K") == ["YaRN", "Llama"]
    assert name_pieces("Img2Img-StableDiffusion-x4-Upscaler") == ["StableDiffusion", "Upscaler"]


def test_a_field_word_in_lower_case_is_not_the_models_name() -> None:
    model = Entry("m", "model", "SpeakerDiarization-Foo", None, "https://github.com/a/b", "", Origin("f", 1))
    paper = Entry("p", "paper", "Meetings", "https://arxiv.org/abs/1", None, "We study speaker diarization here.",
                  Origin("f", 5))  # fmt: skip
    assert namesake(model, [model, paper]) is None
    capitalised = Entry("q", "paper", "Speaker-Diarization for all", "https://arxiv.org/abs/2", None,
                        "SpeakerDiarization is a tool.", Origin("f", 9))  # fmt: skip
    kin = namesake(model, [model, capitalised])
    assert kin is not None and kin.piece == "SpeakerDiarization"


def test_a_plain_word_names_a_model_only_where_it_is_capitalised_and_an_acronym_only_in_capitals() -> None:
    model = Entry("m", "model", "Chat-Vicuna-13B", None, None, "", Origin("f", 1))
    plain = Entry(
        "p", "paper", "Camelids", "https://arxiv.org/abs/1", None, "The vicuna lives high up.", Origin("f", 5)
    )
    named = Entry(
        "q", "paper", "Chatbots", "https://arxiv.org/abs/2", None, "We train Vicuna on chats.", Origin("f", 9)
    )
    assert namesake(model, [model, plain]) is None
    kin = namesake(model, [model, plain, named])
    assert kin is not None and kin.entry.id == "q"
    acronym = Entry("a", "model", "Seg-NLLB-200", None, None, "", Origin("f", 1))
    url = Entry("u", "paper", "Translation", None, None, "See github.com/x/nllb for code.", Origin("f", 5))
    assert namesake(acronym, [acronym, url]) is None
