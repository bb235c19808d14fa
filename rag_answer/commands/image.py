"""`rag-answer image --prompt FILE --model PATH -o OUT.png`: an optional illustration (needs rag-answer[image]).

Without a CUDA GPU the command says so in one line and exits 0, unless `--device cpu` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag_answer.image import SCHEDULERS, ImageOptions, Skipped, generate_illustration
from rag_answer.sources import load_source


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "image",
        help="illustrate a question and its recommended model with a local diffusion model (optional, GPU)",
        description="Render one image from a source file's question and recommended model entry. "
        "The prompt, seed, steps, guidance, scheduler and model SHA-256 are stored in the PNG and in OUT.png.json.",
    )
    parser.add_argument("--prompt", required=True, type=Path, metavar="FILE", help="prompt file or catalog")
    parser.add_argument(
        "--model",
        required=True,
        metavar="PATH",
        help="diffusers folder, .safetensors/.ckpt SD checkpoint, or hub id (with --allow-network)",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.png", help="PNG to write")
    parser.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto", help="default auto: CUDA or skip")
    parser.add_argument("--steps", type=int, default=25, help="denoising steps (default 25)")
    parser.add_argument("--guidance", type=float, default=7.5, help="classifier-free guidance scale (default 7.5)")
    parser.add_argument("--width", type=int, default=512, help="multiple of 8 (default 512)")
    parser.add_argument("--height", type=int, default=512, help="multiple of 8 (default 512)")
    parser.add_argument("--scheduler", choices=tuple(SCHEDULERS), help="default: the model's own")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--negative-prompt", default="", help="what to steer away from")
    parser.add_argument(
        "--config", type=Path, metavar="DIR", help="local diffusers config folder for a single-file checkpoint "
        "(default: the bundled SD 1.5 config)",
    )  # fmt: skip
    parser.add_argument("--allow-network", action="store_true", help="allow downloading a hub id")
    parser.add_argument("--verbose", action="store_true", help="show library warnings and progress")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    options = ImageOptions(
        model=args.model,
        device=args.device,
        steps=args.steps,
        guidance=args.guidance,
        width=args.width,
        height=args.height,
        scheduler=args.scheduler,
        seed=args.seed,
        negative_prompt=args.negative_prompt,
        config=args.config,
        allow_network=args.allow_network,
        verbose=args.verbose,
    )
    options.check()
    source_set = load_source(args.prompt)
    result = generate_illustration(source_set, options, args.output)
    if isinstance(result, Skipped):
        print(f"rag-answer: image skipped: {result.reason}", file=sys.stderr)
        return 0
    record = result.record
    print(
        f"wrote {result.image_path} and {result.sidecar_path.name} "
        f"({record['width']}x{record['height']}, {record['steps']} steps, {record['scheduler']}, "
        f"seed {record['seed']}, {record['device']}, {result.seconds:.1f} s)"
    )
    print(f"prompt: {result.prompt}")
    return 0
