"""The Ray engine on the real 0.5B model, in local mode: three prompt files and a bad one give the same report
bytes as the local engine (timings aside), the bad file is an error row, an interrupted run (Ctrl-C) keeps what
it finished and the next run makes only the rest, and no Ray process outlives a run.

The prompt files are three of tests/data/prompts cut to their recommended model and first paper, so that the
real model makes a checked report in seconds on two shared cores."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag_answer.report import strip_timings
from rag_answer.report.resume import STATE_DIR
from tests.conftest import SMALL_PRESET
from tests.report.conftest import ROOT, TEST_PROMPTS

pytestmark = pytest.mark.llm

GOOD = ("005_podcast-transcription-whisper", "014_chatbot-thumbs-feedback-dpo", "018_climate-cloud-emulator")
FLAGS = ["--model", SMALL_PRESET, "--threads", "1", "--seed", "0", "--temperature", "0", "--max-tokens", "200",
         "--quiet"]  # fmt: skip
_HTML_TIMINGS = re.compile(r'<section class="timings">.*?</section>', re.DOTALL)


@pytest.fixture(scope="module")
def prompt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("prompts")
    for stem in GOOD:
        head, related = (TEST_PROMPTS / f"{stem}.txt").read_text("utf-8").split("### Related Papers:\n", 1)
        first_paper = next(block for block in related.split("\n\n") if block.startswith("Model:"))
        (folder / f"{stem}.txt").write_text(f"{head}### Related Papers:\n{first_paper}\n\n\nAnswer:\n", "utf-8")
    (folder / "b_bad.txt").write_text("this is not a prompt file\n", encoding="utf-8")
    return folder


@pytest.fixture
def ray_tmp() -> Iterator[Path]:
    """A private, short Ray temp dir (Ray's socket paths must stay under 107 characters)."""
    folder = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _env(session_home: Path, ray_tmp: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_ANSWER_HOME": str(session_home)}
    if ray_tmp is not None:
        env["RAY_TMPDIR"] = str(ray_tmp)
    return env


def _command(prompt_dir: Path, out: Path, *engine: str) -> list[str]:
    return [sys.executable, "-m", "rag_answer", "report", str(prompt_dir), "-o", str(out), *FLAGS, *engine]


def _ray_processes(ray_tmp: Path) -> list[str]:
    """Processes whose command line names this run's Ray temp dir (raylet, GCS, workers)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(ray_tmp) in text and "pytest" not in text:
            found.append(text[:120])
    return found


def _compare(local: Path, ray: Path, stems: tuple[str, ...] = GOOD) -> None:
    for stem in stems:
        markdown = (local / f"{stem}.md").read_text("utf-8")
        assert strip_timings(markdown) == strip_timings((ray / f"{stem}.md").read_text("utf-8")), stem
        assert "[@" in markdown and "## Timings" in markdown  # a real, cited report, and timings were stripped
        page = (local / f"{stem}.html").read_text("utf-8")
        assert _HTML_TIMINGS.sub("", page) == _HTML_TIMINGS.sub("", (ray / f"{stem}.html").read_text("utf-8"))
        assert _HTML_TIMINGS.search(page)


def _rows(out: Path) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads((out / "summary.json").read_text("utf-8"))["rows"]}


@pytest.fixture(scope="module")
def local_reports(prompt_dir: Path, session_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    result = subprocess.run(_command(prompt_dir, out), env=_env(session_home), capture_output=True, text=True)
    assert result.returncode == 1, result.stderr  # the bad file fails; the others are written
    return out


def test_ray_reports_are_the_local_engine_bytes_and_the_bad_file_is_an_error_row(
    prompt_dir, local_reports, session_home, ray_tmp, tmp_path
):
    out = tmp_path / "ray"
    command = _command(prompt_dir, out, "--engine", "ray", "--workers", "2")
    result = subprocess.run(command, env=_env(session_home, ray_tmp), capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr
    _compare(local_reports, out)
    rows, local_rows = _rows(out), _rows(local_reports)
    assert [rows[stem]["status"] for stem in GOOD] == ["ok", "ok", "ok"]
    assert rows["b_bad"]["status"] == "failed" and rows["b_bad"]["error"] == local_rows["b_bad"]["error"]
    assert "no entries found" in rows["b_bad"]["error"]
    audit_columns = ("links", "markers", "supported", "weak", "unsupported", "flagged", "repairs", "reports")
    for stem in GOOD:
        assert rows[stem]["links"] > 0 and rows[stem]["supported"] > 0
        assert {key: rows[stem][key] for key in audit_columns} == {key: local_rows[stem][key] for key in audit_columns}
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["engine"] == "ray" and summary["counts"] == {"ok": 3, "refused": 0, "failed": 1, "pending": 0}
    assert "4 reports: 3 ok, 0 refused, 1 failed" in result.stdout
    assert _ray_processes(ray_tmp) == []  # ray.shutdown() stopped the local instance and its workers


def test_an_interrupted_ray_run_is_finished_by_the_next_run(prompt_dir, local_reports, session_home, ray_tmp, tmp_path):
    out = tmp_path / "ray"
    command = _command(prompt_dir, out, "--engine", "ray", "--workers", "1")
    env = _env(session_home, ray_tmp)
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not list((out / STATE_DIR).glob("*.json")):
        assert run.poll() is None and time.monotonic() < deadline, "no report was finished"
        time.sleep(0.2)
    assert _ray_processes(ray_tmp)  # Ray is running, and the check can see it
    run.send_signal(signal.SIGINT)  # Ctrl-C with a file in flight
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert "rag-answer: interrupted" in err
    rows = _rows(out)
    finished = {name for name, row in rows.items() if row["status"] == "ok"}
    assert finished and rows.keys() - finished  # some made, some pending
    assert {rows[name]["status"] for name in rows.keys() - finished} == {"pending"}
    assert {path.stem for path in (out / STATE_DIR).glob("*.json")} == finished
    assert not list(out.glob(".*.tmp"))  # nothing half-written
    assert _ray_processes(ray_tmp) == []
    stamps = {name: (out / f"{name}.md").stat().st_mtime_ns for name in finished}

    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr
    rows = _rows(out)
    assert {name for name, row in rows.items() if row["reused"]} == finished
    assert [rows[stem]["status"] for stem in GOOD] == ["ok", "ok", "ok"] and rows["b_bad"]["status"] == "failed"
    assert {name: (out / f"{name}.md").stat().st_mtime_ns for name in finished} == stamps  # kept, not made again
    _compare(local_reports, out)
    assert _ray_processes(ray_tmp) == []


def test_a_worker_that_cannot_load_its_models_fails_the_run_in_one_line(prompt_dir, session_home, ray_tmp, tmp_path):
    out = tmp_path / "ray"
    command = [*_command(prompt_dir, out, "--engine", "ray", "--workers", "1"), "--embedder", str(tmp_path / "none")]
    result = subprocess.run(command, env=_env(session_home, ray_tmp), capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("rag-answer: error:")]
    assert len(error) == 1 and "the Ray run failed: " in error[0], result.stderr[-2000:]
    assert "not a sentence-transformers model folder" in error[0]  # the worker's own error, not Ray's wrapper
    assert "Traceback" not in result.stderr
    assert not out.exists()  # nothing was made: no summary either
    assert _ray_processes(ray_tmp) == []
