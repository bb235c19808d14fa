"""Finding, checking, hashing and loading a text-to-image model; every failure is one ModelError line.

Model sources, in the order they are tried for `--model VALUE`:
- a diffusers folder (has model_index.json): `DiffusionPipeline.from_pretrained(folder, local_files_only=True)`;
- a single `.safetensors` / `.ckpt` checkpoint in the original Stable Diffusion layout:
  `StableDiffusionPipeline.from_single_file(path, config=<local folder>, local_files_only=True)`, where the config
  folder is `--config DIR` or the bundled SD 1.5 config (JSON + CLIP tokenizer, no weights), so nothing is fetched;
- a hub id ("org/name"), only with allow_network: downloaded once into the hub cache, then loaded as a folder.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import os
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rag_answer.errors import ModelError
from rag_answer.hashing import file_sha256
from rag_answer.image.metadata import WEIGHT_SUFFIXES, sha256_folder_weights, weight_files

ModelKind = Literal["folder", "single_file", "hub"]
SINGLE_FILE_SUFFIXES = (".safetensors", ".ckpt")
INSTALL_HINT = "pip install 'rag-answer[image]'"
BUNDLED_CONFIG_NAME = "bundled:sd15"

# --scheduler NAME -> (diffusers class, extra config); None keeps the model's own scheduler.
SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "pndm": ("PNDMScheduler", {}),
    "ddim": ("DDIMScheduler", {}),
    "euler": ("EulerDiscreteScheduler", {}),
    "euler-a": ("EulerAncestralDiscreteScheduler", {}),
    "heun": ("HeunDiscreteScheduler", {}),
    "dpm++": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++"}),
    "dpm++-karras": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++", "use_karras_sigmas": True}),
    "unipc": ("UniPCMultistepScheduler", {}),
}

# Tensors (and shapes) an SD 1.x original-layout checkpoint has; checked before the bundled config is used.
_SD1_SHAPES = {
    "model.diffusion_model.input_blocks.0.0.weight": [320, 4, 3, 3],
    "model.diffusion_model.input_blocks.1.1.proj_in.weight": [320, 320, 1, 1],
    "first_stage_model.decoder.conv_out.weight": [3, 128, 3, 3],
    "cond_stage_model.transformer.text_model.embeddings.position_embedding.weight": [77, 768],
}
_SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024


@dataclass(frozen=True)
class ModelSource:
    kind: ModelKind
    given: str  # what the user passed
    path: Path | None  # local file or folder (None for a hub id before download)
    config: Path | None = None  # config folder for single files
    config_label: str | None = None  # "bundled:sd15" or the config folder's path


@dataclass
class LoadedModel:
    pipeline: Any
    source: ModelSource
    sha256: str
    device: str
    dtype: str
    attention: str
    base_scheduler_config: Any


def bundled_config_dir() -> Path:
    """The packaged SD 1.5 config folder (JSON configs + CLIP tokenizer, no weights)."""
    return Path(str(importlib.resources.files("rag_answer.image") / "sd15_config"))


def require_diffusers() -> Any:
    """Import diffusers lazily; ModelError with the install hint when the extra is missing."""
    try:
        import diffusers
        import safetensors  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            f"image generation needs diffusers, safetensors and transformers ({exc.name} is missing)",
            hint=INSTALL_HINT,
        ) from None
    return diffusers


def resolve_model(model: str, *, config: Path | None = None, allow_network: bool = False) -> ModelSource:
    """Classify and check `model` without loading it."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model_index.json").is_file():
            raise ModelError(
                "not a diffusers pipeline folder (no model_index.json)",
                path=str(path),
                hint="pass a diffusers folder, a .safetensors/.ckpt checkpoint, or a hub id with --allow-network",
            )
        check_folder(path)
        return ModelSource(kind="folder", given=model, path=path)
    if path.is_file():
        if path.suffix.lower() not in SINGLE_FILE_SUFFIXES:
            raise ModelError(
                f"unsupported model file type {path.suffix or '(none)'!r}",
                path=str(path),
                hint="use a .safetensors or .ckpt checkpoint, or a diffusers folder",
            )
        config_dir, label = _config_for_single_file(config)
        check_single_file(path, bundled=config is None)
        return ModelSource(kind="single_file", given=model, path=path, config=config_dir, config_label=label)
    if _looks_like_path(model):
        raise ModelError(
            "model not found", path=str(path), hint="check the path; nothing is downloaded without --allow-network"
        )
    if not allow_network:
        raise ModelError(
            f"model {model!r} is not a local folder or file",
            hint="pass a local diffusers folder or checkpoint, or add --allow-network to download this hub id",
        )
    return ModelSource(kind="hub", given=model, path=None)


def _looks_like_path(model: str) -> bool:
    return (
        model.startswith((".", "~", os.sep))
        or model.lower().endswith(SINGLE_FILE_SUFFIXES)
        or model.count("/") != 1
        or "\\" in model
    )


def _config_for_single_file(config: Path | None) -> tuple[Path, str]:
    if config is None:
        return bundled_config_dir(), BUNDLED_CONFIG_NAME
    config = config.expanduser()
    if not (config / "model_index.json").is_file():
        raise ModelError(
            "config folder has no model_index.json",
            path=str(config),
            hint="pass a diffusers folder (weights not needed) matching the checkpoint's architecture",
        )
    return config, str(config)


def check_folder(folder: Path) -> None:
    """Each model component named in model_index.json has a readable weight file."""
    try:
        index = json.loads((folder / "model_index.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"unreadable model_index.json: {exc}", path=str(folder / "model_index.json")) from None
    for name, spec in sorted(index.items()):
        if name.startswith("_") or not isinstance(spec, list) or len(spec) != 2 or spec[0] is None:
            continue
        sub = folder / name
        if name in ("unet", "vae", "text_encoder", "text_encoder_2", "transformer") or (sub / "config.json").is_file():
            if not (sub / "config.json").is_file():
                raise ModelError(f"missing config for component {name!r}", path=str(sub / "config.json"))
            files = weight_files(sub) if sub.is_dir() else []
            if not files:
                raise ModelError(
                    f"missing weights for component {name!r} (no {'/'.join(WEIGHT_SUFFIXES)} file)",
                    path=str(sub),
                    hint="download the complete model folder",
                )
            for file in files:
                if file.suffix == ".safetensors":
                    _check_safetensors(file)


def check_single_file(path: Path, *, bundled: bool) -> None:
    """Header check for .safetensors (size, JSON, offsets) or container check for .ckpt; SD 1.x keys for bundled."""
    if path.stat().st_size == 0:
        raise ModelError("model file is empty", path=str(path), hint="download it again")
    if path.suffix.lower() == ".safetensors":
        shapes = _check_safetensors(path)
        if bundled and any(shapes.get(key) != shape for key, shape in _SD1_SHAPES.items()):
            raise ModelError(
                "not a Stable Diffusion 1.x checkpoint in the original layout (the bundled config only fits SD 1.x)",
                path=str(path),
                hint="pass --config DIR with a diffusers folder of the checkpoint's architecture",
            )
    else:
        with path.open("rb") as stream:
            head = stream.read(2)
        if not (zipfile.is_zipfile(path) or head[:1] == b"\x80"):
            raise ModelError("corrupt .ckpt file (neither a torch zip archive nor a pickle)", path=str(path))


def _check_safetensors(path: Path) -> dict[str, list[int]]:
    """Validate a safetensors header against the file size; returns each tensor's shape."""
    size = path.stat().st_size
    try:
        with path.open("rb") as stream:
            raw = stream.read(8)
            if len(raw) < 8:
                raise ValueError("file shorter than its 8-byte header length")
            (length,) = struct.unpack("<Q", raw)
            if length > min(size - 8, _SAFETENSORS_MAX_HEADER):
                raise ValueError("header length beyond the end of the file")
            header = json.loads(stream.read(length).decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("header is not a JSON object")
        data_size = size - 8 - length
        for name, info in header.items():
            if name == "__metadata__":
                continue
            start, end = info["data_offsets"]
            if not 0 <= start <= end <= data_size:
                raise ValueError(f"tensor {name!r} lies beyond the end of the file (truncated download?)")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ModelError(f"corrupt .safetensors file: {exc}", path=str(path), hint="download it again") from None
    return {name: list(info.get("shape", [])) for name, info in header.items() if name != "__metadata__"}


def model_sha256(source: ModelSource) -> str:
    """SHA-256 of the checkpoint file, or of the folder's weight files (see metadata.sha256_folder_weights)."""
    assert source.path is not None
    return file_sha256(source.path) if source.kind == "single_file" else sha256_folder_weights(source.path)


@contextlib.contextmanager
def quiet_libraries(verbose: bool) -> Iterator[None]:
    """Silence diffusers/transformers warnings and loading bars unless verbose."""
    if verbose:
        yield
        return
    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog

    saved = (dlog.get_verbosity(), tlog.get_verbosity())
    dlog.set_verbosity_error()
    tlog.set_verbosity_error()
    dlog.disable_progress_bar()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        dlog.set_verbosity(saved[0])
        tlog.set_verbosity(saved[1])
        dlog.enable_progress_bar()
        tlog.enable_progress_bar()


@contextlib.contextmanager
def _network(allowed: bool) -> Iterator[None]:
    """Lift the CLI's HF_HUB_OFFLINE=1 for the duration of an explicitly allowed download."""
    if not allowed:
        yield
        return
    import huggingface_hub.constants as hub_constants

    saved_env = {key: os.environ.get(key) for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    saved_const = hub_constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"] = "0"
    os.environ["TRANSFORMERS_OFFLINE"] = "0"
    hub_constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        hub_constants.HF_HUB_OFFLINE = saved_const
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def download_hub_model(source: ModelSource, *, verbose: bool = False) -> ModelSource:
    """Download a hub id (only called with allow_network) and return it as a local folder source."""
    diffusers = require_diffusers()
    try:
        with _network(True), quiet_libraries(verbose):
            folder = diffusers.DiffusionPipeline.download(source.given)
    except Exception as exc:
        cause = exc.__cause__ or exc.__context__
        reason = _first_line(cause) if cause is not None else _first_line(exc)
        raise ModelError(
            f"could not download {source.given!r}: {reason[:200]}", hint="check the hub id and the network"
        ) from None
    path = Path(folder)
    check_folder(path)
    return ModelSource(kind="hub", given=source.given, path=path)


def load_pipeline(source: ModelSource, *, device: str, verbose: bool = False) -> LoadedModel:
    """Load the pipeline on `device`: fp16 + SDPA attention on CUDA, fp32 on the CPU; no safety checker."""
    diffusers = require_diffusers()
    import torch

    if source.kind == "hub" and source.path is None:
        source = download_hub_model(source, verbose=verbose)
    assert source.path is not None
    dtype = torch.float16 if device == "cuda" else torch.float32
    dtype_kwarg = {_dtype_keyword(diffusers): dtype}
    digest = model_sha256(source)
    try:
        with quiet_libraries(verbose):
            if source.kind == "single_file":
                pipe = diffusers.StableDiffusionPipeline.from_single_file(
                    str(source.path),
                    config=str(source.config),
                    local_files_only=True,
                    safety_checker=None,
                    requires_safety_checker=False,
                    **dtype_kwarg,
                )
            else:
                pipe = diffusers.DiffusionPipeline.from_pretrained(
                    str(source.path), local_files_only=True, **dtype_kwarg, **_no_safety_checker(source.path)
                )
            pipe = pipe.to(device)
    except Exception as exc:
        _raise_load_error(exc, source, device)
    attention = _use_sdpa(pipe) if device == "cuda" else "default"
    if not verbose:
        pipe.set_progress_bar_config(disable=True)
    return LoadedModel(
        pipeline=pipe,
        source=source,
        sha256=digest,
        device=device,
        dtype=str(dtype).removeprefix("torch."),
        attention=attention,
        base_scheduler_config=pipe.scheduler.config,
    )


def _dtype_keyword(diffusers: Any) -> str:
    """Newer diffusers take `dtype=` and deprecate `torch_dtype=`; older ones only know `torch_dtype=`."""
    try:
        from diffusers.utils import deprecation_utils
    except ImportError:  # pragma: no cover - very old diffusers
        return "torch_dtype"
    return "dtype" if hasattr(deprecation_utils, "_TORCH_DTYPE_DEPRECATION_MESSAGE") else "torch_dtype"


def _no_safety_checker(folder: Path) -> dict[str, Any]:
    index = json.loads((folder / "model_index.json").read_text("utf-8"))
    spec = index.get("safety_checker")
    if isinstance(spec, list) and spec and spec[0] is not None:
        return {"safety_checker": None, "requires_safety_checker": False}
    return {}


def _use_sdpa(pipe: Any) -> str:
    """PyTorch scaled-dot-product attention (flash / memory-efficient kernels) on every attention module."""
    from diffusers.models.attention_processor import AttnProcessor2_0

    for name in ("unet", "vae"):
        module = getattr(pipe, name, None)
        if module is not None and hasattr(module, "set_attn_processor"):
            module.set_attn_processor(AttnProcessor2_0())
    return "sdpa"


def set_scheduler(loaded: LoadedModel, name: str | None) -> str:
    """Put the named scheduler (or the model's own) on the pipeline; returns its class name."""
    diffusers = require_diffusers()
    pipe = loaded.pipeline
    if name is None:
        cls = getattr(diffusers, loaded.base_scheduler_config["_class_name"], type(pipe.scheduler))
        pipe.scheduler = cls.from_config(loaded.base_scheduler_config)
        return type(pipe.scheduler).__name__
    key = name.lower()
    if key not in SCHEDULERS:
        raise ModelError(f"unknown scheduler {name!r}", hint=f"choose one of: {', '.join(SCHEDULERS)}")
    class_name, extra = SCHEDULERS[key]
    pipe.scheduler = getattr(diffusers, class_name).from_config(loaded.base_scheduler_config, **extra)
    return class_name


def is_out_of_memory(exc: BaseException) -> bool:
    import torch

    if isinstance(exc, (MemoryError, torch.cuda.OutOfMemoryError)):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def free_accelerator_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _raise_load_error(exc: Exception, source: ModelSource, device: str) -> None:
    where = str(source.path)
    if is_out_of_memory(exc):
        free_accelerator_memory()
        raise ModelError(
            f"out of {'GPU ' if device == 'cuda' else ''}memory while loading the model",
            path=where,
            hint="close other GPU jobs, or use a smaller model",
        ) from None
    text = _first_line(exc)
    if isinstance(exc, (FileNotFoundError, OSError)) and (
        "no file named" in text.lower() or "not found" in text.lower()
    ):
        raise ModelError(f"missing model file: {text}", path=where, hint="download the complete model") from None
    raise ModelError(
        f"cannot load the model (corrupt or unsupported): {type(exc).__name__}: {text}",
        path=where,
        hint="check that it is a Stable Diffusion checkpoint and download it again if needed",
    ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
