"""Grounded reports: the answer to a prompt file's question with a workflow diagram, sources, an optional
illustration, a citation audit appendix and an evidence record, as Markdown and self-contained HTML.

    report = build_report(name, source, question, answer, evidence)
    markdown = render_markdown(report)      # passes `rag-answer audit REPORT.md --sources PROMPT_FILE`
    page = render_html(report)               # one file, no external requests

See docs/report.md.
"""

from rag_answer.report.batch import (
    FORMATS,
    ImageRequest,
    Outcome,
    ReportRunner,
    output_names,
    parse_formats,
    run_batch,
    summary_table,
)
from rag_answer.report.build import Illustration, Report, autolink_supplied, build_report
from rag_answer.report.diagram import Flow, mermaid, parse_flows, svg
from rag_answer.report.evidence import Evidence, collect_evidence
from rag_answer.report.html import render_html
from rag_answer.report.markdown import TIMINGS_HEADING, render_markdown, strip_timings

__all__ = [
    "FORMATS",
    "TIMINGS_HEADING",
    "Evidence",
    "Flow",
    "Illustration",
    "ImageRequest",
    "Outcome",
    "Report",
    "ReportRunner",
    "autolink_supplied",
    "build_report",
    "collect_evidence",
    "mermaid",
    "output_names",
    "parse_flows",
    "parse_formats",
    "render_html",
    "render_markdown",
    "run_batch",
    "strip_timings",
    "summary_table",
    "svg",
]
