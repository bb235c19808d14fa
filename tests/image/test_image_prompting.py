"""Image prompt, options and skip behaviour: none of these tests needs diffusers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rag_answer.cli import main
from rag_answer.entries import Entry, Origin, SourceSet
from rag_answer.errors import BadInputError, ModelError
from rag_answer.image import (
    NO_GPU_REASON,
    ImageOptions,
    Skipped,
    fallback_prompt,
    generate_illustration,
    make_prompt,
    recommended_entry,
)
from rag_answer.image.loading import require_diffusers
from rag_answer.image.prompting import MAX_PROMPT_CHARS, key_phrases
from rag_answer.sources import load_source


def _entry(entry_id: str, kind: str, title: str) -> Entry:
    return Entry(entry_id, kind, title, None, None, "", Origin("x.txt", 1))  # type: ignore[arg-type]


def _source(question: str | None, *entries: Entry) -> SourceSet:
    return SourceSet(source_id="0" * 64, path="x.txt", question=question, entries=tuple(entries))


def test_fallback_prompt_uses_question_phrases_and_recommended_title(prompt_file: Path) -> None:
    source = load_source(prompt_file)
    prompt = fallback_prompt(source)
    assert prompt == fallback_prompt(load_source(prompt_file))  # deterministic
    assert "red fox" in prompt and "fresh snow" in prompt and "golden hour" in prompt
    assert "Tiny-Diffusion-Fox" in prompt
    assert "Denoising" not in prompt  # papers are not the recommended model
    assert "http" not in prompt and "\n" not in prompt
    assert len(prompt) <= MAX_PROMPT_CHARS


def test_key_phrases_drop_stop_words_links_and_repeats() -> None:
    phrases = key_phrases("What is the best way to upscale old photos? See https://x.y/z — old photos, please!")
    assert phrases[0] == "upscale old photos"
    assert phrases.count("old photos") <= 1
    assert all("http" not in phrase for phrase in phrases)


def test_recommended_entry_prefers_models() -> None:
    paper, model = _entry("p", "paper", "A Paper"), _entry("m", "model", "A Model")
    assert recommended_entry(_source("q", paper, model)) == model
    assert recommended_entry(_source("q", paper)) == paper
    assert recommended_entry(_source("q")) is None


def test_prompt_without_question_or_entries_is_bad_input() -> None:
    assert "Only Title" in fallback_prompt(_source(None, _entry("m", "model", "Only Title")))
    with pytest.raises(BadInputError):
        fallback_prompt(_source(None))


def test_long_question_is_clipped() -> None:
    prompt = fallback_prompt(_source(" ".join(f"word{i} alpha{i}," for i in range(200)), _entry("m", "model", "M")))
    assert len(prompt) <= MAX_PROMPT_CHARS


def test_prompt_writer_used_when_valid_else_fallback_with_note(prompt_file: Path) -> None:
    source = load_source(prompt_file)
    good = make_prompt(source, lambda s: "  a red fox in snow, golden light  ")
    assert (good.text, good.origin, good.note) == ("a red fox in snow, golden light", "writer", None)
    for bad in ("two\nlines", "see https://example.com", "x" * (MAX_PROMPT_CHARS + 1), "", 42):
        result = make_prompt(source, lambda s, bad=bad: bad)  # type: ignore[misc]
        assert result.origin == "fallback" and result.text == fallback_prompt(source) and result.note

    def broken(_: SourceSet) -> str:
        raise RuntimeError("llm down")

    result = make_prompt(source, broken)
    assert result.origin == "fallback" and "llm down" in (result.note or "")


@pytest.mark.parametrize(
    "field, value",
    [("steps", 0), ("guidance", -1.0), ("width", 30), ("height", 4096), ("seed", -1), ("scheduler", "nope")],
)
def test_bad_options_are_bad_input(field: str, value: object) -> None:
    with pytest.raises(BadInputError):
        ImageOptions(model="m", **{field: value}).check()  # type: ignore[arg-type]


def test_no_gpu_skips_without_loading_anything(monkeypatch: pytest.MonkeyPatch, prompt_file: Path, tmp_path: Path):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    source = load_source(prompt_file)
    for device in ("auto", "cuda"):
        result = generate_illustration(source, ImageOptions(model="does/not-exist", device=device), tmp_path / "a.png")
        assert result == Skipped(NO_GPU_REASON)
    assert not list(tmp_path.glob("a.png*"))


def test_cli_no_gpu_prints_one_line_and_exits_0(monkeypatch, prompt_file: Path, tmp_path: Path, capsys) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code = main(
        ["image", "--prompt", str(prompt_file), "--model", "missing.safetensors", "-o", str(tmp_path / "o.png")]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.strip() == f"rag-answer: image skipped: {NO_GPU_REASON}"
    assert "--device cpu" in captured.err and captured.out == ""


def test_missing_extra_is_a_model_error_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "diffusers", None)  # import diffusers -> ImportError
    with pytest.raises(ModelError) as info:
        require_diffusers()
    assert "pip install 'rag-answer[image]'" in info.value.one_line()


def test_core_import_does_not_import_diffusers() -> None:
    import subprocess

    code = "import sys, rag_answer.image, rag_answer.commands.image; print('diffusers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_bundled_sd15_config_is_complete() -> None:
    from rag_answer.image import bundled_config_dir

    folder = bundled_config_dir()
    for name in ("model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json",
                 "scheduler/scheduler_config.json", "tokenizer/vocab.json", "tokenizer/merges.txt",
                 "tokenizer/tokenizer_config.json"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert not [p for p in folder.rglob("*") if p.suffix in (".safetensors", ".bin", ".ckpt")]
