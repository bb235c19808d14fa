"""Shared by the speed benchmark's modules: paths, presets, the figures collected, interleaved measuring."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"
PRESETS = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def log(message: str) -> None:
    print(message, flush=True)


class Figures:
    """Rows of (figure, value, how it was produced), printed as they come and rendered as Markdown."""

    def __init__(self) -> None:
        self.sections: dict[str, list[tuple[str, str, str]]] = {}

    def add(self, section: str, figure: str, value: str, command: str) -> None:
        self.sections.setdefault(section, []).append((figure, value, command))
        log(f"  {figure}: {value}    <- {command}")


WARM_UP = True  # one untimed call of each candidate before measuring (off with --quick)


def interleave(candidates: dict[str, Callable[[], Any]], reps: int) -> dict[str, list[Any]]:
    """Run A, B, A, B ... reps times each; one untimed warm-up call of each first (unless --quick)."""
    for function in candidates.values() if WARM_UP else ():
        function()
    out: dict[str, list[Any]] = {name: [] for name in candidates}
    for _ in range(reps):
        for name, function in candidates.items():
            out[name].append(function())
    return out
