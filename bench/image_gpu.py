"""GPU benchmark for `rag-answer image`: seconds per 512x512 image and denoising it/s, by variant.

    python bench/image_gpu.py --model sd15.safetensors [--runs 3] [--json results.json]
    python bench/image_gpu.py --tiny-cpu        # the tiny random pipeline on the CPU (no GPU, no model needed)

Variants (fp16 on CUDA, same prompt and seed; model loaded through rag_answer.image like the command does):
  eager-50      classic attention processor, model's scheduler, 50 steps (compare: ~1.4 s/image, SD 1.5, H100)
  eager         classic attention processor (explicit softmax(QK^T)V), 25 steps
  sdpa          torch scaled_dot_product_attention (flash / memory-efficient kernels), 25 steps
  sdpa-cl       sdpa + channels_last UNet and VAE, 25 steps
  sdpa-cl-compile  sdpa-cl + torch.compile(unet), 25 steps (compile time reported apart from the timed runs)
  dpm++-20      sdpa-cl with DPM-Solver++ (multistep) at 20 steps

Without CUDA (and without --tiny-cpu) it prints one skip line and exits 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.doubles (the tiny pipeline), from the repo root

PROMPT = "a red fox in fresh snow at golden hour, sharp fur detail, clean detailed digital illustration"
SKIP_LINE = "bench/image_gpu.py: skipped: no CUDA GPU here (this benchmark measures GPU generation; try --tiny-cpu)"


@dataclass
class Row:
    variant: str
    steps: int
    size: str
    seconds_per_image: float  # median over the timed runs, whole pipeline call (text encoder + UNet loop + VAE)
    min_seconds: float  # fastest timed run: the least disturbed by other processes on a shared machine
    its_per_second: float  # denoising loop only: steps per second between the first and last step callbacks
    runs: int
    warmup_seconds: float  # first call (includes torch.compile when used)


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def _time_call(pipe: Any, device: str, steps: int, size: int, seed: int) -> tuple[float, float]:
    """(seconds for the whole call, denoising it/s)."""
    import torch

    marks: list[float] = []

    def on_step_end(_pipe: Any, _step: int, _timestep: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        _sync(device)
        marks.append(time.perf_counter())
        return kwargs

    generator = torch.Generator(device=device).manual_seed(seed)
    _sync(device)
    start = time.perf_counter()
    with torch.inference_mode():
        pipe(
            prompt=PROMPT,
            num_inference_steps=steps,
            guidance_scale=7.5,
            width=size,
            height=size,
            generator=generator,
            callback_on_step_end=on_step_end,
        )
    _sync(device)
    total = time.perf_counter() - start
    loop = marks[-1] - marks[0] if len(marks) > 1 else total
    its = (len(marks) - 1) / loop if len(marks) > 1 and loop > 0 else steps / total
    return total, its


def measure(pipe: Any, variant: str, device: str, steps: int, size: int, runs: int) -> Row:
    warm_start = time.perf_counter()
    _time_call(pipe, device, steps, size, seed=0)
    warmup = time.perf_counter() - warm_start
    timings = [_time_call(pipe, device, steps, size, seed=run + 1) for run in range(runs)]
    return Row(
        variant=variant,
        steps=steps,
        size=f"{size}x{size}",
        seconds_per_image=round(statistics.median(t for t, _ in timings), 4),
        min_seconds=round(min(t for t, _ in timings), 4),
        its_per_second=round(statistics.median(i for _, i in timings), 2),
        runs=runs,
        warmup_seconds=round(warmup, 2),
    )


def run_gpu(args: argparse.Namespace) -> list[Row]:
    import torch
    from diffusers import DPMSolverMultistepScheduler
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    from rag_answer.image.loading import load_pipeline, quiet_libraries, resolve_model

    source = resolve_model(args.model, config=args.config, allow_network=args.allow_network)
    loaded = load_pipeline(source, device="cuda")
    pipe = loaded.pipeline
    base_scheduler = pipe.scheduler
    rows: list[Row] = []
    wanted = set(args.variants.split(",")) if args.variants else None

    def want(name: str) -> bool:
        return wanted is None or name in wanted

    def set_attention(processor: Any) -> None:
        pipe.unet.set_attn_processor(processor)
        pipe.vae.set_attn_processor(processor)

    with quiet_libraries(False):
        if want("eager-50"):
            set_attention(AttnProcessor())
            rows.append(measure(pipe, "eager-50", "cuda", 50, args.size, args.runs))
        if want("eager"):
            set_attention(AttnProcessor())
            rows.append(measure(pipe, "eager", "cuda", args.steps, args.size, args.runs))
        set_attention(AttnProcessor2_0())
        if want("sdpa"):
            rows.append(measure(pipe, "sdpa", "cuda", args.steps, args.size, args.runs))
        pipe.unet.to(memory_format=torch.channels_last)
        pipe.vae.to(memory_format=torch.channels_last)
        if want("sdpa-cl"):
            rows.append(measure(pipe, "sdpa-cl", "cuda", args.steps, args.size, args.runs))
        if want("dpm++-20"):
            pipe.scheduler = DPMSolverMultistepScheduler.from_config(
                base_scheduler.config, algorithm_type="dpmsolver++"
            )
            rows.append(measure(pipe, "dpm++-20", "cuda", 20, args.size, args.runs))
            pipe.scheduler = base_scheduler
        if want("sdpa-cl-compile"):
            eager_unet = pipe.unet
            pipe.unet = torch.compile(pipe.unet, mode=args.compile_mode, fullgraph=True)
            rows.append(measure(pipe, "sdpa-cl-compile", "cuda", args.steps, args.size, args.runs))
            pipe.unet = eager_unet
    return rows


def run_tiny_cpu(args: argparse.Namespace) -> list[Row]:
    """The tests' tiny random pipeline on the CPU: 1 step as the baseline, then 2 and 4 steps.

    Runs are interleaved (1, 2, 4, 1, 2, 4, ...) so that load from other processes hits every variant alike.
    """
    from rag_answer.image.loading import load_pipeline, quiet_libraries, resolve_model
    from tests.doubles.tiny_pipeline import save_tiny_pipeline

    step_counts = (1, 2, 4)
    with tempfile.TemporaryDirectory() as root, quiet_libraries(False):
        paths = save_tiny_pipeline(Path(root))
        pipe = load_pipeline(resolve_model(str(paths.folder)), device="cpu").pipeline
        size = args.tiny_size
        warmups = {}
        for steps in step_counts:
            start = time.perf_counter()
            _time_call(pipe, "cpu", steps, size, seed=0)
            warmups[steps] = time.perf_counter() - start
        timings: dict[int, list[tuple[float, float]]] = {steps: [] for steps in step_counts}
        for run in range(args.runs):
            for steps in step_counts:
                timings[steps].append(_time_call(pipe, "cpu", steps, size, seed=run + 1))
    return [
        Row(
            variant=f"tiny-cpu-{steps}step",
            steps=steps,
            size=f"{size}x{size}",
            seconds_per_image=round(statistics.median(t for t, _ in timings[steps]), 4),
            min_seconds=round(min(t for t, _ in timings[steps]), 4),
            its_per_second=round(statistics.median(i for _, i in timings[steps]), 2),
            runs=args.runs,
            warmup_seconds=round(warmups[steps], 2),
        )
        for steps in step_counts
    ]


def print_table(rows: list[Row], header: str) -> None:
    print(header)
    print(
        "| variant | steps | size | s/image median (vs row 1) | s/image min (vs row 1) | denoise it/s | runs "
        "| first call s |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    base, base_min = (rows[0].seconds_per_image, rows[0].min_seconds) if rows else (1.0, 1.0)
    for row in rows:
        print(
            f"| {row.variant} | {row.steps} | {row.size} | {row.seconds_per_image:.4f} "
            f"({row.seconds_per_image / base:.2f}x) | {row.min_seconds:.4f} ({row.min_seconds / base_min:.2f}x) "
            f"| {row.its_per_second:.1f} | {row.runs} | {row.warmup_seconds:.2f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="SD 1.x diffusers folder or single-file checkpoint (GPU mode)")
    parser.add_argument("--config", type=Path, help="local config folder for a single-file checkpoint")
    parser.add_argument("--allow-network", action="store_true", help="allow a hub id for --model")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per variant after one warm-up call")
    parser.add_argument(
        "--variants", help="comma list (default all): eager-50,eager,sdpa,sdpa-cl,dpm++-20,sdpa-cl-compile"
    )
    parser.add_argument("--compile-mode", default="max-autotune-no-cudagraphs", help="torch.compile mode")
    parser.add_argument("--tiny-cpu", action="store_true", help="time the tiny random pipeline on the CPU instead")
    parser.add_argument("--tiny-size", type=int, default=64)
    parser.add_argument("--threads", type=int, help="torch CPU threads for --tiny-cpu (default: torch's)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)

    import torch

    if args.tiny_cpu:
        if args.threads:
            torch.set_num_threads(args.threads)
        rows = run_tiny_cpu(args)
        header = f"tiny random SD pipeline, CPU, {torch.get_num_threads()} threads, torch {torch.__version__}"
    else:
        if not torch.cuda.is_available():
            print(SKIP_LINE)
            return 0
        if not args.model:
            print("bench/image_gpu.py: error: --model is required on a GPU", file=sys.stderr)
            return 2
        rows = run_gpu(args)
        header = f"{torch.cuda.get_device_name()}, torch {torch.__version__}, fp16, model {args.model}"
    print_table(rows, header)
    if args.json:
        args.json.write_text(json.dumps({"header": header, "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
