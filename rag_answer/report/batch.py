"""Many prompt files, one report each: progress bar, per-file failure isolation, a summary table.

A failing prompt (bad input, model error, a report that fails its own audit) is recorded and the batch goes
on; every output file is written atomically, and only after the whole report has been rendered and audited.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag_answer.answer import answer_question
from rag_answer.atomic import atomic_write_text
from rag_answer.audit import audit
from rag_answer.audit.claims import FLAGGED, VERDICTS
from rag_answer.embedder import Embedder
from rag_answer.errors import BadInputError, RagAnswerError
from rag_answer.llm.engine import TextGenerator
from rag_answer.report.build import Illustration, build_report, illustration_from
from rag_answer.report.evidence import collect_evidence
from rag_answer.report.html import render_html
from rag_answer.report.markdown import render_markdown
from rag_answer.request import REPORT, NoNamedIndexes, Request, Resolver
from rag_answer.settings import Settings

FORMATS = ("md", "html")


def parse_formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [name for name in chosen if name not in FORMATS]
    if not chosen or unknown:
        raise BadInputError(f"unknown format {', '.join(unknown) or repr(value)}", hint="use md, html or md,html")
    return chosen


def output_names(files: list[Path]) -> list[str]:
    """One output stem per input; repeated stems get -2, -3 ... in input order. A prompt file named index
    gets index-2: index.html is the run summary's page."""
    names: list[str] = []
    seen: dict[str, int] = {"index": 1}
    for path in files:
        stem = path.stem or "report"
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return names


@dataclass(frozen=True)
class ImageRequest:
    model: str | None
    device: str = "auto"
    steps: int = 25


@dataclass
class Outcome:
    path: Path
    name: str
    status: str  # "ok", "refused" or "failed"
    seconds: float
    links: int | None = None  # links the report's own audit checked
    flagged: int | None = None  # claims of the shown answer judged misattributed, contradicted or unsupported
    repairs: int | None = None  # sentences the claim check removed and lines the link audit dropped
    error: str | None = None
    written: list[Path] = field(default_factory=list)
    markers: int | None = None  # citation markers the report's own audit checked
    verdicts: dict[str, int] | None = None  # the shown answer's claims per verdict (None: claims not checked)
    reused: bool = False  # made by an earlier run with the same inputs and settings (see report/resume.py)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: paths as strings. Outcome.from_dict(outcome.to_dict()) == outcome."""
        return {**asdict(self), "path": str(self.path), "written": [str(path) for path in self.written]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(**{**data, "path": Path(data["path"]), "written": [Path(path) for path in data["written"]]})


@dataclass
class Rendered:
    """A report rendered and audited, not yet written: its outcome (without written files) and its texts."""

    outcome: Outcome
    texts: dict[str, str]  # extension -> file content, in the order of the formats asked for


class ReportFailedError(RagAnswerError):
    """A rendered report that does not pass its own audit: never written."""


@dataclass
class ReportRunner:
    settings: Settings
    embedder: Embedder
    generator: TextGenerator
    outdir: Path
    formats: tuple[str, ...] = ("md", "html")
    image: ImageRequest | None = None
    check_claims: bool = True
    illustrate: Callable[[object, ImageRequest, Path, int], Illustration] | None = None

    def run_one(self, path: Path, name: str) -> Outcome:
        """Render, audit and write one report; every failure becomes a failed Outcome."""
        rendered = self.render_one(path, name)
        return write_rendered(rendered, self.outdir)

    def render_one(self, path: Path, name: str) -> Rendered:
        """Render and audit one report without writing it (the Ray engine's workers send it back to the driver);
        every failure becomes a failed Outcome with its one-line message."""
        started = time.perf_counter()
        try:
            texts, outcome = self._report(path, name)
        except RagAnswerError as exc:
            return Rendered(Outcome(path, name, "failed", time.perf_counter() - started, error=exc.one_line()), {})
        except Exception as exc:  # a model or library failure must not stop the batch
            return Rendered(Outcome(path, name, "failed", time.perf_counter() - started, error=_one_line(exc)), {})
        outcome.seconds = time.perf_counter() - started
        return Rendered(outcome, texts)

    def _report(self, path: Path, name: str) -> tuple[dict[str, str], Outcome]:
        started = time.perf_counter()
        resolved = Resolver(self.settings, self.embedder, NoNamedIndexes(), REPORT).resolve(Request(prompt=path))
        source, question = resolved.source, resolved.question
        assert source is not None
        index = resolved.open_index(self.embedder)
        index_s = time.perf_counter() - started
        answer = answer_question(
            question,
            index,
            self.embedder,
            self.generator,
            self.settings,
            source_nos=[0],
            check_claims=self.check_claims,
        )
        timings = {"index_s": index_s}
        illustration = None
        if self.image is not None:
            image_started = time.perf_counter()
            illustration = (self.illustrate or make_illustration)(
                source, self.image, self.outdir / f"{name}.png", self.settings.seed
            )
            timings["image_s"] = time.perf_counter() - image_started
        evidence = collect_evidence(
            source,
            answer,
            model_name=self.generator.model_name,
            model_sha256=self.generator.model_sha256,
            embedder=self.embedder,
            settings=self.settings,
        )
        report = build_report(name, source, question, answer, evidence, illustration=illustration, timings=timings)
        markdown = render_markdown(report)
        check = audit(markdown, source.entries, claims=False)
        if not check.clean():
            problems = [f"{link.url!r} ({link.code})" for link in check.rejected_links]
            problems += [f"marker [@{marker.id}]" for marker in check.invalid_markers]
            raise ReportFailedError("the report fails its own audit: " + ", ".join(problems[:3]), path=str(path))
        rendered = {"md": markdown}
        if "html" in self.formats:
            rendered["html"] = render_html(report)
        shown_claims = answer.verification.report.claims if answer.verification else []
        claims = shown_claims if self.check_claims else None
        outcome = Outcome(
            path,
            name,
            "refused" if answer.refused else "ok",
            0.0,
            links=len(check.links),
            flagged=None if claims is None else sum(1 for claim in claims if claim.verdict in FLAGGED),
            repairs=len(answer.repairs),
            markers=len(check.markers),
            verdicts=None if claims is None else {v: sum(1 for c in claims if c.verdict == v) for v in VERDICTS},
        )
        return {extension: rendered[extension] for extension in self.formats}, outcome


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def write_rendered(rendered: Rendered, outdir: Path) -> Outcome:
    """Write a rendered report's files, each atomically; a failed write becomes a failed Outcome."""
    outcome = rendered.outcome
    written = []
    try:
        for extension, text in rendered.texts.items():
            target = outdir / f"{outcome.name}.{extension}"
            atomic_write_text(target, text)
            written.append(target)
    except OSError as exc:
        error = f"cannot write {outdir / outcome.name}: {exc.strerror or exc}"
        return replace(outcome, status="failed", error=error, written=written)
    return replace(outcome, written=written)


def make_illustration(source: object, request: ImageRequest, png: Path, seed: int) -> Illustration:
    """The image step, or a one-line note why it did not run. It never fails the report."""
    from rag_answer.image import ImageOptions, Skipped, generate_illustration, resolve_device

    try:
        result = resolve_device(request.device)  # type: ignore[arg-type]
        if not isinstance(result, Skipped):
            if not request.model:
                return Illustration(note="No illustration: no image model given (pass --image-model PATH).")
            options = ImageOptions(model=request.model, device=request.device, steps=request.steps, seed=seed)  # type: ignore[arg-type]
            result = generate_illustration(source, options, png)  # type: ignore[arg-type]
        if isinstance(result, Skipped):  # the image command's flag is --device; here it is --image-device
            return illustration_from(Skipped(result.reason.replace("--device cpu", "--image-device cpu")))
        return illustration_from(result)
    except RagAnswerError as exc:
        return Illustration(note=f"No illustration: the image step failed: {exc.one_line()}")
    except Exception as exc:
        return Illustration(note=f"No illustration: the image step failed: {type(exc).__name__}: {exc}")


def run_batch(
    files: list[Path], runner: ReportRunner, *, progress: bool, on_outcome: Callable[[Outcome], None] | None = None
) -> list[Outcome]:
    outcomes = []
    names = output_names(files)
    with tqdm(total=len(files), file=sys.stderr, disable=not progress, unit="report", desc="reports") as bar:
        for path, name in zip(files, names, strict=True):
            bar.set_postfix_str(path.name[:40])
            outcome = runner.run_one(path, name)
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
            bar.update(1)
    return outcomes


def summary_table(outcomes: list[Outcome]) -> str:
    """One row per prompt: status, links the report's audit checked, flagged claims left in the shown answer
    (misattributed, contradicted or unsupported; "-" when claims were not checked), repairs made before it was
    shown, seconds; then the totals and one line per failure."""
    header = ("file", "status", "links checked", "flagged claims", "repairs", "seconds")

    def number(value: int | None) -> str:
        return "-" if value is None else str(value)

    rows = [
        (str(o.path), o.status, number(o.links), number(o.flagged), number(o.repairs), f"{o.seconds:.1f}")
        for o in outcomes
    ]
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) if rows else len(header[i]) for i in range(6)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [
            cell.rjust(w) if i >= 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    failed = [o for o in outcomes if o.failed]
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in ("ok", "refused", "failed")}
    lines.append("")
    lines.append(f"{len(outcomes)} reports: {counts['ok']} ok, {counts['refused']} refused, {counts['failed']} failed")
    checked = [o for o in outcomes if o.flagged is not None]
    if checked:
        lines.append(f"flagged claims in the shown answers: {sum(o.flagged or 0 for o in checked)}; repairs: "
                     f"{sum(o.repairs or 0 for o in checked)}")  # fmt: skip
    lines.extend(f"failed: {o.path}: {o.error}" for o in failed)
    return "\n".join(lines)
