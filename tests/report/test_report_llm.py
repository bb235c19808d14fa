"""Reports from the real 0.5B model with claims checked: on the example and on another field's prompt file
(background removal). Every assertion holds unconditionally: the answer is not a refusal, every part is there
in order with the diagram, every entry has an item, every link is supplied, every claim of the shown answer
was judged and none is flagged, the repairs are listed, and a second run gives the same bytes (timings aside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag_answer.audit.claims import FLAGGED, VERDICTS
from rag_answer.audit.links import extract_links
from rag_answer.citations import MARKER_PATTERN, is_program_sentence
from rag_answer.report import Outcome, ReportRunner, strip_timings
from rag_answer.sources import load_source
from tests.report.conftest import TEST_PROMPTS

pytestmark = pytest.mark.llm

OTHER_FIELD = TEST_PROMPTS / "002_background-removal-u2net.txt"
HEADINGS = (
    "## Audited answer",
    "### 1. Task",
    "### 2. Answer",
    "### 3. Workflow (input -> model -> output)",
    "### 4. Relevant papers and tools",
    "## Appendix A. Citation audit",
    "## Appendix B. Evidence record",
    "## Timings",
)
_SUMMARY = re.compile(
    r"Claims: (\d+) judged \(" + ", ".join(rf"(\d+) {verdict}" for verdict in VERDICTS) + r"\)\. "
    r"Repairs before the answer was shown: (\d+) \((\d+) removed by the claim check, (\d+) other\)\."
)


def _part(markdown: str, heading: str) -> str:
    return markdown.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]


def _rows(section: str) -> list[list[str]]:
    lines = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    return [line.split(" | ") for line in lines if not line.startswith("|---")]


def check_report(markdown: str, page: str, path: Path, outcome: Outcome, model_sha256: str) -> None:
    """The structure of a real-model report with claims checked (no branch: every line must hold)."""
    source = load_source(path)
    assert outcome.status == "ok", outcome.error
    places = [markdown.index(f"\n{heading}\n") for heading in HEADINGS]
    assert places == sorted(places)
    assert _part(markdown, "### 1. Task").startswith("The user wants to ")
    # the direct answer: cited sentences (each ends with its marker) or the program's gap and fit notes
    direct = _part(markdown, "### 2. Answer").strip()
    sentences = re.split(r"(?<=\]\.)\s+|(?<=\")\s+(?=The )", direct)
    name_only = re.compile(r"The recommended model .+ \[@[a-z0-9-]+\] is known only by its name, which states .+\.")
    assert direct and all(re.search(r" \[@[a-z0-9-]+\]\.$", s) or is_program_sentence(s) or name_only.fullmatch(s)
                          for s in sentences), direct  # fmt: skip
    # the workflow names the recommended model, and the diagram draws it with the model's supplied title
    model = next(entry for entry in source.entries if entry.kind == "model")
    workflow = _part(markdown, "### 3. Workflow (input -> model -> output)")
    assert f"[@{model.id}]" in workflow and model.title in workflow, workflow
    # a diagram is drawn exactly when the workflow has an input -> model -> output line (a name that states
    # neither gets a sentence saying so, and no diagram)
    drawn = bool(re.match(rf"- Input: .+ -> Model: {re.escape(model.title)} \[@{model.id}\] -> Output: .+\.\n", workflow))
    assert (f'model1["Model: {model.title}"]' in markdown) is drawn
    assert ("```mermaid\nflowchart LR\n" in markdown) is drawn
    # every supplied entry gets an item, once, with its supplied links; every link in the report is supplied
    items = _part(markdown, "### 4. Relevant papers and tools").splitlines()
    assert sorted(MARKER_PATTERN.match(item[2:]).group(1) for item in items) == sorted(e.id for e in source.entries)
    assert {link.url for link in extract_links(markdown)} == set(source.links)
    cited = set(MARKER_PATTERN.findall(markdown.split("## Audited answer", 1)[1].split("\n## Appendix A", 1)[0]))
    assert cited <= {entry.id for entry in source.entries} and "\n### Sources\n" not in markdown  # part 4 only
    # claims were checked: the summary counts add up to the table's rows, none of the shown answer is flagged
    summary = _SUMMARY.search(markdown)
    assert summary is not None, "claims were not checked"
    judged, *counts = (int(value) for value in summary.groups()[: 1 + len(VERDICTS)])
    repairs, removed, other = (int(value) for value in summary.groups()[1 + len(VERDICTS) :])
    claims = _rows(markdown.split("### Claims\n", 1)[1].split("### Repairs\n", 1)[0])
    assert judged == sum(counts) == len(claims) and all(row[1].strip("*") in VERDICTS for row in claims)
    assert outcome.flagged == 0 and not any(row[1].strip("*") in FLAGGED for row in claims)
    # the repairs: one row per sentence the claim check removed, each flagged; none of them is in the answer
    assert outcome.repairs == repairs == removed + other
    repaired = _rows(markdown.split("### Repairs\n", 1)[1].split("## Appendix B", 1)[0])
    assert len(repaired) == removed and all(row[3].strip("*") in FLAGGED for row in repaired)
    answer = markdown.split("## Appendix A", 1)[0]
    assert not any(row[5].strip("`") and row[5].strip("`") in answer for row in repaired)
    assert model_sha256 in markdown
    assert page.startswith("<!DOCTYPE html>") and page.count('<section class="direct-answer">') == 1
    assert ("<svg" in page) is drawn  # the HTML diagram, exactly when a workflow line is drawn


def _run(small_llm, settings, embedder, path: Path, outdir: Path) -> tuple[str, str, Outcome]:
    outcome = ReportRunner(settings, embedder, small_llm, outdir, ("md", "html")).run_one(path, path.stem)
    return (outdir / f"{path.stem}.md").read_text("utf-8"), (outdir / f"{path.stem}.html").read_text("utf-8"), outcome


def test_real_model_report_on_another_field_is_complete_checked_and_reproducible(
    small_llm, test_settings, real_embedder, tmp_path
):
    markdown, page, outcome = _run(small_llm, test_settings, real_embedder, OTHER_FIELD, tmp_path / "a")
    check_report(markdown, page, OTHER_FIELD, outcome, small_llm.model_sha256)
    again, _, second = _run(small_llm, test_settings, real_embedder, OTHER_FIELD, tmp_path / "b")
    assert second.status == "ok"
    assert strip_timings(again) == strip_timings(markdown)  # same inputs, model and seed: same bytes
    assert "## Timings" in markdown and "## Timings" not in strip_timings(markdown)


def test_real_model_report_on_the_example_passes_its_audit(small_llm, test_settings, real_embedder, example_file,
                                                           tmp_path):  # fmt: skip
    markdown, page, outcome = _run(small_llm, test_settings, real_embedder, example_file, tmp_path)
    check_report(markdown, page, example_file, outcome, small_llm.model_sha256)
    # the direct answer cites the most relevant entry, the one about training data
    assert "[@the-skin-game]." in _part(markdown, "### 2. Answer")
