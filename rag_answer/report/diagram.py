"""The workflow as a diagram: one input -> model -> output row per workflow line of the answer.

Mermaid for Markdown, a self-drawn inline SVG for HTML (no JavaScript). Labels carry no link, no arXiv id and
no citation marker: they are the answer's own words and the supplied model titles, with any link removed.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass

from rag_answer.citations import MARKER_PATTERN
from rag_answer.entries import Entry
from rag_answer.report.text import drop_links, one_line

_FLOW_LINE = re.compile(
    # the model may be named in words before its marker: "Model: AOD-Net [@aod-net-all]"
    r"^-\s+Input:\s*(?P<input>.+?)\s+->\s+Model:\s*(?:[^\[\n]*?\s)?(?P<models>(?:\[@[a-z0-9][a-z0-9-]*\]\s*)+)"
    r"\s*->\s+Output:\s*(?P<output>.+?)\s*$"
)
_MERMAID_ESCAPES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "`": "#96;", "\\": "#92;"}


@dataclass(frozen=True)
class Flow:
    input: str
    model_ids: tuple[str, ...]
    model_titles: tuple[str, ...]
    output: str


def parse_flows(workflow: str, entries: dict[str, Entry]) -> list[Flow]:
    """Flows from the answer's workflow section ('- Input: X -> Model: [@id] -> Output: Y.')."""
    flows = []
    for line in workflow.split("\n"):
        match = _FLOW_LINE.match(line.strip())
        if not match:
            continue
        ids = tuple(MARKER_PATTERN.findall(match.group("models")))
        titles = tuple(entries[entry_id].title if entry_id in entries else entry_id for entry_id in ids)
        flows.append(
            Flow(
                label(match.group("input")),
                ids,
                tuple(label(t) for t in titles),
                label(match.group("output").rstrip(".")),
            )
        )
    return flows


def label(text: str) -> str:
    """Diagram text: one line, markers and links removed."""
    return one_line(drop_links(MARKER_PATTERN.sub(" ", text))).strip() or "—"


def _mermaid_text(text: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(char, char) for char in text)


def mermaid(flows: list[Flow]) -> str:
    """A Mermaid flowchart (left to right), one row per flow; the fence is added by the caller."""
    lines = ["flowchart LR"]
    for number, flow in enumerate(flows, start=1):
        model = " + ".join(flow.model_titles)
        lines.append(
            f'    in{number}["Input: {_mermaid_text(flow.input)}"] --> '
            f'model{number}["Model: {_mermaid_text(model)}"] --> '
            f'out{number}["Output: {_mermaid_text(flow.output)}"]'
        )
    lines.append("    classDef model fill:#e8f0fe,stroke:#3367d6")
    lines.extend(f"    class model{number} model" for number in range(1, len(flows) + 1))
    return "\n".join(lines)


# SVG geometry (px).
_BOX_W = (270, 250, 270)
_GAP = 46
_MARGIN = 12
_LINE_H = 17
_PAD = 12
_WRAP = (34, 31, 34)
_ROW_GAP = 22
_CAPTIONS = ("Input", "Model", "Output")
_FILLS = ("#f6f8fa", "#e8f0fe", "#eef7ee")
_STROKES = ("#8c959f", "#3367d6", "#2e7d32")


def svg(flows: list[Flow], *, title: str = "Workflow: input, model, output") -> str:
    """An inline SVG (for HTML5; no namespace URL needed) with boxes and arrows; all text escaped."""
    width = sum(_BOX_W) + 2 * _GAP + 2 * _MARGIN
    parts: list[str] = []
    top = _MARGIN
    for flow in flows:
        texts = (flow.input, " + ".join(flow.model_titles), flow.output)
        wrapped = [textwrap.wrap(text, width=_WRAP[i], break_long_words=True) or ["—"] for i, text in enumerate(texts)]
        height = _PAD * 2 + _LINE_H * (1 + max(len(lines) for lines in wrapped))
        left = _MARGIN
        for column, lines in enumerate(wrapped):
            box_w = _BOX_W[column]
            parts.append(
                f'<rect x="{left}" y="{top}" width="{box_w}" height="{height}" rx="8" '
                f'fill="{_FILLS[column]}" stroke="{_STROKES[column]}" stroke-width="1.5"/>'
            )
            text_x = left + _PAD
            spans = [f'<tspan x="{text_x}" dy="0" font-weight="600">{_CAPTIONS[column]}</tspan>']
            spans += [f'<tspan x="{text_x}" dy="{_LINE_H}">{html.escape(line)}</tspan>' for line in lines]
            parts.append(f'<text x="{text_x}" y="{top + _PAD + 12}" font-size="13">{"".join(spans)}</text>')
            if column < 2:
                y = top + height // 2
                start, end = left + box_w + 2, left + box_w + _GAP - 4
                parts.append(
                    f'<line x1="{start}" y1="{y}" x2="{end}" y2="{y}" stroke="#57606a" stroke-width="2" '
                    'marker-end="url(#rag-arrow)"/>'
                )
            left += box_w + _GAP
        top += height + _ROW_GAP
    total_h = top - _ROW_GAP + _MARGIN if flows else 2 * _MARGIN
    defs = (
        '<defs><marker id="rag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a"/></marker></defs>'
    )
    return (
        f'<svg class="workflow" viewBox="0 0 {width} {total_h}" width="{width}" height="{total_h}" role="img" '
        f'aria-label="{html.escape(title)}" font-family="system-ui, sans-serif" fill="#1f2328">'
        f"<title>{html.escape(title)}</title>{defs}{''.join(parts)}</svg>"
    )
