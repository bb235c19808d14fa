"""Batch runs: determinism, failure isolation, atomic outputs, the summary table, progress and exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rag_answer.commands.report as report_command
from rag_answer.cli import main
from rag_answer.errors import ModelError
from rag_answer.report import output_names, parse_formats, strip_timings
from rag_answer.report.batch import ImageRequest, make_illustration
from rag_answer.report.build import Illustration
from rag_answer.sources import expand_paths as expand_inputs
from tests.report.conftest import entry_script


def test_same_inputs_and_seed_give_identical_markdown_apart_from_timings(make_runner, example_file, tmp_path):
    """With the fake generator (the real model's reproducibility: test_report_llm.py)."""
    first = make_runner(outdir=tmp_path / "a").run_one(example_file, "r")
    second = make_runner(outdir=tmp_path / "b").run_one(example_file, "r")
    assert first.status == second.status == "ok", (first.error, second.error)
    one = (tmp_path / "a" / "r.md").read_text("utf-8")
    two = (tmp_path / "b" / "r.md").read_text("utf-8")
    assert "HAM10000, DermNet and ISIC Atlas [@the-skin-game]." in one  # the scripted answer, not an empty report
    assert strip_timings(one) == strip_timings(two)
    assert "## Timings" not in strip_timings(one) and len(strip_timings(one)) < len(one)
    # the html carries the same content (timings aside)
    assert (tmp_path / "a" / "r.html").read_text("utf-8").split("Timings")[0] == (
        (tmp_path / "b" / "r.html").read_text("utf-8").split("Timings")[0]
    )


def test_a_different_seed_or_answer_changes_the_markdown(make_runner, make_fake, example_file, settings, tmp_path):
    make_runner(outdir=tmp_path / "a").run_one(example_file, "r")
    other = make_fake(entry_script(task="The user wants to learn what data gives generated portraits fine skin."))
    make_runner(generator=other, outdir=tmp_path / "b").run_one(example_file, "r")
    settings.seed = 8
    make_runner(outdir=tmp_path / "c").run_one(example_file, "r")
    one, two, three = ((tmp_path / d / "r.md").read_text("utf-8") for d in ("a", "b", "c"))
    assert strip_timings(one) != strip_timings(two)
    assert strip_timings(one) != strip_timings(three) and "| `seed` | `8` |" in three


def _folder(tmp_path: Path, example: Path) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir()
    shutil.copy(example, folder / "a_good.txt")
    (folder / "b_bad.txt").write_text("this is not a prompt file\n", encoding="utf-8")
    shutil.copy(example, folder / "c_model_error.txt")
    (folder / ".hidden.txt").write_text("ignored", encoding="utf-8")
    return folder


def test_batch_over_a_folder_isolates_failures_and_exits_1(monkeypatch, make_fake, example_file, tmp_path, capsys):
    folder = _folder(tmp_path, example_file)
    answered: list[str] = []
    scripted = entry_script()

    def script(prefix: str, suffix: str) -> str:
        if "what is the user trying to do" in suffix:
            answered.append(suffix)
            if len(answered) == 2:  # the second answered prompt: c_model_error.txt
                raise ModelError("prompt plus answer exceed the context of 4096")
        return scripted(prefix, suffix)

    monkeypatch.setattr(report_command, "load_generator", lambda settings: make_fake(script))
    out = tmp_path / "out"
    code = main(["report", str(folder), str(tmp_path / "missing.txt"), "-o", str(out), "--no-claims", "--quiet"])
    captured = capsys.readouterr()
    assert code == 1
    # the reports, the run summary and the resume records; nothing of the failed files
    assert sorted(p.name for p in out.iterdir()) == [".rag-answer-state", "a_good.html", "a_good.md", "index.html",
                                                     "summary.csv", "summary.json"]  # fmt: skip
    table = captured.out
    for name, status in (("a_good.txt", "ok"), ("b_bad.txt", "failed"), ("c_model_error.txt", "failed"),
                         ("missing.txt", "failed")):  # fmt: skip
        row = next(line for line in table.splitlines() if line.split()[0].endswith(name))
        assert row.split()[1] == status, row
    assert "4 reports: 1 ok, 0 refused, 3 failed" in table
    assert "exceed the context" in table and "no such file" in table
    header = table.splitlines()[0].split()
    assert header[:2] == ["file", "status"] and "links checked" in table and "flagged claims" in table
    good = next(line for line in table.splitlines() if line.split()[0].endswith("a_good.txt")).split()
    assert good[3] == "-"  # --no-claims: flagged claims not counted, not "0"
    assert "reports:" not in captured.err  # --quiet: no progress bar
    assert ".hidden" not in table


def test_batch_all_ok_exits_0_shows_progress_and_writes_only_md(monkeypatch, make_fake, example_file, tmp_path, capsys):
    monkeypatch.setattr(report_command, "load_generator", lambda settings: make_fake())
    out = tmp_path / "out"
    code = main(["report", str(example_file), "-o", str(out), "--format", "md", "--no-claims"])
    captured = capsys.readouterr()
    assert code == 0
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    assert files == [f"{example_file.stem}.md", "index.html", "summary.csv", "summary.json"]
    assert "reports: 1/1 files 100%" in captured.err and "files/min, ETA 0:00" in captured.err  # the bar on stderr
    assert "1 reports: 1 ok, 0 refused, 0 failed" in captured.out


def test_nothing_is_half_written_when_rendering_fails(monkeypatch, make_runner, example_file, tmp_path):
    import rag_answer.report.batch as batch

    out = tmp_path / "out"
    out.mkdir()
    (out / "r.md").write_text("previous report\n", encoding="utf-8")

    def broken(report):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(batch, "render_html", broken)
    outcome = make_runner(outdir=out).run_one(example_file, "r")
    assert outcome.failed and "renderer crashed" in (outcome.error or "")
    assert (out / "r.md").read_text("utf-8") == "previous report\n"  # neither replaced nor truncated
    assert sorted(p.name for p in out.iterdir()) == ["r.md"]  # no html, no temp files


def test_a_report_failing_its_own_audit_is_not_written(monkeypatch, make_runner, example_file, tmp_path):
    import rag_answer.report.batch as batch

    real = batch.render_markdown
    monkeypatch.setattr(batch, "render_markdown", lambda report: real(report) + "\nsee https://evil.io/x\n")
    outcome = make_runner(outdir=tmp_path / "out").run_one(example_file, "r")
    assert outcome.failed and "fails its own audit" in (outcome.error or "")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_inputs_formats_and_names(tmp_path):
    (tmp_path / "d").mkdir()
    for name in ("b.txt", "a.txt", ".x"):
        (tmp_path / "d" / name).write_text("x")
    files = expand_inputs([tmp_path / "d", tmp_path / "z" / "a.txt"])
    assert [p.name for p in files] == ["a.txt", "b.txt", "a.txt"]
    assert output_names(files) == ["a", "b", "a-2"]
    assert parse_formats("md, html,md") == ("md", "html")
    with pytest.raises(Exception, match="unknown format"):
        parse_formats("pdf")


def test_image_step_notes_why_not(monkeypatch, example_file, tmp_path):
    import rag_answer.image as image
    from rag_answer.image import Skipped

    monkeypatch.setattr(image, "resolve_device", lambda device: Skipped(image.NO_GPU_REASON))
    note = make_illustration(object(), ImageRequest("model.safetensors"), tmp_path / "x.png", 0).note
    assert note.startswith("No illustration: no CUDA GPU") and "--image-device cpu" in note
    import rag_answer.image.generate as generate

    monkeypatch.setattr(image, "resolve_device", lambda device: "cuda")
    monkeypatch.setattr(generate, "resolve_device", lambda device: "cuda")
    assert "no image model given" in make_illustration(object(), ImageRequest(None), tmp_path / "x.png", 0).note
    failed = make_illustration(object(), ImageRequest(str(tmp_path / "absent.safetensors")), tmp_path / "x.png", 0)
    assert failed.note.startswith("No illustration: the image step failed") and failed.png is None


PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def test_illustration_is_inlined_in_html_and_named_in_markdown(make_runner, example_file, tmp_path):
    def illustrate(source, request, png, seed):
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(PNG_1PX)
        return Illustration("Illustration written to r.png next to this report.", PNG_1PX, png.name,
                            "a portrait, see https://evil.io", {"seed": seed, "steps": 2})  # fmt: skip

    runner = make_runner(outdir=tmp_path / "out", image=ImageRequest("m"), illustrate=illustrate)
    outcome = runner.run_one(example_file, "r")
    assert outcome.status == "ok", outcome.error
    markdown = (tmp_path / "out" / "r.md").read_text("utf-8")
    page = (tmp_path / "out" / "r.html").read_text("utf-8")
    assert "## Illustration" in markdown and "`r.png`" in markdown and "evil[.]io" in markdown
    assert 'src="data:image/png;base64,' in page


def test_every_test_prompt_gives_a_report_that_passes_its_own_audit(make_runner, tmp_path):
    from rag_answer.audit import audit
    from rag_answer.report import run_batch
    from rag_answer.sources import load_source

    folder = Path(__file__).resolve().parents[1] / "data" / "prompts"
    # the adversarial files and the odd formats (CRLF, blank lines and trailing tabs, Paper: None, raw LaTeX)
    files = [f for f in expand_inputs([folder]) if f.name.startswith(("adv_", "005_", "012_", "014_", "019_"))]
    assert len(files) == 7
    outcomes = run_batch(files, make_runner(outdir=tmp_path / "out", formats=("md",)), progress=False)
    assert [o.error for o in outcomes if o.failed] == []
    for outcome in outcomes:
        markdown = (tmp_path / "out" / f"{outcome.name}.md").read_text("utf-8")
        assert audit(markdown, load_source(outcome.path).entries, claims=False).clean(), outcome.name


MOVED_FACT = ("Offers: a dataset of 4D textured scans of close human interaction.\n"
              "Answer: DINOv2 reaches macro F1 scores of 0.85 on HAM10000 and 0.84 on ISIC Atlas.")  # fmt: skip


def test_summary_counts_flagged_claims_and_repairs(monkeypatch, make_runner, make_fake, readings, example_file,
                                                   tmp_path):  # fmt: skip
    from rag_answer.answer.stages import Answerer
    from rag_answer.report import summary_table

    readings["Hi4D"] = MOVED_FACT  # Hi4D's reading carries the Skin Game's figures
    generator = make_fake(entry_script(readings))
    repaired = make_runner(generator=generator, outdir=tmp_path / "a").run_one(example_file, "r")
    # the pipeline's claim check removed the sentence before it was shown, nothing flagged; the other repairs are
    # part 2 answered by an entry's own sentence and two own sentences added (the fake judge says yes to all)
    assert (repaired.status, repaired.flagged, repaired.repairs) == ("ok", 0, 4), repaired.error
    # a claim check that lets it through: the shown answer holds a misattributed claim, and the summary counts it
    monkeypatch.setattr(Answerer, "_check_part", lambda self, items, *args: items)
    shown = make_runner(generator=make_fake(entry_script(readings)), outdir=tmp_path / "b").run_one(example_file, "r")
    assert (shown.status, shown.flagged, shown.repairs) == ("ok", 1, 3), shown.error
    table = summary_table([repaired, shown])
    rows = [line.split() for line in table.splitlines()[2:4]]
    assert [row[3:5] for row in rows] == [["0", "4"], ["1", "3"]]
    assert "flagged claims in the shown answers: 1; repairs: 7" in table
