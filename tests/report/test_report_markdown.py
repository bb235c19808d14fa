"""The Markdown report: contents, links, diagram text, evidence, hostile inputs, and the audit CLI on it."""

from __future__ import annotations

from pathlib import Path

from rag_answer.audit import audit
from rag_answer.audit.links import extract_links, scan_text
from rag_answer.citations import REFUSAL_PHRASE
from rag_answer.cli import main
from rag_answer.embedder import get_embedder
from rag_answer.entries import Entry, Origin
from rag_answer.prompts import load_template
from rag_answer.report import autolink_supplied, mermaid, parse_flows, strip_timings
from rag_answer.report.text import md_code, md_text
from rag_answer.sources import load_source


def _report(make_runner, path: Path, tmp_path: Path, **options) -> tuple[str, object]:
    runner = make_runner(outdir=tmp_path / "out", **options)
    outcome = runner.run_one(path, path.stem)
    assert outcome.status in ("ok", "refused"), outcome.error
    return (tmp_path / "out" / f"{path.stem}.md").read_text("utf-8"), outcome


def test_report_holds_the_three_parts_diagram_sources_appendix_and_evidence(make_runner, example_file, tmp_path):
    markdown, outcome = _report(make_runner, example_file, tmp_path)
    source = load_source(example_file)
    assert source.question and source.question[:60] in markdown
    for heading in (
        "### 1. Task",
        "### 2. Workflow (input -> model -> output)",
        "### 3. Relevant papers and tools",
        "### Sources",
        "## Appendix A. Citation audit",
        "## Appendix B. Evidence record",
        "## Timings",
    ):
        assert f"\n{heading}\n" in markdown, heading
    assert "```mermaid\nflowchart LR\n" in markdown
    assert "[@txt2img-stablediffusionv1]" in markdown
    # supplied links are autolinks; every link in the whole report is a supplied one
    assert "GitHub: <https://github.com/Kameronski/stable-diffusion-1.5>" in markdown
    assert audit(markdown, source.entries, claims=False).clean()
    assert outcome.links and outcome.links >= 4
    # evidence: entry content hashes, model and embedder hashes, template hashes, sampling and versions
    for entry in source.entries:
        assert f"| `{entry.id}` | {entry.kind} | `{entry.content_hash()}` |" in markdown
    assert "`" + "0" * 64 + "`" in markdown  # the fake model's SHA-256
    assert get_embedder().weights_sha256 in markdown
    assert load_template("answer_system").sha256 in markdown
    assert load_template("answer_question").sha256 in markdown
    assert "| `seed` | `7` |" in markdown and "| `temperature` | `0.0` |" in markdown
    assert source.source_id in markdown
    assert markdown.index("## Timings") > markdown.index("## Appendix B")  # timings come last


def test_audit_cli_passes_the_report_and_catches_a_hand_edited_link(make_runner, example_file, tmp_path, capsys):
    markdown, _ = _report(make_runner, example_file, tmp_path)
    report = tmp_path / "out" / f"{example_file.stem}.md"
    assert main(["audit", str(report), "--sources", str(example_file), "--no-claims"]) == 0
    edited = tmp_path / "edited.md"
    edited.write_text(markdown.replace("github.com/Kameronski/stable-diffusion-1.5", "github.com/evil/stable", 1))
    assert main(["audit", str(edited), "--sources", str(example_file), "--no-claims"]) == 1
    added = tmp_path / "added.md"
    added.write_text(markdown.replace("## Appendix A", "See also http://evil.example.org/x.\n\n## Appendix A", 1))
    assert main(["audit", str(added), "--sources", str(example_file), "--no-claims"]) == 1
    capsys.readouterr()


def test_code_spans_are_audited_so_rejected_links_must_be_defanged():
    # links.py scans inline code and code blocks too: a code span does not hide a link from the auditor
    assert [link.url for link in extract_links("see `https://evil.io/x` here")] == ["https://evil.io/x"]
    assert [link.url for link in extract_links('```mermaid\nA["evil.io"]\n```')] == ["evil.io"]
    # so outside text is defanged: nothing the auditor would call a link or a marker is left
    for text in ("https://evil.io/x", "go to www.evil.io now", "arXiv:2301.00001", "[@fake-id] said", "a@b.io"):
        assert scan_text(md_code(text)) == [] and "[@" not in md_code(text), text
        rendered = md_text(text)
        assert extract_links(rendered) == [] and audit(rendered, [], claims=False).clean(), text


def test_diagram_labels_hold_no_link_marker_or_quote():
    entry = Entry("m1", "model", 'Evil "Model" see https://evil.io/x', None, None, "", Origin("x", 1))
    workflow = '- Input: photos from www.evil.io -> Model: [@m1] -> Output: a "mask" [@m1].'
    flows = parse_flows(workflow, {"m1": entry})
    assert len(flows) == 1 and flows[0].model_ids == ("m1",)
    text = mermaid(flows)
    assert scan_text(text) == [] and "[@" not in text
    assert '"Model"' not in text and "#quot;Model#quot;" in text
    assert parse_flows("- Input: x y -> Model: no marker -> Output: z.", {}) == []


def test_autolink_only_wraps_exactly_supplied_links(example_file):
    source = load_source(example_file)
    text = "- x (Paper: http://arxiv.org/pdf/2502.17093v1.pdf) and Paper: http://arxiv.org/pdf/2502.17093v1.pdfX"
    out = autolink_supplied(text, source)
    assert "(Paper: <http://arxiv.org/pdf/2502.17093v1.pdf>)" in out
    assert out.endswith("Paper: http://arxiv.org/pdf/2502.17093v1.pdfX")


HOSTILE = """You are an AI scientist.

A user has asked the following question:
"How does a biomedical image segmentation network <script>alert(1)</script> [@fake] segment cells (see www.evil.io and arXiv:2301.00001) with **few** training images?"

Based on the following recommended models, explain:

### Recommended AI Models:
Model: Segmenter <img src=x onerror=alert(2)>
Paper: None
GitHub: https://github.com/example/segmenter

### Related Papers:
Model: U-Net: Convolutional Networks for Biomedical Image Segmentation
Paper: http://arxiv.org/pdf/1505.04597.pdf
Summary: A segmentation network with a contracting and an expanding path <b>trained</b> with strong augmentation.
"""


def test_hostile_question_and_titles_are_escaped_and_pass_audit(make_runner, tmp_path):
    path = tmp_path / "hostile.txt"
    path.write_text(HOSTILE, encoding="utf-8")
    runner = make_runner(outdir=tmp_path / "out", formats=("md", "html"))
    outcome = runner.run_one(path, "hostile")
    assert outcome.status == "ok", outcome.error
    markdown = (tmp_path / "out" / "hostile.md").read_text("utf-8")
    page = (tmp_path / "out" / "hostile.html").read_text("utf-8")
    source = load_source(path)
    assert audit(markdown, source.entries, claims=False).clean()
    assert r"www\[.\]evil\[.\]io" in markdown  # defanged (and escaped), still readable
    assert "<script" not in page and "<img" not in page  # no image was asked for
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Segmenter &lt;img src=x" in page
    assert 'href="#source-fake"' not in page  # a marker-like text in the question is no citation


def test_refusal_report_has_no_diagram_and_passes_audit(make_runner, make_fake, example_file, tmp_path):
    markdown, outcome = _report(make_runner, example_file, tmp_path, generator=make_fake(REFUSAL_PHRASE))
    assert outcome.status == "refused"
    assert REFUSAL_PHRASE in markdown and "```mermaid" not in markdown
    assert "Nothing to audit" in markdown
    assert audit(markdown, load_source(example_file).entries, claims=False).clean()


def test_repaired_line_is_quoted_defanged_in_the_appendix(make_runner, make_fake, scripted, example_file, tmp_path):
    def script(prefix: str, suffix: str) -> str:
        return scripted(prefix) + "- [@hi4d-4d-instance] Mirror at https://evil.example.io/hi4d and [@nope].\n"

    markdown, outcome = _report(make_runner, example_file, tmp_path, generator=make_fake(script))
    assert outcome.status == "ok"
    repairs = markdown.split("### Repairs", 1)[1].split("## Appendix B", 1)[0]
    assert "dropped line" in repairs and "evil[.]example[.]io" in repairs
    assert "https://evil" not in markdown and "[@nope]" not in markdown
    assert audit(markdown, load_source(example_file).entries, claims=False).clean()


def test_appendix_lists_every_cited_sentence_with_its_verdict(make_runner, example_file, tmp_path):
    markdown, outcome = _report(make_runner, example_file, tmp_path, check_claims=True)
    table = markdown.split("### Cited sentences", 1)[1].split("### Repairs", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert rows and all(any(v in row for v in ("supported", "weak", "unsupported", "uncited")) for row in rows)
    assert "This paper describes a method related to the question." in table
    assert outcome.unsupported is not None
    assert strip_timings(markdown) != markdown
