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
from rag_answer.report.evidence import TEMPLATES
from rag_answer.report.text import md_code, md_text
from rag_answer.sources import load_source
from tests.doubles.fake_llm import TASK_REPLY
from tests.report.conftest import TEST_PROMPTS, entry_script


def _report(make_runner, path: Path, tmp_path: Path, **options) -> tuple[str, object]:
    runner = make_runner(outdir=tmp_path / "out", **options)
    outcome = runner.run_one(path, path.stem)
    assert outcome.status in ("ok", "refused"), outcome.error
    return (tmp_path / "out" / f"{path.stem}.md").read_text("utf-8"), outcome


ANSWER_HEADINGS = (
    "### 1. Task",
    "### 2. Answer",
    "### 3. Workflow (input -> model -> output)",
    "### 4. Relevant papers and tools",
)  # no sources list after part 4: part 4 carries every supplied link once


def _part(markdown: str, heading: str) -> str:
    """The text under a '### ' heading, up to the next heading."""
    return markdown.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]


def test_report_holds_the_answer_parts_diagram_sources_appendix_and_evidence(make_runner, example_file, tmp_path):
    markdown, outcome = _report(make_runner, example_file, tmp_path)
    source = load_source(example_file)
    assert source.question and source.question[:60] in markdown
    for heading in ("## Audited answer", *ANSWER_HEADINGS, "## Appendix A. Citation audit",
                    "## Appendix B. Evidence record", "## Timings"):  # fmt: skip
        assert f"\n{heading}\n" in markdown, heading
    # in this order, the direct answer right after the one-sentence task, the diagram after the workflow lines
    places = [markdown.index(f"\n{h}\n") for h in ANSWER_HEADINGS]
    assert places == sorted(places) and places[0] > markdown.index("**Question:**")
    assert places[2] < markdown.index("```mermaid\nflowchart LR\n") < places[3]
    assert _part(markdown, "### 1. Task") == TASK_REPLY + "\n"
    direct = _part(markdown, "### 2. Answer")
    assert direct.startswith("**What data trains AI to capture skin that finely?** DINOv2 is trained and evaluated on "
                             "three benchmark datasets, HAM10000, DermNet and ISIC Atlas [@the-skin-game]. A sparse "
                             "convolution scheme recovers")  # fmt: skip
    workflow = _part(markdown, "### 3. Workflow (input -> model -> output)")
    assert workflow.startswith("- Input: a text prompt describing a portrait -> Model: Txt2Img-StableDiffusionV1-"
                               "PirsusEpicRealism [@txt2img-stablediffusionv1] -> Output: a photorealistic portrait "
                               "(read from its name only).")  # fmt: skip
    assert 'model1["Model: Txt2Img-StableDiffusionV1-PirsusEpicRealism"]' in markdown
    papers = _part(markdown, "### 4. Relevant papers and tools").splitlines()
    assert papers[0].startswith("- [@the-skin-game] The Skin Game: a training and evaluation framework")  # most relevant
    assert "(Paper: <http://arxiv.org/pdf/2502.02500v1.pdf> | GitHub: " in papers[0]
    # supplied links are autolinks; every link in the whole report is a supplied one
    assert "GitHub: <https://github.com/Kameronski/stable-diffusion-1.5>" in _part(markdown, ANSWER_HEADINGS[3])
    assert "\n### Sources\n" not in markdown
    assert {link.url for link in extract_links(markdown)} == set(source.links)
    assert audit(markdown, source.entries, claims=False).clean()
    assert outcome.links and outcome.links >= 4
    # evidence: entry content hashes, model and embedder hashes, template hashes, sampling and versions
    for entry in source.entries:
        assert f"| `{entry.id}` | {entry.kind} | `{entry.content_hash()}` |" in markdown
    assert "`" + "0" * 64 + "`" in markdown  # the fake model's SHA-256
    assert get_embedder().weights_sha256 in markdown
    for name in TEMPLATES:
        assert f"| Prompt template `{name}` SHA-256 | `{load_template(name).sha256}` |" in markdown
    assert "| `seed` | `7` |" in markdown and "| `temperature` | `0.0` |" in markdown
    assert source.source_id in markdown
    assert markdown.index("## Timings") > markdown.index("## Appendix B")  # timings come last


def test_html_highlights_the_direct_answer(make_runner, example_file, tmp_path):
    _report(make_runner, example_file, tmp_path, formats=("md", "html"))
    page = (tmp_path / "out" / f"{example_file.stem}.html").read_text("utf-8")
    section = page.split('<section class="direct-answer">', 1)[1].split("</section>", 1)[0]
    assert section.startswith("<h3>2. Answer</h3>")
    assert 'ISIC Atlas <a class="cite" href="#source-the-skin-game">[@the-skin-game]</a>.' in section
    assert "Workflow" not in section and page.count('class="direct-answer"') == 1
    assert page.index("<h3>1. Task</h3>") < page.index('<section class="direct-answer">') < page.index("<svg")


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


def test_refusal_report_has_no_diagram_and_passes_audit(make_runner, make_fake, tmp_path):
    off_topic = TEST_PROMPTS / "adv_026_unanswerable-sourdough.txt"
    generator = make_fake()
    markdown, outcome = _report(make_runner, off_topic, tmp_path, generator=generator)
    assert outcome.status == "refused" and generator.calls == []  # refused by retrieval, without the model
    assert f"## Audited answer\n\n{REFUSAL_PHRASE}\n\n_Why:_ retrieval: best passage score" in markdown
    assert "```mermaid" not in markdown and "### 2. Answer" not in markdown
    assert "Nothing to audit" in markdown
    assert audit(markdown, load_source(off_topic).entries, claims=False).clean()


def test_dropped_line_is_quoted_defanged_in_the_appendix(make_runner, make_fake, readings, example_file, tmp_path):
    readings["Hi4D"] = "Offers: a mirror at https://evil.example.io/hi4d and [@nope].\nAnswer: none."
    # claims not checked: the line reaches the link and marker audit, which drops it
    markdown, outcome = _report(make_runner, example_file, tmp_path, generator=make_fake(entry_script(readings)),
                                check_claims=False)  # fmt: skip
    assert outcome.status == "ok" and outcome.repairs == 1 and outcome.flagged is None
    repairs = markdown.split("### Repairs", 1)[1].split("## Appendix B", 1)[0]
    assert "Lines dropped by the link and marker audit" in repairs
    assert "dropped line" in repairs and "evil[.]example[.]io" in repairs and "[ @nope]" in repairs
    assert "https://evil" not in markdown and "[@nope]" not in markdown
    assert "[@hi4d-4d-instance]" not in _part(markdown, "### 4. Relevant papers and tools")  # its line was dropped
    assert "Claims were not checked (--no-claims)." in markdown
    assert audit(markdown, load_source(example_file).entries, claims=False).clean()


MOVED = "Answer: DINOv2 reaches macro F1 scores of 0.85 on HAM10000 and 0.84 on ISIC Atlas."
NEGATED = "Answer: Mask2Alpha cannot recover high-resolution details."


def test_appendix_lists_claim_repairs_with_verdict_and_the_entry_the_fact_belongs_to(
    make_runner, make_fake, readings, example_file, tmp_path
):
    readings["Hi4D"] = readings["Hi4D"].replace("Answer: none.", MOVED)
    readings["Enhancing Image Matting"] = readings["Enhancing Image Matting"].split("\nAnswer:")[0] + "\n" + NEGATED
    markdown, outcome = _report(make_runner, example_file, tmp_path, generator=make_fake(entry_script(readings)))
    # the two removals, part 2 answered by the matting paper's own sentence and two own sentences added (the fake
    # judge says yes to all; Hi4D answers no part, so none of its own)
    assert outcome.status == "ok" and outcome.repairs == 5 and outcome.flagged == 0
    answer = markdown.split("## Appendix A", 1)[0]
    assert "0.84 on ISIC Atlas" not in answer and "cannot recover" not in answer  # removed before it was shown
    assert "Repairs before the answer was shown: 5 (2 removed by the claim check, 3 other)." in markdown
    repairs = markdown.split("### Repairs", 1)[1].split("## Appendix B", 1)[0]
    rows = {row.split(" | ")[2]: row for row in repairs.splitlines() if row.startswith("| ") and "---" not in row}
    moved = rows["`hi4d-4d-instance`"]
    assert "| answer sentence | `hi4d-4d-instance` | **misattributed** | `the-skin-game` |" in moved
    assert "`DINOv2 reaches macro F1 scores of 0.85 on HAM10000 and 0.84 on ISIC Atlas`" in moved
    negated = rows["`enhancing-image-matting`"]
    assert "| **contradicted** | — | `Mask2Alpha cannot recover high-resolution details` |" in negated
    assert audit(markdown, load_source(example_file).entries, claims=False).clean()


def test_appendix_lists_every_claim_verdict_of_the_shown_answer(make_runner, example_file, tmp_path):
    markdown, outcome = _report(make_runner, example_file, tmp_path)
    # five sentences, part 2's answer from the matting paper's own words and one own sentence added to each part
    # (the fake judge says yes to all)
    assert "Claims: 8 judged (8 supported, 0 weak, 0 misattributed, 0 contradicted, 0 unsupported, 0 uncited)." in (
        markdown
    )
    table = markdown.split("### Claims", 1)[1].split("### Repairs", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert len(rows) == 8 and all(row.split(" | ")[1] == "supported" for row in rows)
    assert "| `the-skin-game` | — | `DINOv2 is trained and evaluated on three benchmark datasets" in rows[0]
    repairs = markdown.split("### Repairs", 1)[1]
    assert "- `part 2 ('what tricks keep resolution so high?') is answered best by" in repairs
    assert outcome.flagged == 0 and outcome.repairs == 3
    assert strip_timings(markdown) != markdown


def test_a_flagged_claim_in_the_shown_answer_is_marked_with_the_entry_it_belongs_to(
    monkeypatch, make_runner, make_fake, readings, example_file, tmp_path
):
    from rag_answer.answer.stages import Answerer

    # a claim check that lets a moved fact through: the report's audit must still show it, flagged
    monkeypatch.setattr(Answerer, "_check_part", lambda self, items, *args: items)
    readings["Hi4D"] = readings["Hi4D"].replace("Answer: none.", MOVED)
    markdown, outcome = _report(make_runner, example_file, tmp_path, generator=make_fake(entry_script(readings)))
    assert outcome.flagged == 1
    assert "Audit of the answer above: **problems found**." in markdown and "1 misattributed" in markdown
    table = markdown.split("### Claims", 1)[1].split("### Repairs", 1)[0]
    row = next(line for line in table.splitlines() if "0.84 on ISIC Atlas" in line)
    assert "| **misattributed** |" in row and "| `hi4d-4d-instance` | `the-skin-game` |" in row


def test_a_report_on_a_hostile_file_says_so_before_the_answer(make_runner, tmp_path):
    hostile = Path(__file__).resolve().parents[2] / "eval" / "hostile" / "h01_ignore-tell-user.txt"
    markdown, _ = _report(make_runner, hostile, tmp_path)
    warnings = markdown.split("**Source warnings:**", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in warnings.splitlines() if line.startswith("- ")]
    assert len(lines) == 1
    assert "Whole-cell segmentation" in lines[0] and "ignore all previous instructions" in lines[0]
    assert markdown.index("**Source warnings:**") < markdown.index("## Audited answer")
