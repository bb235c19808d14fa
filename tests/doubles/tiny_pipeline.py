"""A tiny, randomly initialised Stable Diffusion pipeline built in code: for tests and the CPU benchmark.

Nothing is downloaded. `save_tiny_pipeline` writes the same seeded pipeline three ways: a diffusers folder, a
config-only folder (what `from_single_file(config=...)` needs) and an original-layout (LDM) single `.safetensors`
checkpoint, so both loading paths of `rag_answer.image` can be exercised on the CPU in seconds.
Needs the `image` extra (diffusers, safetensors, transformers).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A few merges so that common words become single tokens; the rest falls back to byte-level tokens.
_TINY_MERGES = ("t h", "th e</w>", "a n", "an d</w>", "o f</w>", "i n", "o n</w>", "e r", "a t", "r e")


@dataclass(frozen=True)
class TinyPipelinePaths:
    folder: Path  # diffusers folder (model_index.json + weights)
    config: Path  # the same folder without weights
    single_file: Path  # original (LDM) layout checkpoint


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP byte-to-character table used by byte-level BPE vocabularies."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


def write_tiny_clip_tokenizer(folder: Path) -> int:
    """vocab.json + merges.txt + tokenizer_config.json for a CLIP tokenizer; returns the vocabulary size."""
    folder.mkdir(parents=True, exist_ok=True)
    base = list(_bytes_to_unicode().values())
    vocab = base + [token + "</w>" for token in base]
    vocab += ["".join(merge.split()) for merge in _TINY_MERGES]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}, ensure_ascii=False), "utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(_TINY_MERGES) + "\n", "utf-8")
    config = {
        "tokenizer_class": "CLIPTokenizer",
        "model_max_length": 77,
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2), "utf-8")
    return len(vocab)


def build_tiny_pipeline(tokenizer_dir: Path, seed: int = 0) -> Any:
    """A StableDiffusionPipeline with random weights (~0.5 M parameters), deterministic for a seed."""
    import torch
    from diffusers import AutoencoderKL, PNDMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    vocab_size = write_tiny_clip_tokenizer(tokenizer_dir)
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=4,
        norm_num_groups=8,
    )
    torch.manual_seed(seed)
    vae = AutoencoderKL(
        block_out_channels=(16, 32),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=8,
        sample_size=64,
    )
    torch.manual_seed(seed)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=vocab_size - 2,
            eos_token_id=vocab_size - 1,
            pad_token_id=vocab_size - 1,
            hidden_size=32,
            intermediate_size=37,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=vocab_size,
            max_position_embeddings=77,
        )
    )
    tokenizer = CLIPTokenizer.from_pretrained(str(tokenizer_dir))
    scheduler = PNDMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", skip_prk_steps=True, steps_offset=1
    )
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def save_tiny_pipeline(root: Path, seed: int = 0) -> TinyPipelinePaths:
    """Build the tiny pipeline and write it as a diffusers folder, a config-only folder and one .safetensors file."""
    from safetensors.torch import save_file

    pipe = build_tiny_pipeline(root / "tiny-tokenizer-src", seed=seed)
    folder = root / "tiny-sd"
    pipe.save_pretrained(str(folder), safe_serialization=True)
    config = root / "tiny-sd-config"
    copy_config_only(folder, config)
    single = root / "tiny-sd.safetensors"
    save_file(pipeline_to_ldm_state_dict(pipe), str(single))
    return TinyPipelinePaths(folder=folder, config=config, single_file=single)


def copy_config_only(folder: Path, dest: Path) -> None:
    """Copy a diffusers folder's JSON configs and tokenizer files, leaving out every weight file."""
    keep = {".json", ".txt", ".model"}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in keep:
            target = dest / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


# ---- diffusers -> original (LDM) layout, the inverse of diffusers' single-file conversion, for any block count ----

_RESNET = (("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"), ("conv2", "out_layers.3"),
           ("time_emb_proj", "emb_layers.1"), ("conv_shortcut", "skip_connection"))  # fmt: skip
_VAE_ATTENTION = (("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out"))


def _unet_prefixes(config: Any) -> list[tuple[str, str, bool]]:
    """(diffusers prefix, LDM prefix, is_resnet) for every block of a UNet2DConditionModel config."""
    per_block = int(config.layers_per_block)
    count = len(config.block_out_channels)
    rows: list[tuple[str, str, bool]] = [
        ("time_embedding.linear_1.", "time_embed.0.", False),
        ("time_embedding.linear_2.", "time_embed.2.", False),
        ("conv_in.", "input_blocks.0.0.", False),
        ("conv_norm_out.", "out.0.", False),
        ("conv_out.", "out.2.", False),
        ("mid_block.attentions.0.", "middle_block.1.", False),
        ("mid_block.resnets.0.", "middle_block.0.", True),
        ("mid_block.resnets.1.", "middle_block.2.", True),
    ]
    for i in range(count):
        for j in range(per_block):
            index = 1 + i * (per_block + 1) + j
            rows.append((f"down_blocks.{i}.resnets.{j}.", f"input_blocks.{index}.0.", True))
            rows.append((f"down_blocks.{i}.attentions.{j}.", f"input_blocks.{index}.1.", False))
        if i < count - 1:
            rows.append(
                (f"down_blocks.{i}.downsamplers.0.conv.", f"input_blocks.{(i + 1) * (per_block + 1)}.0.op.", False)
            )
        has_attention = "CrossAttn" in config.up_block_types[i]
        for j in range(per_block + 1):
            index = i * (per_block + 1) + j
            rows.append((f"up_blocks.{i}.resnets.{j}.", f"output_blocks.{index}.0.", True))
            rows.append((f"up_blocks.{i}.attentions.{j}.", f"output_blocks.{index}.1.", False))
        if i < count - 1:
            slot = 2 if has_attention else 1
            rows.append(
                (f"up_blocks.{i}.upsamplers.0.", f"output_blocks.{i * (per_block + 1) + per_block}.{slot}.", False)
            )
    return rows


def _vae_prefixes(config: Any) -> list[tuple[str, str, str]]:
    """(diffusers prefix, LDM prefix, kind) for an AutoencoderKL config; kind is resnet, attention or plain."""
    count = len(config.block_out_channels)
    rows: list[tuple[str, str, str]] = []
    for part in ("encoder", "decoder"):
        rows.append((f"{part}.conv_norm_out.", f"{part}.norm_out.", "plain"))
        rows.append((f"{part}.mid_block.attentions.0.", f"{part}.mid.attn_1.", "attention"))
        for j in range(2):
            rows.append((f"{part}.mid_block.resnets.{j}.", f"{part}.mid.block_{j + 1}.", "resnet"))
    for i in range(count):
        for j in range(int(config.layers_per_block)):
            rows.append((f"encoder.down_blocks.{i}.resnets.{j}.", f"encoder.down.{i}.block.{j}.", "resnet"))
        rows.append((f"encoder.down_blocks.{i}.downsamplers.0.", f"encoder.down.{i}.downsample.", "plain"))
        for j in range(int(config.layers_per_block) + 1):
            rows.append((f"decoder.up_blocks.{i}.resnets.{j}.", f"decoder.up.{count - 1 - i}.block.{j}.", "resnet"))
        rows.append((f"decoder.up_blocks.{i}.upsamplers.0.", f"decoder.up.{count - 1 - i}.upsample.", "plain"))
    return rows


def _rename(key: str, rows: list[tuple[str, str, Any]]) -> tuple[str, Any] | None:
    best = max((row for row in rows if key.startswith(row[0])), key=lambda row: len(row[0]), default=None)
    if best is None:
        return None
    return best[1] + key[len(best[0]) :], best[2]


def pipeline_to_ldm_state_dict(pipe: Any) -> dict[str, Any]:
    """One state dict in the original Stable Diffusion checkpoint layout, as `from_single_file` expects it."""
    out: dict[str, Any] = {}
    unet_rows = _unet_prefixes(pipe.unet.config)
    for key, tensor in pipe.unet.state_dict().items():
        renamed = _rename(key, unet_rows)
        name, is_resnet = renamed if renamed else (key, False)
        if is_resnet:
            for new, old in _RESNET:
                name = name.replace(f".{new}.", f".{old}.")
        out[f"model.diffusion_model.{name}"] = tensor.contiguous()

    vae_rows = _vae_prefixes(pipe.vae.config)
    for key, tensor in pipe.vae.state_dict().items():
        renamed = _rename(key, vae_rows)
        name, kind = renamed if renamed else (key, "plain")
        value = tensor
        if kind == "resnet":
            name = name.replace(".conv_shortcut.", ".nin_shortcut.")
        elif kind == "attention":
            for new, old in _VAE_ATTENTION:
                name = name.replace(f".{new}.", f".{old}.")
            if tensor.ndim == 2:
                value = tensor.reshape(*tensor.shape, 1, 1)  # LDM stores these as 1x1 convolutions
        out[f"first_stage_model.{name}"] = value.contiguous()

    for key, tensor in pipe.text_encoder.state_dict().items():
        name = key if key.startswith("text_model.") else f"text_model.{key}"
        out[f"cond_stage_model.transformer.{name}"] = tensor.contiguous()
    return out
