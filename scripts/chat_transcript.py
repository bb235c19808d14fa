"""Regenerate the "A real session" transcript of docs/chat.md from a real chat in a real terminal.

    python scripts/chat_transcript.py [--model qwen2.5-coder-1.5b] [--prompt examples/000_54cb972efbc5016b.txt]

Starts `rag-answer chat --prompt FILE` in a 118-column tmux pane, types the questions below one after another
(waiting for each answer's [speed] line), then copies the pane, as it is, between the transcript markers of
docs/chat.md (atomic write). Nothing in the transcript is edited by hand.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag_answer.atomic import atomic_write_text  # noqa: E402
from tests.chat.conftest import Tmux  # noqa: E402

QUESTIONS = [
    "What data trains a model to capture fine skin detail in portraits?",
    "Which supplied paper is about image matting?",
    "And what data does it use?",
    "/full",
]
START, END = "<!-- transcript:start -->", "<!-- transcript:end -->"
TURN_TIMEOUT = 1200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--prompt", default="examples/000_54cb972efbc5016b.txt")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "chat.md")
    args = parser.parse_args()
    config = Path(tempfile.mkdtemp(prefix="chat-transcript-")) / "tmux.conf"
    config.write_text("set -g history-limit 50000\nset -g escape-time 50\nset -g status off\n")
    tmux = Tmux(f"rag-chat-transcript-{os.getpid()}", config)
    env = {key: value for key, value in os.environ.items() if key.startswith("RAG_")}
    env["RAG_ANSWER_MODEL"] = args.model
    try:
        tmux.start([sys.executable, "-m", "rag_answer", "chat", "--prompt", args.prompt], env, ROOT,
                   width=118, height=60)  # fmt: skip
        tmux.wait_prompt(timeout=600)
        for number, question in enumerate(QUESTIONS, start=1):
            tmux.type(question)
            tmux.keys("Enter")
            tmux.wait_count(r"\[speed\] ", number, TURN_TIMEOUT)
            tmux.wait_prompt(timeout=60)
        screen = tmux.screen()
    finally:
        tmux.kill()
        config.unlink(missing_ok=True)
    transcript = screen.rstrip().removesuffix("chat>").rstrip()
    transcript = re.sub(r"\n{3,}", "\n\n", transcript)
    doc = args.doc.read_text("utf-8")
    before, _, rest = doc.partition(START)
    _, _, after = rest.partition(END)
    if not rest:
        raise SystemExit(f"{args.doc}: no {START} ... {END} markers")
    atomic_write_text(args.doc, f"{before}{START}\n```text\n{transcript}\n```\n{END}{after}")
    print(f"wrote the transcript of {len(QUESTIONS)} turns to {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
