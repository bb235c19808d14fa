"""One report from the real 0.5B model on the example: Markdown and HTML written, both pass the audit."""

from __future__ import annotations

import pytest

from rag_answer.cli import main
from rag_answer.report import ReportRunner

pytestmark = pytest.mark.llm


def test_real_model_report_on_the_example_passes_its_audit(small_llm, test_settings, real_embedder, example_file,
                                                           tmp_path, capsys):  # fmt: skip
    runner = ReportRunner(test_settings, real_embedder, small_llm, tmp_path, ("md", "html"))
    outcome = runner.run_one(example_file, "example")
    assert outcome.status in ("ok", "refused"), outcome.error
    markdown = (tmp_path / "example.md").read_text("utf-8")
    assert (tmp_path / "example.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert small_llm.model_sha256 in markdown and "## Appendix A. Citation audit" in markdown
    if outcome.status == "ok":
        assert "### 2. Workflow" in markdown and "### Sources" in markdown
    assert main(["audit", str(tmp_path / "example.md"), "--sources", str(example_file)]) == 0
    capsys.readouterr()
