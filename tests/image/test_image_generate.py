"""End to end on the CPU with a tiny random SD pipeline (2 steps, 32x32): loading, records, determinism, errors."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("diffusers")

import numpy as np
from PIL import Image

from rag_answer.cli import main
from rag_answer.errors import ModelError
from rag_answer.image import IllustrationResult, ImageOptions, generate_illustration, read_png_record
from rag_answer.image.metadata import sha256_folder_weights
from rag_answer.sources import load_source

FAST = {"device": "cpu", "steps": 2, "width": 32, "height": 32}


def _render(prompt_file: Path, out: Path, model: Path | str, **overrides) -> IllustrationResult:
    options = ImageOptions(model=str(model), **{**FAST, **overrides})
    result = generate_illustration(load_source(prompt_file), options, out)
    assert isinstance(result, IllustrationResult)
    return result


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).copy()


def test_folder_and_single_file_load_the_same_model(tiny, prompt_file: Path, tmp_path: Path) -> None:
    from_folder = _render(prompt_file, tmp_path / "folder.png", tiny.folder)
    from_file = _render(prompt_file, tmp_path / "file.png", tiny.single_file, config=tiny.config)
    assert _pixels(from_folder.image_path).shape == (32, 32, 3)
    assert np.array_equal(_pixels(from_folder.image_path), _pixels(from_file.image_path))
    assert from_folder.record["model_kind"] == "folder" and from_file.record["model_kind"] == "single_file"
    assert from_folder.record["model_sha256"] == sha256_folder_weights(tiny.folder)
    assert from_file.record["model_sha256"] == hashlib.sha256(tiny.single_file.read_bytes()).hexdigest()
    assert from_file.record["model_config"] == str(tiny.config)


def test_ckpt_checkpoint_loads_like_safetensors(tiny, prompt_file: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    ckpt = tmp_path / "tiny.ckpt"
    torch.save({"state_dict": load_file(str(tiny.single_file))}, ckpt)  # the usual .ckpt wrapping
    from_ckpt = _render(prompt_file, tmp_path / "ckpt.png", ckpt, config=tiny.config)
    from_safetensors = _render(prompt_file, tmp_path / "st.png", tiny.single_file, config=tiny.config)
    assert np.array_equal(_pixels(from_ckpt.image_path), _pixels(from_safetensors.image_path))
    assert from_ckpt.record["model_sha256"] == hashlib.sha256(ckpt.read_bytes()).hexdigest()


def test_png_metadata_and_sidecar_record_the_generation(tiny, prompt_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "fox.png"
    result = _render(prompt_file, out, tiny.folder, seed=7, guidance=5.0, scheduler="ddim")
    assert result.sidecar_path == tmp_path / "sub" / "fox.png.json"
    record = read_png_record(out)
    sidecar = json.loads(result.sidecar_path.read_text("utf-8"))
    assert record == result.record
    assert {key: sidecar[key] for key in record} == record
    assert sidecar["image_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert sidecar["seconds"] >= 0 and sidecar["device_name"] == "cpu"
    expected = {
        "seed": 7,
        "steps": 2,
        "guidance": 5.0,
        "width": 32,
        "height": 32,
        "scheduler": "DDIMScheduler",
        "device": "cpu",
        "dtype": "float32",
        "prompt_origin": "fallback",
        "entry_title": "Tiny-Diffusion-Fox",
    }
    assert {key: record[key] for key in expected} == expected
    assert "red fox" in record["prompt"] and "Tiny-Diffusion-Fox" in record["prompt"]
    with Image.open(out) as image:
        assert image.info["Description"] == record["prompt"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["fox.png", "fox.png.json"]  # no temp files left


def test_same_seed_same_bytes_other_seed_other_image(tiny, prompt_file: Path, tmp_path: Path) -> None:
    first = _render(prompt_file, tmp_path / "a.png", tiny.folder, seed=3)
    again = _render(prompt_file, tmp_path / "b.png", tiny.folder, seed=3)
    other = _render(prompt_file, tmp_path / "c.png", tiny.folder, seed=4)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert first.record == again.record
    assert not np.array_equal(_pixels(first.image_path), _pixels(other.image_path))


def test_scheduler_option_and_prompt_writer(tiny, prompt_file: Path, tmp_path: Path) -> None:
    options = ImageOptions(model=str(tiny.folder), scheduler="dpm++", **FAST)  # type: ignore[arg-type]
    result = generate_illustration(
        load_source(prompt_file), options, tmp_path / "w.png", prompt_writer=lambda s: "a fox"
    )
    assert isinstance(result, IllustrationResult)
    assert result.record["scheduler"] == "DPMSolverMultistepScheduler"
    assert (result.prompt, result.record["prompt_origin"]) == ("a fox", "writer")


def test_cli_renders_on_cpu(tiny, prompt_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cli.png"
    argv = [
        "image",
        "--prompt",
        str(prompt_file),
        "--model",
        str(tiny.single_file),
        "--config",
        str(tiny.config),
        "-o",
        str(out),
        "--device",
        "cpu",
        "--steps",
        "2",
        "--width",
        "32",
        "--height",
        "64",
        "--seed",
        "5",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "seed 5" in printed
    assert json.loads((tmp_path / "cli.png.json").read_text())["height"] == 64
    assert _pixels(out).shape == (64, 32, 3)


def _error(model: str | Path, tmp_path: Path, prompt_file: Path, **overrides) -> str:
    with pytest.raises(ModelError) as info:
        _render(prompt_file, tmp_path / "x.png", model, **overrides)
    assert not (tmp_path / "x.png").exists()
    return info.value.one_line()


def test_missing_and_corrupt_models_are_one_line_errors(tiny, prompt_file: Path, tmp_path: Path) -> None:
    assert "model not found" in _error(tmp_path / "absent.safetensors", tmp_path, prompt_file)
    assert "--allow-network" in _error("someone/some-model", tmp_path, prompt_file)
    assert "no model_index.json" in _error(tmp_path, tmp_path, prompt_file)

    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(tiny.single_file.read_bytes()[:-1000])
    assert "corrupt .safetensors" in _error(truncated, tmp_path, prompt_file, config=tiny.config)

    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\xff" * 64)
    assert "corrupt .safetensors" in _error(garbage, tmp_path, prompt_file)

    empty = tmp_path / "empty.ckpt"
    empty.write_bytes(b"")
    assert "empty" in _error(empty, tmp_path, prompt_file)

    bad_ckpt = tmp_path / "bad.ckpt"
    bad_ckpt.write_bytes(b"not a checkpoint at all")
    assert "corrupt .ckpt" in _error(bad_ckpt, tmp_path, prompt_file)

    # The tiny checkpoint does not have SD 1.5 shapes: the bundled config refuses it before building anything.
    assert "not a Stable Diffusion 1.x checkpoint" in _error(tiny.single_file, tmp_path, prompt_file)

    folder = tmp_path / "no-unet-weights"
    shutil.copytree(tiny.folder, folder)
    for weights in (folder / "unet").glob("*.safetensors"):
        weights.unlink()
    assert "missing weights for component 'unet'" in _error(folder, tmp_path, prompt_file)


def test_cli_error_is_one_line_exit_2(tmp_path: Path, prompt_file: Path, capsys) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 3)
    argv = [
        "image",
        "--prompt",
        str(prompt_file),
        "--model",
        str(bad),
        "-o",
        str(tmp_path / "o.png"),
        "--device",
        "cpu",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rag-answer: error: ") and "Traceback" not in err


def test_out_of_memory_is_a_model_error(tiny, prompt_file: Path, tmp_path: Path, monkeypatch) -> None:
    import diffusers
    import torch

    def oom(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(diffusers.StableDiffusionPipeline, "__call__", oom)
    message = _error(tiny.folder, tmp_path, prompt_file)
    assert "out of memory at 32x32" in message and "--width/--height" in message
