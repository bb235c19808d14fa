"""`rag-answer report PROMPT_FILE... -o OUTDIR [--format md,html] [--image]`: grounded, audited reports.

One report per prompt file (a folder stands for its files): Markdown that passes `rag-answer audit`, and/or
one self-contained HTML file. Exit 0 when every report was written, 1 when any prompt failed (the others
are still written), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag_answer.commands._common import add_settings_flags, embedder_for, settings_from_args
from rag_answer.errors import BadInputError
from rag_answer.llm import load_generator
from rag_answer.report.batch import ImageRequest, ReportRunner, parse_formats, run_batch, summary_table
from rag_answer.sources import expand_paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write grounded reports (Markdown/HTML) with diagram, citation audit and evidence record",
        description="One report per prompt file: the question, task, workflow diagram, papers and tools with "
        "their supplied links, sources, an optional illustration, a citation audit appendix and an evidence record.",
    )
    parser.add_argument("prompts", nargs="+", type=Path, metavar="PROMPT_FILE", help="prompt files or folders")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR", help="folder for the reports")
    parser.add_argument("--format", default="md,html", help="md, html or md,html (default md,html)")
    parser.add_argument("--image", action="store_true", help="add an illustration when the image step can run")
    parser.add_argument("--image-model", metavar="PATH", help="diffusers folder or SD .safetensors for --image")
    parser.add_argument(
        "--image-device",
        choices=("auto", "cuda", "cpu"),
        default="auto",
        help="default auto: CUDA, else a one-line note instead of the image",
    )
    parser.add_argument("--image-steps", type=int, default=25, help="denoising steps (default 25)")
    parser.add_argument("--no-claims", action="store_true", help="audit links and markers only (faster)")
    add_settings_flags(parser, llm=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    formats = parse_formats(args.format)
    if args.output.exists() and not args.output.is_dir():
        raise BadInputError("output exists and is not a folder", path=str(args.output))
    files = expand_paths(args.prompts)
    if not files:
        raise BadInputError("no prompt files found", hint="name prompt files or folders that hold them")
    embedder = embedder_for(settings)
    generator = load_generator(settings)
    image = ImageRequest(args.image_model, args.image_device, args.image_steps) if args.image else None
    runner = ReportRunner(settings, embedder, generator, args.output, formats, image, check_claims=not args.no_claims)
    outcomes = run_batch(files, runner, progress=not settings.quiet)
    print(summary_table(outcomes))
    for outcome in outcomes:
        for path in outcome.written:
            print(f"wrote {path}", file=sys.stderr)
    return 1 if any(outcome.failed for outcome in outcomes) else 0
