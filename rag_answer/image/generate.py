"""Generating one illustration for a source set: device choice, seeded generation, recorded parameters."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rag_answer import __version__
from rag_answer.entries import SourceSet
from rag_answer.errors import BadInputError, ModelError
from rag_answer.image.loading import (
    SCHEDULERS,
    LoadedModel,
    free_accelerator_memory,
    is_out_of_memory,
    load_pipeline,
    quiet_libraries,
    require_diffusers,
    resolve_model,
    set_scheduler,
)
from rag_answer.image.metadata import write_outputs
from rag_answer.image.prompting import PromptWriter, make_prompt, recommended_entry

Device = Literal["auto", "cuda", "cpu"]
NO_GPU_REASON = "no CUDA GPU found, so no image was generated (pass --device cpu to render on the CPU, slowly)"
MAX_SIDE = 2048


@dataclass(frozen=True)
class ImageOptions:
    """How to render. `model`: diffusers folder, .safetensors/.ckpt file, or hub id (needs allow_network)."""

    model: str
    device: Device = "auto"
    steps: int = 25
    guidance: float = 7.5
    width: int = 512
    height: int = 512
    scheduler: str | None = None  # a key of loading.SCHEDULERS; None keeps the model's own
    seed: int = 0
    negative_prompt: str = ""
    config: Path | None = None  # local diffusers config folder for single-file checkpoints (default: bundled SD 1.5)
    allow_network: bool = False
    verbose: bool = False  # library warnings and progress bars

    def check(self) -> None:
        """BadInputError for values that cannot work, before anything is loaded."""
        if self.device not in ("auto", "cuda", "cpu"):
            raise BadInputError(f"unknown device {self.device!r}", hint="use auto, cuda or cpu")
        if not 1 <= self.steps <= 500:
            raise BadInputError(f"steps must be 1..500, not {self.steps}")
        if not 0.0 <= self.guidance <= 50.0:
            raise BadInputError(f"guidance must be 0..50, not {self.guidance}")
        for name, side in (("width", self.width), ("height", self.height)):
            if not (8 <= side <= MAX_SIDE and side % 8 == 0):
                raise BadInputError(f"{name} must be a multiple of 8 in 8..{MAX_SIDE}, not {side}")
        if self.seed < 0:
            raise BadInputError(f"seed must be >= 0, not {self.seed}")
        if self.scheduler is not None and self.scheduler.lower() not in SCHEDULERS:
            raise BadInputError(f"unknown scheduler {self.scheduler!r}", hint=f"choose one of: {', '.join(SCHEDULERS)}")


@dataclass(frozen=True)
class IllustrationResult:
    image_path: Path
    sidecar_path: Path
    prompt: str
    record: dict[str, Any]  # what the PNG's text chunk and the sidecar hold
    seconds: float  # generation only (not loading)


@dataclass(frozen=True)
class Skipped:
    reason: str  # one line, for the report or the terminal


def resolve_device(requested: Device) -> str | Skipped:
    """'cuda' or 'cpu'; Skipped when a GPU is wanted (auto or cuda) and none is present."""
    import torch

    if requested == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    return Skipped(NO_GPU_REASON)


# One loaded pipeline is kept, so a report or a chat session renders several images without reloading.
_cache: dict[tuple[Any, ...], LoadedModel] = {}


def _cache_key(options: ImageOptions, device: str) -> tuple[Any, ...]:
    path = Path(options.model).expanduser()
    stamp = None
    if path.exists():
        stat = path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
    return (str(path.resolve()) if path.exists() else options.model, stamp, str(options.config), device)


def get_model(options: ImageOptions, device: str) -> LoadedModel:
    """The loaded pipeline for these options, from the one-entry cache when it is still current."""
    key = _cache_key(options, device)
    if key in _cache:
        return _cache[key]
    source = resolve_model(options.model, config=options.config, allow_network=options.allow_network)
    _cache.clear()
    free_accelerator_memory()
    loaded = load_pipeline(source, device=device, verbose=options.verbose)
    _cache[key] = loaded
    return loaded


def clear_cache() -> None:
    _cache.clear()
    free_accelerator_memory()


def generate_illustration(
    source_set: SourceSet,
    options: ImageOptions,
    output: Path,
    *,
    prompt_writer: PromptWriter | None = None,
) -> IllustrationResult | Skipped:
    """Render one image for the source set's question and recommended model, and record how it was made.

    Returns Skipped (with a one-line reason) when no GPU is present and the device is not explicitly 'cpu'.
    Raises BadInputError for bad options or output paths and ModelError for a missing package, a missing, corrupt
    or unsupported model, or running out of memory. Writes `output` (PNG) and `output` + '.json' atomically.
    """
    options.check()
    if output.suffix.lower() != ".png":
        raise BadInputError("output must be a .png file", path=str(output))
    if output.is_dir():
        raise BadInputError("output is a folder", path=str(output), hint="name a .png file")
    device = resolve_device(options.device)
    if isinstance(device, Skipped):
        return device
    require_diffusers()
    import diffusers
    import torch

    prompt = make_prompt(source_set, prompt_writer)
    loaded = get_model(options, device)
    scheduler = set_scheduler(loaded, options.scheduler)
    generator = torch.Generator(device=device).manual_seed(options.seed)
    started = time.perf_counter()
    try:
        with torch.inference_mode(), quiet_libraries(options.verbose):
            image = loaded.pipeline(
                prompt=prompt.text,
                negative_prompt=options.negative_prompt or None,
                num_inference_steps=options.steps,
                guidance_scale=options.guidance,
                width=options.width,
                height=options.height,
                generator=generator,
                output_type="pil",
            ).images[0]
    except Exception as exc:
        if is_out_of_memory(exc):
            free_accelerator_memory()
            raise ModelError(
                f"out of {'GPU ' if device == 'cuda' else ''}memory at {options.width}x{options.height}",
                path=str(loaded.source.path),
                hint="lower --width/--height, or free the GPU",
            ) from None
        raise ModelError(
            f"image generation failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            path=str(loaded.source.path),
        ) from None
    seconds = time.perf_counter() - started

    entry = recommended_entry(source_set)
    record: dict[str, Any] = {
        "rag_answer_version": __version__,
        "prompt": prompt.text,
        "prompt_origin": prompt.origin,
        "negative_prompt": options.negative_prompt,
        "question": source_set.question,
        "source_id": source_set.source_id,
        "source_path": source_set.path,
        "entry_id": entry.id if entry else None,
        "entry_title": entry.title if entry else None,
        "model": options.model,
        "model_kind": loaded.source.kind,
        "model_sha256": loaded.sha256,
        "model_config": loaded.source.config_label,
        "pipeline": type(loaded.pipeline).__name__,
        "scheduler": scheduler,
        "steps": options.steps,
        "guidance": options.guidance,
        "width": options.width,
        "height": options.height,
        "seed": options.seed,
        "device": device,
        "dtype": loaded.dtype,
        "attention": loaded.attention,
        "diffusers_version": diffusers.__version__,
        "torch_version": torch.__version__,
    }
    if prompt.note:
        record["prompt_note"] = prompt.note
    extra = {
        "seconds": round(seconds, 3),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "device_name": torch.cuda.get_device_name() if device == "cuda" else "cpu",
    }
    image_path, sidecar = write_outputs(image, record, output, extra)
    return IllustrationResult(
        image_path=image_path, sidecar_path=sidecar, prompt=prompt.text, record=record, seconds=seconds
    )
