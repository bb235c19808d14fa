"""Helpers for the real-model chat tests: an assembled 0.5B preset in the test home, and a tmux driver."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rag_answer.citations import find_markers
from tests.conftest import SMALL_PRESET, TEST_PROMPTS

# Conversations for the real-model tests, on prompt files of different fields with two entries each (one call
# per entry keeps a turn short): a first question (full form), a direct follow-up, a follow-up that refers back
# (retrieved with the question before it), and a question for /full. The per-call token budgets are the
# pipeline's own small ones (rag_answer/answer/reading.py: 60-230 tokens, and the fields end sooner).
CONVERSATIONS = {
    "climate": (
        TEST_PROMPTS / "018_climate-cloud-emulator.txt",
        "How can a neural network replace physics code in a climate model?",
        "Does the neural network conserve energy?",
        "And how does it cope with temperatures outside its training data?",
        "Are the multiyear simulations stable?",
    ),
    "video forensics": (
        TEST_PROMPTS / "019_ai-video-detection.txt",
        "Can an AI tell whether a video was generated?",
        "What dataset was built for detecting AI-generated videos?",
        "And how does it explain its decision?",
        "Which video generation models are named?",
    ),
    "preference tuning": (
        TEST_PROMPTS / "014_chatbot-thumbs-feedback-dpo.txt",
        "How does training on preferences change what a chatbot writes?",
        "Does DPO need a separate reward model?",
        "And how does it compare with PPO-based RLHF?",
        "Is DPO stable and cheap to train?",
    ),
}
FULL_HEADINGS = ("### 1. Task", "### 2. Answer", "### 4. Relevant papers and tools")  # part 4 carries the links
URL = re.compile(r"https?://[^\s)|>\]`]+")


def check_short(answer: str, ids: set[str]) -> str:
    """A short-form answer: no report headings, 1-6 sentences citing only supplied entries, then its sources.
    Returns the answer part (without the sources list)."""
    assert not any(heading in answer for heading in FULL_HEADINGS), answer
    text, _, sources = answer.partition("### Sources")
    cited = set(find_markers(text))
    assert cited and cited <= ids, answer  # cited, and only supplied entries
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", text.strip())) <= 6 and len(text) < 1200, answer
    assert set(find_markers(sources)) == cited, answer  # the sources list holds exactly what is cited
    return text.strip()


def check_full(answer: str, ids: set[str]) -> None:
    positions = [answer.find(heading) for heading in FULL_HEADINGS]
    assert -1 not in positions and positions == sorted(positions), answer
    assert "### Sources" not in answer, answer  # no second list of part 4's links
    assert set(find_markers(answer)) <= ids and find_markers(answer), answer


@pytest.fixture(scope="session")
def chat_home(session_home: Path) -> Path:
    """The session's home with the 0.5B model assembled (not loaded) once, for the chat subprocesses."""
    from rag_answer.llm import resolve_model

    resolve_model(SMALL_PRESET, session_home / "models")
    return session_home


def chat_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RAG_ANSWER_HOME=str(home),
        RAG_ANSWER_MODEL=SMALL_PRESET,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    env.pop("RAG_ANSWER_CONFIG", None)
    return env


class Tmux:
    """One detached tmux session of fixed size on a private server socket."""

    def __init__(self, socket: str, config: Path) -> None:
        self.socket = socket
        self.config = config
        self.target = "chat"

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: list[str], env: dict[str, str], cwd: Path, *, width: int = 160, height: int = 50) -> None:
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items() if key.startswith("RAG_"))
        line = f'cd {shlex.quote(str(cwd))} && env {exports} {shlex.join(command)}; echo "[exit $?]"; sleep 900'
        self.tmux("new-session", "-d", "-s", self.target, "-x", str(width), "-y", str(height), line)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def screen(self) -> str:
        """Everything the pane shows and has scrolled past, wrapped lines joined."""
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", self.target)

    def input_line(self) -> str:
        """The line being edited: the last one starting with the prompt (a completion menu may show below)."""
        lines = [line.rstrip() for line in self.screen().split("\n") if line.startswith("chat>")]
        return lines[-1] if lines else ""

    def wait(self, check: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; the pane shows:\n{screen}")
            time.sleep(0.5)

    def wait_count(self, pattern: str, count: int, timeout: float) -> str:
        return self.wait(lambda s: len(re.findall(pattern, s)) >= count, timeout, f"{count} x {pattern!r}")

    def wait_prompt(self, timeout: float = 60) -> str:
        return self.wait(lambda s: s.rstrip().split("\n")[-1].rstrip() == "chat>", timeout, "an empty prompt")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (folder / self.socket).unlink(missing_ok=True)


@pytest.fixture
def tmux(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (scripts/install.sh installs it; or apt-get install -y tmux)")
    config = tmp_path / "tmux.conf"
    config.write_text("set -g history-limit 50000\nset -g escape-time 50\nset -g status off\n")
    driver = Tmux(f"rag-chat-test-{os.getpid()}-{tmp_path.name}", config)
    yield driver
    driver.kill()


def chat_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "rag_answer", "chat", "--quiet", *args]
