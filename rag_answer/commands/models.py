"""`rag-answer models`: the LLM presets and the embedder, their sizes, and whether each is ready to use."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag_answer.commands._common import embedder_for, settings_from_args
from rag_answer.embedder_onnx import ensure_export, export_dir, export_status
from rag_answer.llm.model_files import ensure_preset, preset_status
from rag_answer.llm.presets import PRESETS
from rag_answer.llm.selfcheck import check_embedder, ensure_model_checked
from rag_answer.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list LLM presets and whether each is ready")
    parser.add_argument("--prepare", action="store_true", help="assemble and verify every installed preset now")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="re-hash assembled files (SHA-256), then load each ready preset and the embedder in a "
        "child process and generate/embed once: a native crash becomes one line and exit 2",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--quiet", action="store_const", const=True, help="print nothing on success")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    rows = []
    for preset in PRESETS.values():
        status = preset_status(preset, settings.models_dir)
        if (args.prepare and not status.startswith("missing")) or (args.verify and status == "ready"):
            ensure_preset(preset, settings.models_dir, verify=args.verify)
            status = preset_status(preset, settings.models_dir)
        rows.append(
            {
                "name": preset.name,
                "default": preset.name == settings.model,
                "description": preset.description,
                "size_bytes": preset.size,
                "sha256": preset.sha256,
                "status": status,
                "path": str(settings.models_dir / preset.file_name),
            }
        )
    embedder = embedder_status(settings, prepare=args.prepare, verify=args.verify)
    if args.verify:
        self_check(rows, embedder, settings, quiet=bool(args.quiet or args.json))
    if args.json:
        print(json.dumps(rows, indent=2))  # the presets, as before; the embedder shows in the table
    elif not args.quiet:
        for row in rows:
            mark = "*" if row["default"] else " "
            size = row["size_bytes"] / 1e9
            print(f"{mark} {row['name']:<20} {size:5.2f} GB  {row['status']:<40} {row['description']}")
        print(f"  {'embedder':<20} {embedder['runtime']:<8} {embedder['status']:<40} {embedder['description']}")
        print("(* = default; any .gguf path also works with --model)")
    return 0


def embedder_status(settings: Settings, *, prepare: bool, verify: bool) -> dict[str, object]:
    """The embedder's row; --prepare makes its ONNX export now (install time), --verify re-hashes it."""
    embedder = embedder_for(settings)
    status = "ready (sentence-transformers)"
    if embedder.runtime == "onnx":
        if prepare or verify:
            ensure_export(embedder.path, embedder.weights_sha256, settings.models_dir, verify=verify)
        status = export_status(settings.models_dir, embedder.weights_sha256)
    return {"name": "embedder", "description": embedder.name, "runtime": embedder.runtime, "status": status,
            "path": str(export_dir(settings.models_dir, embedder.weights_sha256))}  # fmt: skip


def self_check(rows: list[dict], embedder: dict[str, object], settings: Settings, *, quiet: bool) -> None:
    """Each ready preset loads and generates, and the embedder embeds, in a child process (NativeCrashError: one
    line, exit 2). A pass is stamped, so the first `ask` on this machine need not run it again."""
    for row in rows:
        if row["status"] != "ready":
            continue
        result = ensure_model_checked(Path(row["path"]), name=row["name"], sha256=row["sha256"],
                                      threads=settings.threads, cache_dir=settings.cache_dir, force=True)  # fmt: skip
        assert result is not None  # force=True always checks
        row["self_check"] = result.detail
        if not quiet:
            print(f"self-check {row['name']}: {result.detail}; llama.cpp built with {result.features}")
    result = check_embedder(settings.embedder, str(embedder["runtime"]), settings.models_dir)
    if not quiet:
        print(f"self-check embedder: {result.detail}")
