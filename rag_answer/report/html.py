"""The report as one self-contained HTML file: styles inline, the direct answer highlighted, the diagram as inline
SVG, the image as a data URI.

The Markdown blocks are rendered with markdown-it-py with raw HTML off, so everything from the sources is
escaped; a Content-Security-Policy forbids every external request (no scripts, no remote images or styles).
"""

from __future__ import annotations

import base64
import html
import re
from functools import lru_cache

from markdown_it import MarkdownIt

from rag_answer.citations import MARKER_PATTERN
from rag_answer.report.build import Report
from rag_answer.report.diagram import svg
from rag_answer.report.markdown import blocks

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
:root { color-scheme: light; }
body { margin: 0; background: #f6f8fa; color: #1f2328;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 24px auto; background: #fff; padding: 28px 40px 40px;
  border: 1px solid #d0d7de; border-radius: 10px; }
h1 { font-size: 1.8em; margin: 0 0 .6em; border-bottom: 2px solid #d0d7de; padding-bottom: .3em; }
h2 { font-size: 1.35em; margin: 1.8em 0 .6em; border-bottom: 1px solid #d8dee4; padding-bottom: .25em; }
h3 { font-size: 1.1em; margin: 1.4em 0 .5em; }
p, li { max-width: 80ch; }
a { color: #0969da; word-break: break-all; }
a.cite { text-decoration: none; font-size: .85em; background: #ddf4ff; border-radius: 4px; padding: 0 .3em;
  word-break: normal; white-space: nowrap; }
code { font: .85em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6;
  padding: .1em .3em; border-radius: 4px; word-break: break-all; }
table { border-collapse: collapse; margin: .6em 0 1em; font-size: .9em; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .35em .6em; vertical-align: top; text-align: left; }
td code { word-break: normal; overflow-wrap: anywhere; }
th { background: #f6f8fa; }
tr:nth-child(even) td { background: #fbfcfd; }
figure { margin: 1em 0; overflow-x: auto; }
figure img { max-width: 100%; height: auto; border-radius: 8px; border: 1px solid #d0d7de; }
figcaption { font-size: .9em; color: #57606a; margin-top: .3em; }
svg.workflow { max-width: 100%; height: auto; }
li:target { background: #fff8c5; }
.timings { color: #57606a; }
section.direct-answer { background: #f0f7ff; border-left: 4px solid #0969da; border-radius: 6px;
  padding: .2em 1.2em .6em; margin: 1em 0 1.4em; font-size: 1.06em; }
section.direct-answer h3 { margin-top: .8em; }
"""


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    default_text = parser.renderer.rules.get("text")
    default_link = parser.renderer.rules.get("link_open")

    def text(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        escaped = default_text(tokens, idx, options, env) if default_text else html.escape(tokens[idx].content)
        known = env.get("cited", set())

        def cite(match: re.Match[str]) -> str:
            if match.group(1) not in known:
                return match.group(0)
            return f'<a class="cite" href="#source-{match.group(1)}">{match.group(0)}</a>'

        return MARKER_PATTERN.sub(cite, escaped)

    def link_open(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        tokens[idx].attrSet("rel", "noopener noreferrer")
        if default_link:
            return default_link(tokens, idx, options, env)
        return self.renderToken(tokens, idx, options, env)

    parser.add_render_rule("text", text)
    parser.add_render_rule("link_open", link_open)
    return parser


_SOURCE_ITEM = re.compile(r'<li><a class="cite" href="#source-([a-z0-9-]+)">')
# A row of Appendix B's entry table: the target of every [@id] link in the answer.
_ENTRY_ROW = re.compile(r"<tr>(\s*<td><code>([a-z0-9-]+)</code></td>)")


def render_html(report: Report) -> str:
    parser = _parser()
    cited = set(report.answer.citations)

    def render(markdown: str) -> str:
        return parser.render(markdown, {"cited": cited})

    body: list[str] = []
    for block in blocks(report):
        if block.kind == "diagram":
            body.append(_diagram(report, render(block.markdown) if not report.flows else ""))
        elif block.kind == "illustration":
            body.append(_illustration(report, render(block.markdown)))
        elif block.kind == "answer":
            body.append(f'<section class="direct-answer">{render(block.markdown)}</section>')
        elif block.kind == "sources":
            body.append(
                _SOURCE_ITEM.sub(r'<li id="source-\1"><a class="cite" href="#source-\1">', render(block.markdown))
            )
        elif block.markdown.startswith("## Appendix B"):
            body.append(_ENTRY_ROW.sub(r'<tr id="source-\2">\1', render(block.markdown)))
        elif block.markdown.startswith("## Timings"):
            body.append(f'<section class="timings">{render(block.markdown)}</section>')
        else:
            body.append(render(block.markdown))
    title = html.escape("Grounded report: " + " ".join(report.question.split())[:120])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "</main>\n</body>\n</html>\n"
    )


def _diagram(report: Report, fallback: str) -> str:
    if not report.flows:
        return fallback
    return (
        f'<figure class="diagram">{svg(report.flows)}'
        "<figcaption>Workflow: input → model → output, one row per workflow line above.</figcaption></figure>\n"
    )


def _illustration(report: Report, rendered_note: str) -> str:
    illustration = report.illustration
    if illustration is None or illustration.png is None:
        return rendered_note
    data = base64.b64encode(illustration.png).decode("ascii")
    return (
        f'{rendered_note}<figure><img src="data:image/png;base64,{data}" '
        f'alt="Illustration for the question"><figcaption>{html.escape(illustration.note)}</figcaption></figure>\n'
    )
