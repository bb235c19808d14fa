"""The default-model rule: which preset `rag-answer` should default to, from eval quality and measured speed."""

from __future__ import annotations

import sys
from typing import Any

from speed_common import PRESETS, ROOT


def common_prompts(evaluation: dict[str, Any]) -> set[str] | None:
    """The prompt files every preset was evaluated on, so the quality shares compare like with like."""
    sets = [{run["prompt"] for run in evaluation[m]["rag-answer"]["runs"]} for m in PRESETS
            if "rag-answer" in evaluation.get(m, {})]  # fmt: skip
    return set.intersection(*sets) if len(sets) == len(PRESETS) else None


def aggregate_on(result: dict[str, Any] | None, prompts: set[str] | None) -> dict[str, Any] | None:
    if not result:
        return None
    if prompts is None:
        return result["aggregate"]
    sys.path.insert(0, str(ROOT / "eval"))
    from dataclasses import fields

    from metrics import RunMetrics, aggregate

    names = {field.name for field in fields(RunMetrics)}
    runs = [
        RunMetrics(**{k: v for k, v in run.items() if k in names}) for run in result["runs"] if run["prompt"] in prompts
    ]
    return aggregate(runs)


def quality_shares(agg: dict[str, Any]) -> tuple[float, ...]:
    """What the rule compares, higher is better: clean runs, structure, supported cited sentences, false refusals."""
    return (agg["clean_share"] or 0, agg["structure_share"] or 0, agg["supported_share"] or 0,
            -(agg["false_refusals"] / max(agg["answerable"], 1)))  # fmt: skip


# A larger preset must beat the smaller by this much on a quality share to be worth its slower generation.
QUALITY_MARGIN = 0.05


def choose_default(quality: dict[str, tuple[float, ...]], gen: dict[str, Any]) -> str:
    """The faster preset unless the other is better by QUALITY_MARGIN on some quality share and no worse on any."""
    if len(quality) < 2 or not all(model in gen for model in quality):
        return "undecided: both presets need eval results (eval/summary.json) and speed figures"
    speed = {model: gen[model]["tokens_per_second"]["rag-answer (grammar)"] for model in quality}
    fast, slow = sorted(quality, key=lambda model: -speed[model])
    better = any(s - f >= QUALITY_MARGIN for s, f in zip(quality[slow], quality[fast], strict=True))
    not_worse = all(s - f > -QUALITY_MARGIN for s, f in zip(quality[slow], quality[fast], strict=True))
    if better and not_worse:
        return f"{slow} (better by at least {QUALITY_MARGIN:.0%} on a quality share, no worse on any)"
    return f"{fast} (the slower preset is not better by {QUALITY_MARGIN:.0%} on a quality share without losing one)"
