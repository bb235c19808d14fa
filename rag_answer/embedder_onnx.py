"""The sentence embedder without torch: an fp32 ONNX export of the model run by ONNX Runtime.

The export is made once (by `rag-answer models --prepare` at install time, else on first use) from the same
weights sentence-transformers loads, under models/embedder/<weights sha>/ in RAG_ANSWER_HOME. Its SHA-256 and
the largest deviation from sentence-transformers on a fixed set of texts are recorded in export.json when it is
written; a stamp with size and mtime lets later runs skip re-hashing 90 MB, as for the GGUF files.

Encoding mirrors sentence-transformers exactly: the model's tokenizer.json with truncation at max_seq_length,
padding to the longest text of a batch, mean pooling over the attention mask, L2 normalization. fp32 only:
int8 quantization moves vectors (cosine about 0.95) and would make existing indexes silently wrong.
"""

from __future__ import annotations

import fcntl
import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from rag_answer.atomic import atomic_write_text
from rag_answer.errors import ModelError
from rag_answer.hashing import file_sha256

EXPORT_VERSION = 1
OPSET = 17
# Largest allowed 1 - cosine between the export and sentence-transformers on the check texts.
MAX_DEVIATION = 1e-5
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_BATCH = 32  # texts per ONNX run; sorted by length first so a batch pads little
CHECK_TEXTS = (
    "hello world",
    "x",
    "",
    "Ünïcödé text — “quotes”, 漢字 and emoji 🙂",
    "Whisper large-v3 transcribes speech in 99 languages; WER 2.7% on LibriSpeech test-clean.",
    "A very long passage about diffusion models for image dehazing and restoration. " * 40,  # > 256 tokens
)


def onnx_supported(model_dir: Path) -> bool:
    """True for a mean-pooled transformer folder with a fast tokenizer: what this module reproduces exactly."""
    modules = _read_json(model_dir / "modules.json", [])
    types = [module.get("type", "") for module in modules]
    if not (model_dir / "tokenizer.json").is_file() or not types:
        return False
    if not types[0].endswith("Transformer") or not all(t.endswith(("Pooling", "Normalize")) for t in types[1:]):
        return False
    for module in modules[1:]:
        if module.get("type", "").endswith("Pooling"):
            pooling = _read_json(model_dir / module.get("path", "") / "config.json", {})
            if not pooling.get("pooling_mode_mean_tokens") or any(
                pooling.get(key) for key in ("pooling_mode_cls_token", "pooling_mode_max_tokens")
            ):
                return False
    return True


def max_seq_length(model_dir: Path) -> int:
    return int(_read_json(model_dir / "sentence_bert_config.json", {}).get("max_seq_length", 256))


def export_dir(models_dir: Path, weights_sha256: str) -> Path:
    return models_dir / "embedder" / weights_sha256[:16]


def export_status(models_dir: Path, weights_sha256: str) -> str:
    folder = export_dir(models_dir, weights_sha256)
    record = _read_json(folder / "export.json", {})
    if record.get("weights_sha256") != weights_sha256 or not (folder / "model.onnx").is_file():
        return "not exported (made on first use, or by `rag-answer models --prepare`)"
    return "ready" if _stamp_matches(folder, record) else "changed on disk (run `rag-answer models --verify`)"


def ensure_export(model_dir: Path, weights_sha256: str, models_dir: Path, *, verify: bool = False) -> Path:
    """Path of a verified model.onnx for these weights, exporting it (with torch) if absent or changed."""
    folder = export_dir(models_dir, weights_sha256)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".export.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits, then finds the export ready
        record = _read_json(folder / "export.json", {})
        if record.get("weights_sha256") == weights_sha256 and (folder / "model.onnx").is_file():
            if not verify and _stamp_matches(folder, record):
                return folder / "model.onnx"
            if file_sha256(folder / "model.onnx") == record.get("onnx_sha256"):
                _write_stamp(folder, record)
                return folder / "model.onnx"
        _export(model_dir, weights_sha256, folder)
    return folder / "model.onnx"


def _export(model_dir: Path, weights_sha256: str, folder: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging
    except ImportError:
        raise ModelError(
            "exporting the embedder to ONNX needs torch and transformers",
            hint="pip install torch transformers onnx, or set RAG_ANSWER_EMBEDDER_RUNTIME=torch",
        ) from None

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: torch.nn.Module):
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    transformers_logging.disable_progress_bar()  # its weight-loading bar would break --quiet and piped output
    transformers_logging.set_verbosity_error()
    model = LastHiddenState(AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval())
    dummy = tuple(torch.ones(2, 8, dtype=torch.long) for _ in _INPUTS)
    temp = folder / f".model.onnx.{os.getpid()}.tmp"
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's notes on advanced indexing are about negative indices
            torch.onnx.export(
                model, dummy, str(temp), input_names=list(_INPUTS), output_names=["last_hidden_state"],
                dynamic_axes=axes, opset_version=OPSET, dynamo=False,
            )  # fmt: skip
        deviation = _deviation_from_torch(model_dir, temp)
        if deviation > MAX_DEVIATION:
            raise ModelError(
                f"the ONNX export differs from sentence-transformers (1 - cosine = {deviation:.2e})",
                path=str(model_dir),
                hint="set RAG_ANSWER_EMBEDDER_RUNTIME=torch",
            )
        os.replace(temp, folder / "model.onnx")
    except ModelError:
        raise
    except Exception as exc:  # the exporter and its onnx dependency fail in many library-specific ways
        raise ModelError(
            f"cannot export the embedder to ONNX: {exc}", path=str(model_dir),
            hint="pip install onnx, or set RAG_ANSWER_EMBEDDER_RUNTIME=torch",
        ) from None  # fmt: skip
    finally:
        temp.unlink(missing_ok=True)
    record = {
        "export_version": EXPORT_VERSION,
        "weights_sha256": weights_sha256,
        "onnx_sha256": file_sha256(folder / "model.onnx"),
        "precision": "fp32",
        "opset": OPSET,
        "torch": torch.__version__,
        "max_one_minus_cosine": deviation,
    }
    atomic_write_text(folder / "export.json", json.dumps(record, indent=2) + "\n")
    _write_stamp(folder, record)


def _deviation_from_torch(model_dir: Path, onnx_path: Path) -> float:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    expected = reference.encode(list(CHECK_TEXTS), normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxEncoder(model_dir, onnx_path).encode(list(CHECK_TEXTS))
    return float(1.0 - (expected * got).sum(axis=1).min())


class OnnxEncoder:
    """Tokenize, run the exported transformer, mean-pool and normalize: sentence-transformers' vectors."""

    def __init__(self, model_dir: Path, onnx_path: Path, *, threads: int | None = None):
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError:
            raise ModelError(
                "the ONNX embedder needs onnxruntime and tokenizers",
                hint="pip install onnxruntime tokenizers, or set RAG_ANSWER_EMBEDDER_RUNTIME=torch",
            ) from None
        # Truncation only; batches are padded here, so the tokenizer is never reconfigured (thread-safe).
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_seq_length(model_dir))
        self.pad_id = int((Tokenizer.from_file(str(model_dir / "tokenizer.json")).padding or {}).get("pad_id", 0))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a truncated or foreign file
            raise ModelError(f"cannot load the ONNX embedder: {exc}", path=str(onnx_path)) from None
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self.tokenizer.encode_batch(texts)
        order = np.argsort([len(encoding.ids) for encoding in encodings], kind="stable")  # shortest first
        for start in range(0, len(texts), _BATCH):
            chosen = order[start : start + _BATCH]
            vectors[chosen] = self._encode_batch([encodings[i] for i in chosen])
        return vectors

    def _encode_batch(self, encodings: list[Any]) -> np.ndarray:
        """Pad to the batch's longest (as the tokenizer would: pad id, type 0, mask 0), run, mean-pool, normalize."""
        width = max(len(encoding.ids) for encoding in encodings)
        feeds = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in _INPUTS}
        feeds["input_ids"].fill(self.pad_id)
        for row, encoding in enumerate(encodings):
            size = len(encoding.ids)
            feeds["input_ids"][row, :size] = encoding.ids
            feeds["attention_mask"][row, :size] = encoding.attention_mask
            feeds["token_type_ids"][row, :size] = encoding.type_ids
        hidden = self.session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return default


def _stat_key(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(folder: Path, record: dict[str, Any]) -> None:
    stamp = {"onnx_sha256": record["onnx_sha256"], **_stat_key(folder / "model.onnx")}
    atomic_write_text(folder / "model.onnx.verified.json", json.dumps(stamp))


def _stamp_matches(folder: Path, record: dict[str, Any]) -> bool:
    try:
        stamp = json.loads((folder / "model.onnx.verified.json").read_text("utf-8"))
        return stamp == {"onnx_sha256": record.get("onnx_sha256"), **_stat_key(folder / "model.onnx")}
    except (OSError, ValueError):
        return False
