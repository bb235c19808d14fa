"""`rag-answer report PROMPT_FILE... -o OUTDIR [--format md,html] [--image] [--engine local|ray]`: grounded,
audited reports.

One report per prompt file (a folder stands for its files): Markdown that passes `rag-answer audit`, and/or
one self-contained HTML file, plus the run summary (OUTDIR/index.html, summary.json, summary.csv). A rerun
skips the reports an earlier run finished with the same inputs and settings (--force makes them again).
`--engine ray` runs the files on a Ray actor pool, locally or on the cluster at --ray-address; `--server URL`
has a running `rag-answer serve` make them (the same files but their timings block).
Exit 0 when every report was written, 1 when any prompt failed (the others are still written), 2 for bad
arguments, 130 when interrupted (what was written is kept; run again to finish).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from rag_answer.atomic import atomic_write_text
from rag_answer.commands._common import (
    add_server_flag,
    add_settings_flags,
    check_server_model,
    embedder_for,
    server_client,
    settings_from_args,
)
from rag_answer.errors import BadInputError, RagAnswerError
from rag_answer.llm import load_generator
from rag_answer.report.batch import ImageRequest, Outcome, ReportRunner, parse_formats, summary_table
from rag_answer.report.resume import settings_fingerprint
from rag_answer.report.run import Engine, local_engine, run_reports
from rag_answer.request import REPORT, Request, overrides_of, read_prompt
from rag_answer.settings import Settings
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
    parser.add_argument("--force", action="store_true", help="make every report again, even those already made")
    parser.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local (default): one process; ray: a Ray actor pool (pip install 'rag-answer[ray]')",
    )
    parser.add_argument("--ray-address", metavar="ADDR", help="with --engine ray: a cluster (default: start Ray here)")
    parser.add_argument("--workers", type=int, metavar="N", help="with --engine ray: actors (default CPUs / --threads)")
    add_settings_flags(parser, llm=True)
    add_server_flag(parser)
    parser.set_defaults(handler=run)


def _check_engine_flags(args: argparse.Namespace) -> None:
    if args.engine == "local" and (args.ray_address or args.workers is not None):
        raise BadInputError("--ray-address and --workers need --engine ray", hint="add --engine ray")
    if args.workers is not None and args.workers < 1:
        raise BadInputError(f"--workers must be at least 1, not {args.workers}")
    if args.engine == "ray" and args.image:
        raise BadInputError("--image is not available with --engine ray", hint="drop --image or use --engine local")


def _engine(args: argparse.Namespace, settings: Settings, formats: tuple[str, ...]) -> Engine:
    if (client := server_client(args)) is not None:
        if args.image or args.engine == "ray":
            raise BadInputError("--image and --engine ray are not available with --server",
                                hint="drop them or drop --server")  # fmt: skip
        check_server_model(client, args, "model", "judge_model")
        return local_engine(RemoteReportRunner(client, args, formats))  # type: ignore[arg-type]
    if args.engine == "ray":
        from rag_answer.report.ray_engine import ray_engine  # Ray is imported on this path only

        return ray_engine(settings, args.output, formats, check_claims=not args.no_claims,
                          address=args.ray_address, workers=args.workers)  # fmt: skip

    def run_locally(items: list[tuple[Path, str]]) -> Iterator[Outcome]:
        """Loads the models only when there is a report to make: a rerun with all of them made is instant."""
        image = ImageRequest(args.image_model, args.image_device, args.image_steps) if args.image else None
        runner = ReportRunner(settings, embedder_for(settings), load_generator(settings), args.output, formats, image,
                              check_claims=not args.no_claims)  # fmt: skip
        yield from local_engine(runner)(items)

    return run_locally


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    formats = parse_formats(args.format)
    _check_engine_flags(args)
    if args.output.exists() and not args.output.is_dir():
        raise BadInputError("output exists and is not a folder", path=str(args.output))
    files = expand_paths(args.prompts)
    if not files:
        raise BadInputError("no prompt files found", hint="name prompt files or folders that hold them")
    fingerprint = settings_fingerprint(settings, formats, not args.no_claims)
    outcomes = run_reports(
        files,
        args.output,
        _engine(args, settings, formats),
        engine_name=args.engine,
        fingerprint=fingerprint,
        progress=not settings.quiet,
        resume=not args.force,
    )
    print(summary_table(outcomes))
    for outcome in outcomes:
        for path in outcome.written:
            print(f"{'kept' if outcome.reused else 'wrote'} {path}", file=sys.stderr)
    print(f"summary: {args.output / 'index.html'}", file=sys.stderr)
    return 1 if any(outcome.failed for outcome in outcomes) else 0


class RemoteReportRunner:
    """ReportRunner's run_one, done by a running server: the same files (but their timings block) and outcomes."""

    def __init__(self, client, args: argparse.Namespace, formats: tuple[str, ...]) -> None:
        self.client = client
        self.outdir: Path = args.output
        self.formats = formats
        self.claims = not args.no_claims
        self.overrides = overrides_of(args)

    def run_one(self, path: Path, name: str) -> Outcome:
        started = time.perf_counter()
        try:
            read_prompt(Request(prompt=path), REPORT)  # bad input is reported here, with this machine's path
            # the file's exact bytes (load_source accepted them as UTF-8): the evidence record hashes them
            text = path.read_bytes().decode("utf-8")
            payload = {"prompt_file": text, "file_name": path.name, "name": name, "format": "json",
                       "formats": list(self.formats), "claims": self.claims, "settings": self.overrides}  # fmt: skip
            reply = self.client.post("/api/report", payload)
            written = []
            for extension in self.formats if reply["status"] != "failed" else ():
                target = self.outdir / f"{name}.{extension}"
                atomic_write_text(target, reply["documents"][extension])
                written.append(target)
        except RagAnswerError as exc:
            return Outcome(path, name, "failed", time.perf_counter() - started, error=exc.one_line())
        return Outcome(path, name, reply["status"], time.perf_counter() - started, reply["links"], reply["flagged"],
                       reply["repairs"], reply["error"], written, markers=reply.get("markers"),
                       verdicts=reply.get("verdicts"))  # fmt: skip
