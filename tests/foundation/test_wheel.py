"""A real wheel: `pip install .` (not editable) into a fresh virtual environment answers from another folder.

The venv sees this machine's site-packages for the heavy dependencies (torch, llama-cpp-python), but rag_answer
itself, its templates and data files come from the installed wheel, never from this checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("wheel") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    build = tmp_path_factory.mktemp("wheel-build")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(build), str(ROOT)], check=True, capture_output=True, timeout=600)  # fmt: skip
    wheel = next(build.glob("rag_answer-*.whl"))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    return venv


def _clean_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return dict(env, RAG_ANSWER_HOME=str(home), HF_HUB_OFFLINE="1")


def test_the_wheel_carries_the_templates_and_imports_from_the_venv(wheel_venv: Path, tmp_path: Path) -> None:
    code = ("import rag_answer, rag_answer.prompts as p; print(rag_answer.__file__); "
            "print(sorted(t.stem for t in p.PROMPTS_DIR.glob('*.txt'))[:2]); p.load_template('evidence_request')")  # fmt: skip
    done = subprocess.run([str(wheel_venv / "bin" / "python"), "-c", code], cwd=tmp_path, env=_clean_env(tmp_path),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    location, templates = done.stdout.splitlines()
    assert location.startswith(str(wheel_venv)), location
    assert templates == "['coverage_request', 'evidence_request']"


@pytest.mark.llm
def test_the_installed_command_answers_the_example_from_another_folder(
    wheel_venv: Path, tmp_path: Path, session_home: Path
) -> None:
    from rag_answer.llm.model_files import resolve_model

    resolve_model("qwen2.5-coder-0.5b", session_home / "models")  # assembled once for the session
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    example = ROOT / "examples" / "000_54cb972efbc5016b.txt"
    done = subprocess.run(
        [str(wheel_venv / "bin" / "rag-answer"), "ask", "--prompt", str(example), "--model", "qwen2.5-coder-0.5b",
         "--json", "--quiet"],
        cwd=elsewhere, env=_clean_env(session_home), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    answer = json.loads(done.stdout)
    assert done.returncode == (0 if answer["audit"]["clean"] else 1), done.stderr  # ask's exit rule, no crash
    assert answer["refused"] is False
    assert "### 2. Answer" in answer["answer"]
    assert list(elsewhere.iterdir()) == []  # nothing written into the folder it ran from
