"""Resumable batches on the local engine (the scripted generator; the real model on Ray: test_report_ray.py):
a rerun skips what is finished with the same inputs and settings and makes the rest, an interrupted run leaves
its finished reports and a summary with the files it did not reach, and the summary lists every file."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag_answer.cli import main
from rag_answer.errors import ModelError
from rag_answer.report import output_names
from rag_answer.report.batch import Outcome
from rag_answer.report.resume import STATE_DIR, report_key, settings_fingerprint
from rag_answer.report.run import local_engine, run_reports
from tests.report.conftest import ROOT


@pytest.fixture
def prompts(example_file: Path, tmp_path: Path) -> list[Path]:
    folder = tmp_path / "prompts"
    folder.mkdir()
    shutil.copy(example_file, folder / "a_good.txt")
    (folder / "b_bad.txt").write_text("this is not a prompt file\n", encoding="utf-8")
    shutil.copy(example_file, folder / "c_good.txt")
    return sorted(folder.iterdir())


class Counting:
    """The local engine, counting the reports it is asked to make."""

    def __init__(self, runner) -> None:
        self.engine = local_engine(runner)
        self.asked: list[str] = []

    def __call__(self, items: list[tuple[Path, str]]) -> Iterator[Outcome]:
        self.asked.extend(name for _, name in items)
        return self.engine(items)


def _run(runner, files, settings, engine=None, **options) -> list[Outcome]:
    fingerprint = settings_fingerprint(settings, runner.formats, runner.check_claims)
    return run_reports(files, runner.outdir, engine or local_engine(runner), engine_name="local",
                       fingerprint=fingerprint, progress=False, **options)  # fmt: skip


def test_a_rerun_skips_finished_reports_and_retries_failed_ones(make_runner, prompts, settings, tmp_path):
    runner = make_runner(outdir=tmp_path / "out")
    first = _run(runner, prompts, settings)
    assert [(o.name, o.status, o.reused) for o in first] == [
        ("a_good", "ok", False), ("b_bad", "failed", False), ("c_good", "ok", False)]  # fmt: skip
    stamps = {path: path.stat().st_mtime_ns for path in (tmp_path / "out").glob("*_good.*")}
    assert len(stamps) == 4
    counting = Counting(runner)
    second = _run(runner, prompts, settings, engine=counting)
    assert counting.asked == ["b_bad"]  # only the failed file is tried again
    assert [(o.name, o.status, o.reused) for o in second] == [
        ("a_good", "ok", True), ("b_bad", "failed", False), ("c_good", "ok", True)]  # fmt: skip
    assert {path: path.stat().st_mtime_ns for path in stamps} == stamps  # not rewritten
    assert second[0].links == first[0].links and second[0].verdicts == first[0].verdicts
    assert second[0].written == first[0].written and second[0].path == prompts[0]


def test_changed_content_settings_missing_report_or_force_make_it_again(make_runner, prompts, settings, tmp_path):
    runner = make_runner(outdir=tmp_path / "out")
    _run(runner, prompts, settings)
    counting = Counting(runner)
    prompts[2].write_text(prompts[2].read_text("utf-8") + "\n", encoding="utf-8")  # new content: new key
    _run(runner, prompts, settings, engine=counting)
    assert counting.asked == ["b_bad", "c_good"]
    (tmp_path / "out" / "a_good.html").unlink()  # a report that is gone is made again
    counting.asked.clear()
    _run(runner, prompts, settings, engine=counting)
    assert counting.asked == ["a_good", "b_bad"]
    counting.asked.clear()
    _run(runner, prompts, settings.model_copy(update={"seed": 8}), engine=counting)  # other settings: all again
    assert counting.asked == ["a_good", "b_bad", "c_good"]
    counting.asked.clear()
    _run(runner, prompts, settings, engine=counting, resume=False)  # --force
    assert counting.asked == ["a_good", "b_bad", "c_good"]


def test_keys_follow_content_name_and_every_setting(prompts, settings):
    base = settings_fingerprint(settings, ("md", "html"), True)
    assert base == settings_fingerprint(settings.model_copy(), ("md", "html"), True)
    others = [settings_fingerprint(settings, ("md",), True), settings_fingerprint(settings, ("md", "html"), False)]
    for change in ({"seed": 1}, {"temperature": 0.5}, {"max_tokens": 99}, {"threads": 3}, {"top_k": 2},
                   {"model": "qwen2.5-coder-0.5b"}, {"judge_model": "qwen2.5-coder-0.5b"}, {"embedder": "x"}):  # fmt: skip
        others.append(settings_fingerprint(settings.model_copy(update=change), ("md", "html"), True))
    assert len({base, *others}) == len(others) + 1
    key = report_key(prompts[0], "a_good", base)
    assert key == report_key(prompts[0], "a_good", base)
    assert len({key, report_key(prompts[0], "a_good-2", base), report_key(prompts[2], "a_good", base)}) == 3
    assert report_key(prompts[0].parent / "absent.txt", "absent", base) is None


def test_an_interrupted_run_keeps_what_it_finished_and_lists_the_rest_as_pending(make_runner, prompts, settings,
                                                                                   tmp_path):  # fmt: skip
    runner = make_runner(outdir=tmp_path / "out")
    engine = local_engine(runner)

    def interrupted(items):
        made = engine(items)
        yield next(made)
        raise KeyboardInterrupt  # Ctrl-C while the second file is in flight

    with pytest.raises(KeyboardInterrupt):
        _run(runner, prompts, settings, engine=interrupted)
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert [(row["name"], row["status"]) for row in summary["rows"]] == [
        ("a_good", "ok"), ("b_bad", "pending"), ("c_good", "pending")]  # fmt: skip
    assert sorted(p.name for p in (out / STATE_DIR).iterdir()) == ["a_good.json"]
    assert not list(out.glob(".*.tmp"))
    counting = Counting(runner)
    again = _run(runner, prompts, settings, engine=counting)
    assert counting.asked == ["b_bad", "c_good"]
    assert [(o.status, o.reused) for o in again] == [("ok", True), ("failed", False), ("ok", False)]


def test_summary_files_list_every_prompt_with_its_audit(make_runner, prompts, settings, tmp_path):
    out = tmp_path / "out"
    outcomes = _run(make_runner(outdir=out), prompts, settings)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["engine"] == "local" and summary["files"] == 3
    assert summary["counts"] == {"ok": 2, "refused": 0, "failed": 1, "pending": 0}
    good, bad, _ = summary["rows"]
    assert good["reports"] == ["a_good.md", "a_good.html"] and good["links"] == outcomes[0].links > 0
    assert good["markers"] == outcomes[0].markers > 0 and good["flagged"] == 0 and good["supported"] > 0
    assert bad["status"] == "failed" and "no entries found" in bad["error"] and bad["links"] is None
    rows = list(csv.DictReader((out / "summary.csv").open(encoding="utf-8")))
    assert [row["name"] for row in rows] == ["a_good", "b_bad", "c_good"]
    assert rows[0]["supported"] == str(good["supported"]) and rows[1]["supported"] == ""
    assert rows[0]["reports"] == "a_good.md a_good.html" and rows[1]["error"] == bad["error"]
    page = (out / "index.html").read_text("utf-8")
    assert '<a href="a_good.html">a_good.html</a>' in page and '<tr class="failed">' in page
    assert "3 prompt files: 2 ok, 0 refused, 1 failed, 0 pending" in page
    assert "no entries found (expected &#x27;Model: &lt;title&gt;&#x27;" in page  # escaped


def test_a_prompt_file_named_index_does_not_replace_the_summary_page(tmp_path):
    assert output_names([Path("a/index.txt"), Path("b/index.md"), Path("summary.txt")]) == [
        "index-2", "index-3", "summary"]  # fmt: skip


def test_cli_rerun_keeps_reports_and_says_so(monkeypatch, make_fake, example_file, tmp_path, capsys):
    import rag_answer.commands.report as report_command

    monkeypatch.setattr(report_command, "load_generator", lambda settings: make_fake())
    out = tmp_path / "out"
    args = ["report", str(example_file), "-o", str(out), "--format", "md", "--no-claims", "--quiet"]
    assert main(args) == 0
    assert f"wrote {out / example_file.stem}.md" in capsys.readouterr().err

    def no_model(settings):
        raise ModelError("no such model file or preset", path=settings.model)

    monkeypatch.setattr(report_command, "load_generator", no_model)  # all made: the models are not even loaded
    assert main(args) == 0
    captured = capsys.readouterr()
    assert f"kept {out / example_file.stem}.md" in captured.err and "1 reports: 1 ok" in captured.out
    monkeypatch.setattr(report_command, "load_generator", lambda settings: make_fake())
    assert main([*args, "--force"]) == 0
    assert f"wrote {out / example_file.stem}.md" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "2"], "--ray-address and --workers need --engine ray"),
        (["--engine", "ray", "--workers", "0"], "--workers must be at least 1"),
        (["--engine", "ray", "--image"], "--image is not available with --engine ray"),
    ],
)
def test_engine_flags_are_checked_before_anything_runs(example_file, tmp_path, capsys, extra, message):
    assert main(["report", str(example_file), "-o", str(tmp_path / "out"), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_without_ray_the_ray_engine_says_what_to_install(monkeypatch):
    from rag_answer.errors import ConfigError
    from rag_answer.report.ray_engine import _import_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'rag-answer\[ray\]'"):
        _import_ray()


def test_ray_is_imported_only_by_the_ray_engine():
    code = ("import sys; from rag_answer.cli import build_parser; build_parser(); import rag_answer.report.run; "
            "print(sorted(name for name in sys.modules if name == 'ray' or name.startswith('ray.')))")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"
    loaded = code.replace("import rag_answer.report.run;", "import rag_answer.report.ray_engine as r; r._import_ray();")
    result = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, env=env, check=True)
    assert "'ray'" in result.stdout  # the check can see Ray when it is imported


def test_a_model_that_cannot_load_exits_2_and_writes_nothing(monkeypatch, example_file, tmp_path, capsys):
    import rag_answer.commands.report as report_command

    def no_model(settings):
        raise ModelError("no such model file or preset", path="nope.gguf")

    monkeypatch.setattr(report_command, "load_generator", no_model)
    assert main(["report", str(example_file), "-o", str(tmp_path / "out"), "--quiet"]) == 2
    assert "no such model file or preset" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
