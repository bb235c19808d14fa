"""The torch-free embedder: same vectors as sentence-transformers, a verified export, and a fallback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag_answer.embedder import Embedder, default_embedder_path, folder_sha256, get_embedder, stamped_folder_sha256
from rag_answer.embedder_onnx import (
    CHECK_TEXTS,
    ensure_export,
    export_dir,
    export_status,
    max_seq_length,
    onnx_supported,
)
from rag_answer.errors import ModelError
from rag_answer.hashing import file_sha256

# Short, long (truncated at 256 tokens), unicode, empty, near-duplicates: a batch of very mixed lengths.
TEXTS = [
    *CHECK_TEXTS,
    "The Skin Game (paper): a dataset of 4K face scans that trains models to capture pores and fine wrinkles.",
    "the skin game",
    "Whisper " * 300,
    "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, 1.12 GB: https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
    "   leading and trailing spaces   ",
    "Stable Diffusion 1.5 fine-tuned for dehazing; PSNR 24.1 dB on RESIDE SOTS-outdoor. " * 12,
    *(f"passage {i}: " + "tokens " * (i * 9) for i in range(1, 40)),
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    embedder = get_embedder(runtime="torch")
    assert embedder.runtime == "torch"
    return embedder


@pytest.fixture(scope="module")
def onnx_embedder(session_home: Path) -> Embedder:
    embedder = get_embedder(runtime="onnx", models_dir=session_home / "models")
    assert embedder.runtime == "onnx"
    return embedder


def test_onnx_vectors_equal_sentence_transformers(torch_embedder: Embedder, onnx_embedder: Embedder) -> None:
    from tokenizers import Tokenizer

    untruncated = Tokenizer.from_file(str(onnx_embedder.path / "tokenizer.json"))
    untruncated.no_truncation()
    untruncated.no_padding()
    assert max(len(untruncated.encode(text).ids) for text in TEXTS) > 2 * max_seq_length(onnx_embedder.path)

    expected = torch_embedder.encode(TEXTS)
    batched = onnx_embedder.encode(TEXTS)
    one_by_one = np.vstack([onnx_embedder.encode([text]) for text in TEXTS])
    assert batched.dtype == np.float32 and batched.shape == expected.shape == (len(TEXTS), 384)
    for got in (batched, one_by_one):
        cosines = (expected * got).sum(axis=1)
        assert cosines.min() >= 1 - 1e-5, f"worst text: {TEXTS[int(cosines.argmin())][:60]!r}"
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.name == torch_embedder.name  # the identity an index checks is the same
    assert onnx_embedder.weights_sha256 == torch_embedder.weights_sha256
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_onnx_path_never_imports_torch(onnx_embedder: Embedder) -> None:
    """Run in a fresh interpreter: this test process imported torch for the reference vectors."""
    import subprocess
    import sys

    code = (
        "import sys; from rag_answer.embedder import get_embedder; from pathlib import Path; "
        f"e = get_embedder(runtime='onnx', models_dir=Path({str(onnx_embedder.models_dir)!r})); "
        "print(e.encode(['hello world']).shape, "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'sentence_transformers')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "(1, 384) []", result.stderr


def test_export_records_its_hash_and_is_refused_when_changed(onnx_embedder: Embedder, tmp_path: Path) -> None:
    models = tmp_path / "models"
    source = export_dir(onnx_embedder.models_dir, onnx_embedder.weights_sha256)
    target = export_dir(models, onnx_embedder.weights_sha256)
    shutil.copytree(source, target)
    record = json.loads((target / "export.json").read_text("utf-8"))
    assert record["precision"] == "fp32" and record["weights_sha256"] == onnx_embedder.weights_sha256
    assert record["onnx_sha256"] == file_sha256(target / "model.onnx")
    assert record["max_one_minus_cosine"] <= 1e-5
    (target / "model.onnx").touch()  # the stamp no longer matches: the file is re-hashed and still good
    assert export_status(models, onnx_embedder.weights_sha256).startswith("changed")
    assert ensure_export(onnx_embedder.path, onnx_embedder.weights_sha256, models) == target / "model.onnx"
    assert export_status(models, onnx_embedder.weights_sha256) == "ready"

    with (target / "model.onnx").open("r+b") as handle:  # corrupt it: the export is made again
        handle.seek(1000)
        handle.write(b"\0" * 64)
    assert file_sha256(target / "model.onnx") != record["onnx_sha256"]
    ensure_export(onnx_embedder.path, onnx_embedder.weights_sha256, models)
    assert json.loads((target / "export.json").read_text("utf-8"))["onnx_sha256"] == file_sha256(target / "model.onnx")
    fresh = Embedder(runtime="onnx", models_dir=models)
    assert (fresh.encode(["pores"]) * onnx_embedder.encode(["pores"])).sum() >= 1 - 1e-5


def test_runtime_choice_env_fallback_and_unsupported_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_ANSWER_EMBEDDER_RUNTIME", "torch")
    assert get_embedder().runtime == "torch"
    monkeypatch.delenv("RAG_ANSWER_EMBEDDER_RUNTIME")
    assert get_embedder().runtime == "onnx"
    with pytest.raises(ModelError, match="unknown embedder runtime 'int8'"):
        Embedder(runtime="int8")

    packaged = default_embedder_path()
    assert onnx_supported(packaged)
    cls_pooled = tmp_path / "cls"
    shutil.copytree(packaged, cls_pooled, ignore=shutil.ignore_patterns("*.safetensors"))
    config = json.loads((cls_pooled / "1_Pooling" / "config.json").read_text("utf-8"))
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (cls_pooled / "1_Pooling" / "config.json").write_text(json.dumps(config), "utf-8")
    assert not onnx_supported(cls_pooled)
    assert Embedder(str(cls_pooled), runtime="onnx").runtime == "torch"  # not reproducible in ONNX: torch
    (tmp_path / "no-tokenizer").mkdir()
    (tmp_path / "no-tokenizer" / "modules.json").write_text((packaged / "modules.json").read_text())
    assert not onnx_supported(tmp_path / "no-tokenizer")


def test_weights_hash_is_remembered_until_a_file_changes(tmp_path: Path) -> None:
    folder, stamps = tmp_path / "model", tmp_path / "stamps"
    folder.mkdir()
    (folder / "config.json").write_text("{}", "utf-8")
    (folder / "model.safetensors").write_bytes(b"weights v1")
    first = stamped_folder_sha256(folder, stamps)
    assert first == folder_sha256(folder) and len(list(stamps.iterdir())) == 1
    stamp = next(stamps.iterdir())
    remembered = json.loads(stamp.read_text("utf-8"))
    stamp.write_text(json.dumps(dict(remembered, sha256="remembered")), "utf-8")
    assert stamped_folder_sha256(folder, stamps) == "remembered"  # same listing: not re-read
    (folder / "model.safetensors").write_bytes(b"weights v2, longer")
    assert stamped_folder_sha256(folder, stamps) == folder_sha256(folder) != first
