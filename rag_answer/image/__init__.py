"""Optional illustration of an answer with a local text-to-image diffusion model (the `image` extra).

Importing this package never imports diffusers; that happens inside the functions that need it, and a missing
extra becomes ModelError("... pip install 'rag-answer[image]'").

    from rag_answer.image import ImageOptions, Skipped, generate_illustration
    result = generate_illustration(source_set, ImageOptions(model="sd15.safetensors"), Path("out.png"))
    if isinstance(result, Skipped):
        print(result.reason)        # e.g. no GPU; a report can still be written without the image
"""

from rag_answer.image.generate import (
    NO_GPU_REASON,
    Device,
    IllustrationResult,
    ImageOptions,
    Skipped,
    clear_cache,
    generate_illustration,
    resolve_device,
)
from rag_answer.image.loading import SCHEDULERS, bundled_config_dir, resolve_model
from rag_answer.image.metadata import read_png_record, sidecar_path
from rag_answer.image.prompting import ImagePrompt, PromptWriter, fallback_prompt, make_prompt, recommended_entry

__all__ = [
    "NO_GPU_REASON",
    "SCHEDULERS",
    "Device",
    "IllustrationResult",
    "ImageOptions",
    "ImagePrompt",
    "PromptWriter",
    "Skipped",
    "bundled_config_dir",
    "clear_cache",
    "fallback_prompt",
    "generate_illustration",
    "make_prompt",
    "read_png_record",
    "recommended_entry",
    "resolve_device",
    "resolve_model",
    "sidecar_path",
]
