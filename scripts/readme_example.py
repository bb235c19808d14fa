"""Copy one committed eval answer into README.md between its example markers, so the example is the run's own
text and never edited by hand.

    python scripts/readme_example.py [--result eval/results/fields/test/rag-qwen2.5-coder-1.5b/f02_image-dehazing.json]

The answer goes in verbatim; the lines after it list the repairs the checker made (from the same JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEFAULT = ROOT / "eval" / "results" / "fields" / "test" / "rag-qwen2.5-coder-1.5b" / "f02_image-dehazing.json"
START, END = "<!-- example:start -->", "<!-- example:end -->"


def example_block(result: dict) -> str:
    repairs = result.get("repairs") or []
    lines = [f"The checker's repairs on this answer (from the same JSON): {len(repairs)}."]
    lines += [f"- {repair}" for repair in repairs]
    return "\n".join(["```text", result["answer"].strip(), "```", "", *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--result", type=Path, default=DEFAULT)
    args = parser.parse_args()
    result = json.loads(args.result.read_text("utf-8"))
    text = README.read_text("utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if not rest or END not in rest:
        raise SystemExit(f"{README}: the markers {START} ... {END} are missing")
    updated = f"{head}{START}\n{example_block(result)}\n{END}{tail}"
    handle, tmp = tempfile.mkstemp(dir=README.parent, prefix=".README.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(updated)
    os.replace(tmp, README)


if __name__ == "__main__":
    main()
