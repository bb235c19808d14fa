"""The eval/fields split, fixed before any tuning: odd-numbered prompt files are dev (tune thresholds and
prompts on them), even-numbered ones are test (touched only to report)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def split_of(name: str) -> str:
    number = int(Path(name).name[1:3])
    return "dev" if number % 2 else "test"


def prompt_files(split: str) -> list[Path]:
    return [path for path in sorted((ROOT / "prompts").glob("f*.txt")) if split in ("all", split_of(path.name))]


def code_version() -> str:
    """The commit the figures come from, with "+dirty" when the working tree had uncommitted changes."""
    import subprocess

    root = ROOT.parents[1]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "rag_answer"], cwd=root,
                           capture_output=True, text=True)  # fmt: skip
    return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
