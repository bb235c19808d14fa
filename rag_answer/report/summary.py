"""The run summary in OUTDIR: summary.json, summary.csv and index.html, one row per prompt file.

Each row: the file, its status (ok, refused, failed, or pending when the run stopped before it), whether an
earlier run made it, the report's own audit (links and markers checked, the shown answer's claims per verdict,
flagged claims, repairs), seconds, the one-line error of a failed file and the report's links.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path
from typing import Any

from rag_answer.atomic import atomic_write_text
from rag_answer.audit.claims import VERDICTS
from rag_answer.report.batch import Outcome

SUMMARY_FILES = ("summary.json", "summary.csv", "index.html")
STATUSES = ("ok", "refused", "failed", "pending")
COLUMNS = ("file", "name", "status", "reused", "links", "markers", *VERDICTS, "flagged", "repairs", "seconds",
           "error", "reports")  # fmt: skip


def summary_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        verdicts = outcome.verdicts or {}
        rows.append(
            {
                "file": str(outcome.path),
                "name": outcome.name,
                "status": outcome.status,
                "reused": outcome.reused,
                "links": outcome.links,
                "markers": outcome.markers,
                **{verdict: verdicts.get(verdict) if outcome.verdicts is not None else None for verdict in VERDICTS},
                "flagged": outcome.flagged,
                "repairs": outcome.repairs,
                "seconds": round(outcome.seconds, 2),
                "error": outcome.error,
                "reports": [path.name for path in outcome.written],  # relative to OUTDIR
            }
        )
    return rows


def summary_document(outcomes: list[Outcome], engine: str) -> dict[str, Any]:
    counts = {status: sum(1 for outcome in outcomes if outcome.status == status) for status in STATUSES}
    reused = sum(1 for outcome in outcomes if outcome.reused)
    return {"engine": engine, "files": len(outcomes), "counts": counts, "reused": reused,
            "rows": summary_rows(outcomes)}  # fmt: skip


def render_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "reports": " ".join(row["reports"]), "reused": "yes" if row["reused"] else "no"})
    return buffer.getvalue()


_STYLE = """body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; }
tr.failed td { background: #ffebe9; } tr.pending td { color: #57606a; } tr.refused td { background: #fff8c5; }"""


def render_index(document: dict[str, Any]) -> str:
    """One self-contained page; every text is escaped, every link is a report file next to it."""
    counts = document["counts"]
    line = (f"{document['files']} prompt files: " + ", ".join(f"{counts[s]} {s}" for s in STATUSES)
            + f" ({document['reused']} from an earlier run; engine {document['engine']}).")  # fmt: skip
    numbers = ("links", "markers", *VERDICTS, "flagged", "repairs", "seconds")
    header = "".join(f"<th>{escape(name)}</th>" for name in ("file", "status", *numbers, "report", "error"))
    body = []
    for row in document["rows"]:
        cells = [f"<td>{escape(row['file'])}</td>", f"<td>{escape(row['status'])}{' (reused)' * row['reused']}</td>"]
        cells += [f'<td class="n">{"-" if row[name] is None else row[name]}</td>' for name in numbers]
        links = " ".join(f'<a href="{escape(name)}">{escape(name)}</a>' for name in row["reports"])
        cells += [f"<td>{links}</td>", f"<td>{escape(row['error'] or '')}</td>"]
        body.append(f'<tr class="{escape(row["status"])}">{"".join(cells)}</tr>')
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', "<title>rag-answer reports</title>",
        f"<style>\n{_STYLE}\n</style></head><body>", "<h1>rag-answer reports</h1>", f"<p>{escape(line)}</p>",
        f"<table><thead><tr>{header}</tr></thead><tbody>", *body, "</tbody></table></body></html>", "",
    ])  # fmt: skip


def write_summary(outdir: Path, outcomes: list[Outcome], engine: str) -> None:
    document = summary_document(outcomes, engine)
    atomic_write_text(outdir / "summary.json", json.dumps(document, indent=1) + "\n")
    atomic_write_text(outdir / "summary.csv", render_csv(document["rows"]))
    atomic_write_text(outdir / "index.html", render_index(document))
