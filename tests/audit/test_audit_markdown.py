"""One Markdown renderer of the audit: the audit command's report and the report's appendix draw the same claims
table with the same cell escaper."""

from __future__ import annotations

from rag_answer.audit.markdown import claims_table, code_cell
from rag_answer.audit.report import AuditReport
from rag_answer.audit.verdicts import CitationCheck, ClaimVerdict


def test_cells_are_one_line_code_with_markers_broken_pipes_and_backticks_replaced_links_defanged() -> None:
    assert code_cell("a | `b`\n[@x] see https://evil.example.com/y") == "`a ¦ 'b' [ @x] see hxxps[:]//evil[.]example[.]com/y`"
    assert code_cell("") == "—"


def test_to_markdown_draws_the_shared_claims_table() -> None:
    claim = ClaimVerdict("It | works `here` [@a].", 3, "unsupported", "not in the cited entry: X",
                         [CitationCheck("a", "marker", True)], 0.41, judge=0.45, judge_margin=-0.05)  # fmt: skip
    report = AuditReport(claims=[claim], claims_checked=True)
    rows = claims_table([claim])
    assert rows[2] == ("| 1 | **unsupported** | 0.41 | `a` | — | `It ¦ works 'here' @a.` | "
                       "`not in the cited entry: X` | -0.05 | 3 |")  # fmt: skip
    assert "\n".join(rows) in report.to_markdown()
