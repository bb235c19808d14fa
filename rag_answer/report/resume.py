"""Resuming a batch: each finished report leaves a record of what produced it, and a rerun skips it.

The key of a report is the SHA-256 of the prompt file's bytes, its file and output names, and a fingerprint of
everything else that shapes the bytes: the model and judge (by SHA-256), the embedder, the sampling settings,
the prompt templates, the formats, the claim check and the tool's version. A record is written (atomically)
only after the report's files, so an interrupted run loses only the files in flight. Failed prompts leave no
record: the next run tries them again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from rag_answer import __version__
from rag_answer.atomic import atomic_write_text
from rag_answer.llm.model_files import resolve_model
from rag_answer.llm.presets import PRESETS
from rag_answer.prompts import load_template
from rag_answer.report.batch import Outcome
from rag_answer.report.evidence import SAMPLING_KEYS, TEMPLATES
from rag_answer.settings import Settings

STATE_DIR = ".rag-answer-state"  # inside OUTDIR: one record per finished report


def _model_identity(spec: str, settings: Settings) -> str:
    """A preset's published SHA-256 (no file touched), else the GGUF's (hashed once, then stamped)."""
    if not spec:
        return ""
    if spec in PRESETS:
        return PRESETS[spec].sha256
    return resolve_model(spec, settings.models_dir).sha256


def settings_fingerprint(settings: Settings, formats: tuple[str, ...], check_claims: bool) -> str:
    identity = {
        "model": _model_identity(settings.model, settings),
        "judge": _model_identity(settings.judge_model, settings),
        "embedder": settings.embedder,
        "sampling": {key: getattr(settings, key) for key in SAMPLING_KEYS},
        "templates": {name: load_template(name).sha256 for name in TEMPLATES},
        "formats": list(formats),
        "claims": check_claims,
        "version": __version__,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def report_key(path: Path, name: str, fingerprint: str) -> str | None:
    """None when the file cannot be read: it is run (and fails with its own message), never skipped."""
    try:
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return hashlib.sha256(f"{fingerprint}\n{content}\n{path.name}\n{name}".encode()).hexdigest()


class RunState:
    """OUTDIR/.rag-answer-state/NAME.json: the key and outcome of each finished report."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.folder = outdir / STATE_DIR

    def finished(self, name: str, key: str) -> Outcome | None:
        """The earlier outcome when its key matches and every file it wrote is still there."""
        try:
            record = json.loads((self.folder / f"{name}.json").read_text("utf-8"))
            if record["key"] != key:
                return None
            outcome = Outcome.from_dict(record["outcome"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or not a record this version wrote: make the report again
        written = [self.outdir / path.name for path in outcome.written]
        if not all(path.is_file() for path in written):
            return None
        return replace(outcome, written=written, reused=True)

    def record(self, outcome: Outcome, key: str) -> None:
        data = {"key": key, "outcome": {**outcome.to_dict(), "written": [path.name for path in outcome.written]}}
        atomic_write_text(self.folder / f"{outcome.name}.json", json.dumps(data, indent=1, sort_keys=True) + "\n")
