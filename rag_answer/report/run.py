"""A resumable batch of reports: skip what an earlier run finished, run the rest on an engine, record each
report as it is written, and leave the run summary in OUTDIR even when the run is interrupted.

An engine takes the (prompt file, output name) pairs still to make and yields one written Outcome per pair,
in any order, as each completes: the local engine runs them one after another in this process; the Ray engine
(report/ray_engine.py) on an actor pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from rag_answer.report.batch import Outcome, ReportRunner, output_names
from rag_answer.report.progress import Progress
from rag_answer.report.resume import RunState, report_key
from rag_answer.report.summary import write_summary

Engine = Callable[[list[tuple[Path, str]]], Iterator[Outcome]]


def local_engine(runner: ReportRunner) -> Engine:
    def run(items: list[tuple[Path, str]]) -> Iterator[Outcome]:
        for path, name in items:
            yield runner.run_one(path, name)

    return run


def run_reports(
    files: list[Path],
    outdir: Path,
    engine: Engine,
    *,
    engine_name: str,
    fingerprint: str,
    progress: bool,
    resume: bool = True,
) -> list[Outcome]:
    """Outcomes in input order; files not reached (an interrupted run) are 'pending' in the summary."""
    names = output_names(files)
    keys = {name: report_key(path, name, fingerprint) for path, name in zip(files, names, strict=True)}
    state = RunState(outdir)
    outcomes: dict[str, Outcome] = {}
    for path, name in zip(files, names, strict=True):
        key = keys[name]
        earlier = state.finished(name, key) if resume and key else None
        if earlier is not None:
            outcomes[name] = replace(earlier, path=path)
    todo = [(path, name) for path, name in zip(files, names, strict=True) if name not in outcomes]
    bar = Progress(len(files), len(outcomes), enabled=progress)
    made = engine(todo) if todo else iter(())
    try:
        for outcome in made:
            outcomes[outcome.name] = outcome
            key = keys[outcome.name]
            if not outcome.failed and key:
                state.record(outcome, key)
            bar.advance()
    finally:
        close = getattr(made, "close", None)
        if close:
            close()  # lets the engine shut its workers down, also when interrupted
        bar.close()
        pairs = zip(files, names, strict=True)
        final = [outcomes.get(name) or Outcome(path, name, "pending", 0.0) for path, name in pairs]
        if outcomes:  # a run that made nothing (models failed to load, Ctrl-C at start-up) leaves OUTDIR alone
            write_summary(outdir, final, engine_name)
    return final
