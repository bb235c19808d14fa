"""Settings precedence and verified model files (assembly from parts, corruption, missing packages)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from rag_answer.errors import ConfigError, ModelError
from rag_answer.llm.model_files import ensure_preset, preset_status, resolve_model
from rag_answer.llm.presets import Preset
from rag_answer.settings import load_settings


def test_precedence_cli_over_env_over_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('top_k = 7\nseed = 3\nmodel = "qwen2.5-coder-0.5b"\n', "utf-8")
    monkeypatch.setenv("RAG_ANSWER_CONFIG", str(config))
    monkeypatch.setenv("RAG_ANSWER_SEED", "5")
    settings = load_settings(top_k=None, seed=None)
    assert (settings.top_k, settings.seed, settings.model) == (7, 5, "qwen2.5-coder-0.5b")
    assert load_settings(seed=9).seed == 9
    monkeypatch.setenv("RAG_ANSWER_TEMPERATURE", "hot")
    with pytest.raises(ConfigError, match="temperature"):
        load_settings()


def test_home_comes_from_environment(private_home: Path) -> None:
    assert load_settings().home == private_home
    assert load_settings().models_dir == private_home / "models"


def _fake_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payloads: list[bytes]) -> Preset:
    for number, payload in enumerate(payloads, start=1):
        package = tmp_path / "site" / f"fakeparts_part{number}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("", "utf-8")
        (package / "data" / f"part{number:02d}.bin").write_bytes(payload)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(payloads)
    return Preset("fake", "fake", "fake.gguf", len(whole), hashlib.sha256(whole).hexdigest(), "fakeparts-part", "1", 3)


def test_preset_is_assembled_verified_and_stamped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    preset = _fake_preset(tmp_path, monkeypatch, [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3])
    models = tmp_path / "models"
    assert preset_status(preset, models).startswith("installable")
    path = ensure_preset(preset, models)
    assert path.read_bytes() == b"GGUF" + b"a" * 10 + b"b" * 7 + b"c" * 3
    assert preset_status(preset, models) == "ready"
    path.write_bytes(b"GGUF tampered after assembly!!!!")  # size/mtime change breaks the stamp
    assert preset_status(preset, models) != "ready"
    assert ensure_preset(preset, models, verify=True).read_bytes().startswith(b"GGUFaaaa")


def test_corrupt_part_and_missing_package_name_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    preset = _fake_preset(tmp_path, monkeypatch, [b"GGUF", b"x", b"y"])
    corrupt = Preset(**{**preset.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelError, match="corrupt") as caught:
        ensure_preset(corrupt, tmp_path / "models")
    assert "pip install --force-reinstall" in caught.value.one_line()
    assert not (tmp_path / "models" / "fake.gguf").exists()
    missing = Preset(**{**preset.__dict__, "parts": 4})
    sys.modules.pop("fakeparts_part4", None)
    with pytest.raises(ModelError, match="needs package fakeparts-part4"):
        ensure_preset(missing, tmp_path / "models2")


def test_user_gguf_path_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no such model file or preset"):
        resolve_model(str(tmp_path / "none.gguf"), tmp_path)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOTGGUF")
    with pytest.raises(ModelError, match="not a GGUF file"):
        resolve_model(str(bad), tmp_path)
    good = tmp_path / "good.gguf"
    good.write_bytes(b"GGUF" + b"\0" * 16)
    resolved = resolve_model(str(good), tmp_path / "models")
    assert resolved.sha256 == hashlib.sha256(good.read_bytes()).hexdigest() and resolved.name == "good.gguf"
