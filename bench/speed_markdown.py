"""The speed benchmark's Markdown: the "## Speed" and "## Default model" sections of BENCHMARKS.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from default_model import QUALITY_MARGIN, aggregate_on, choose_default, common_prompts, quality_shares
from speed_common import PRESETS, ROOT, Figures

from rag_answer.atomic import atomic_write_text

SPEED_TITLE = "## Speed (bench/run_bench.py)"
DEFAULT_TITLE = "## Default model"


def replace_section(document: str, title: str, body: str) -> str:
    """Replace the '## title' section (up to the next '## ' heading) or append it."""
    lines = document.split("\n")
    start = next((n for n, line in enumerate(lines) if line.strip() == title), None)
    new = [title, "", *body.strip("\n").split("\n"), ""]
    if start is None:
        return document.rstrip("\n") + "\n\n" + "\n".join(new)
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    return "\n".join(lines[:start] + new + lines[end:]).rstrip("\n") + "\n"


def speed_markdown(figures: Figures, header: str) -> str:
    out = [header, ""]
    for section, rows in figures.sections.items():
        out += [f"### {section}", "", "| figure | value | produced by |", "|---|---|---|"]
        out += [f"| {figure} | {value} | `{command.replace('|', chr(92) + '|')}` |" for figure, value, command in rows]
        out.append("")
    return "\n".join(out)


def default_model_markdown(gen: dict[str, Any], ttft: dict[str, Any], summary_path: Path) -> tuple[str, str]:
    """A comparison table (eval quality vs speed) and the preset it points to."""
    evaluation = json.loads(summary_path.read_text("utf-8"))["models"] if summary_path.is_file() else {}
    rows = ["| preset | prompts | clean runs | structure complete | cited sentences supported | models cited | "
            "refused adv_026 | false refusals | first token cold / warm | tokens/s (grammar) |",
            "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    quality: dict[str, tuple[float, ...]] = {}
    common = common_prompts(evaluation)
    for model in PRESETS:
        agg = aggregate_on(evaluation.get(model, {}).get("rag-answer"), common)
        speed = f"{ttft[model]['ttft']['cold']:.2f} s / {ttft[model]['ttft']['warm']:.2f} s" if model in ttft else "n/a"
        tps = f"{gen[model]['tokens_per_second']['rag-answer (grammar)']:.1f}" if model in gen else "n/a"
        if not agg:
            rows.append(f"| {model} | not evaluated | | | | | | | {speed} | {tps} |")
            continue

        def pct(key: str, agg: dict[str, Any] = agg) -> str:
            return "n/a" if agg[key] is None else f"{100 * agg[key]:.0f}%"

        rows.append(
            f"| {model} | {agg['runs']} | {pct('clean_share')} | {pct('structure_share')} | {pct('supported_share')} | "
            f"{pct('models_cited_share')} | {agg['refused_unanswerable']}/{agg['unanswerable']} | "
            f"{agg['false_refusals']}/{agg['answerable']} | {speed} | {tps} |"
        )
        quality[model] = quality_shares(agg)
    return "\n".join(rows), choose_default(quality, gen)


def write_default_section(out: Path, gen: dict[str, Any], ttft: dict[str, Any]) -> None:
    document = out.read_text("utf-8")
    table, choice = default_model_markdown(gen, ttft, ROOT / "eval" / "summary.json")
    body = (
        "Quality from `python eval/run_eval.py` (eval/summary.json, EVALUATION.md; rag-answer rows, restricted to "
        "the prompt files both presets were evaluated on) against speed from bench/speed.json. Rule "
        "(bench/default_model.py `choose_default`): the faster preset, unless the "
        f"slower one is better by at least {QUALITY_MARGIN:.0%} on a quality share (clean runs, structure, "
        "supported cited sentences, false refusals) and not worse by as much on any.\n\n"
        f"{table}\n\n**Measured choice: {choice}.** Read with the sample sizes in the prompts column and the "
        "load note of the Speed section in mind: the quality gap rests on a few answers, the speed gap on one run."
    )
    document = replace_section(document, DEFAULT_TITLE, body)
    atomic_write_text(out, document)
