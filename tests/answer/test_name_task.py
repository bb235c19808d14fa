"""What a model's name states, by rule: the blind panel (round 3) called "states no task" and "states no input or
output" false gaps for these names."""

from __future__ import annotations

import pytest

from rag_answer.answer.compose import name_states, workflow_segments
from rag_answer.answer.draft import FIT_NO, FIT_YES
from rag_answer.answer.name_task import NameTask, from_name, name_io, name_task, name_tokens
from rag_answer.answer.reading import parse_reading
from rag_answer.entries import Entry, Origin


def _model(name: str) -> Entry:
    return Entry("m", "model", name, None, "https://gitlab.com/a/b", "", Origin("f", 1))


def test_tokens_split_at_case_digits_and_punctuation() -> None:
    assert name_tokens("Img2Img-CycleGAN-VanGogh") == ["img", "2", "img", "cycle", "gan", "van", "gogh"]
    assert name_tokens("stable-diffusion-x4-upscaler") == ["stable", "diffusion", "x", "4", "upscaler"]


@pytest.mark.parametrize(
    ("name", "task", "given", "back"),
    [
        ("Chat-Vicuna-13B-v1.5", "chat (a conversational language model)", "a message", "a reply"),
        ("Text-Generation-Alpaca-7B-InstructionTuned", "instruction-following text generation", "an instruction",
         "text"),
        ("Octo-Base-GeneralistRobotPolicy", "generalist robot control (a robot policy)", "", "robot actions"),
        ("MARL-MAPPO-SMAC-Agents", "multi-agent reinforcement learning", "", ""),
        ("TTS-VITS-LJSpeech-SingleSpeaker", "text-to-speech", "text", "speech"),
        ("MusicSeparation-HTDemucs-4Stem", "music source separation", "a music recording", "four separated stems"),
        ("stabilityai/stable-diffusion-x4-upscaler", "upscaling images four times", "an image",
         "an image four times larger"),
        ("stabilityai/stable-video-diffusion-img2vid-xt", "image-to-video generation", "an image", "a video"),
        # the specific task before the generic "X2Y" piece
        ("Img2Img-CycleGAN-VanGogh-StyleTransfer", "style transfer", "an image", "the image restyled"),
        ("Text2Text-FlanT5-Large-Summarizer", "summarization", "text", "a summary"),
        ("Text2Code-DeepSeek-Coder-6.7B-Instruct", "code generation from text", "text", "code"),
        ("Seq2Structure-ESMFold", "structure prediction from a sequence", "a sequence", "a structure"),
        ("Video2Text-BusterX-Detector", "turning a video into text", "a video", "text"),
    ],
)
def test_a_name_states_its_task_input_and_output(name: str, task: str, given: str, back: str) -> None:
    assert name_task(name) == NameTask(task, given, back)


@pytest.mark.parametrize("name", ["advimman/big-lama", "MIC-DKFZ/nnUNet-v2", "Mistral-7B-v0.1", "Chatterbox-v2"])
def test_a_name_without_task_words_states_none(name: str) -> None:
    assert name_task(name) is None


def test_x2y_pieces() -> None:
    assert name_io("Audio2Text-Whisper-Large-v2") == ("audio", "text")
    assert name_io("TTS-VITS-LJSpeech") is None and name_io("GPT2-small") is None


def test_the_rule_stands_over_the_models_reading_and_its_reading_fills_what_the_rule_leaves() -> None:
    silent = parse_reading(_model("Chat-Vicuna-13B-v1.5"), "Task: none.\nInput: none\nOutput: none.")
    from_name(silent)
    assert (silent.states, silent.input, silent.output) == ("chat (a conversational language model)", "a message",
                                                            "a reply")  # fmt: skip
    forecast = parse_reading(_model("WeatherForecast-GraphCast"), "Task: forecasting.\nInput: weather data\nOutput: "
                             "none.")  # fmt: skip
    from_name(forecast)
    assert (forecast.states, forecast.input, forecast.output) == ("weather forecasting", "weather data",
                                                                  "a weather forecast")  # fmt: skip
    lama = parse_reading(_model("advimman/big-lama"), "Task: natural language processing.\nInput: text\nOutput: x.")
    from_name(lama)  # no task words, and the reading does not rest on the name
    assert (lama.states, lama.input, lama.output) == ("", "", "")


def test_the_answer_says_what_the_name_states() -> None:
    reading = parse_reading(_model("TTS-VITS-LJSpeech-SingleSpeaker"), "Task: none.\nInput: none\nOutput: none.")
    from_name(reading)
    assert "which states its task: text-to-speech;" in name_states(reading, FIT_YES)
    assert workflow_segments(reading, FIT_YES) == [(
        "- Input: text -> Model: TTS-VITS-LJSpeech-SingleSpeaker [@m] -> Output: speech (read from its name only).",
        True)]  # fmt: skip
    vangogh = parse_reading(_model("Img2Img-CycleGAN-VanGogh-StyleTransfer"), "Task: style transfer.\nInput: a "
                            "photo\nOutput: not stated.")  # fmt: skip
    from_name(vangogh)
    assert "does not fit this question" in name_states(vangogh, FIT_NO)
    # the reading's input where it rests on the name ("photo" is an image), the rule's output where it gave none
    assert workflow_segments(vangogh, FIT_NO)[0][0].startswith("- Input: a photo -> Model: Img2Img-CycleGAN")
    assert "-> Output: the image restyled" in workflow_segments(vangogh, FIT_NO)[0][0]
