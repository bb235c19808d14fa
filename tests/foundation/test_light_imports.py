"""Commands import nothing heavy they do not use: checked with `python -X importtime` in real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "sentence_transformers", "diffusers", "langchain", "langchain_core",
         "langchain_community")  # fmt: skip


def imported(*args: str, cwd: Path, home: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `python -X importtime -m rag_answer ARGS`; the top-level names of every module it imported."""
    environment = dict(os.environ, RAG_ANSWER_HOME=str(home), PYTHONPATH=str(ROOT), **env)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rag_answer", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "rag_answer" in names, result.stderr[-2000:]  # the importtime lines were read
    return result, names


@pytest.mark.parametrize("command", ["ask", "search", "index", "chat", "audit", "report"])
def test_help_imports_nothing_heavy(command: str, tmp_path: Path) -> None:
    result, names = imported(command, "--help", cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode == 0 and "usage:" in result.stdout
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


def test_search_on_a_built_index_imports_no_torch(tmp_path: Path, example_path: Path, session_home: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (session_home / "models").mkdir(exist_ok=True)
    (home / "models").symlink_to(session_home / "models", target_is_directory=True)  # the ONNX export
    built, _ = imported("index", str(example_path), "--name", "ex", "--quiet", cwd=tmp_path, home=home)
    assert built.returncode == 0, built.stderr[-2000:]
    found, names = imported("search", "skin detail and pores", "--index", "ex", "--json", cwd=tmp_path, home=home)
    assert found.returncode == 0, found.stderr[-2000:]
    assert next(hit["id"] for hit in json.loads(found.stdout)["hits"]) == "the-skin-game"
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    assert "onnxruntime" in names

    # the torch fallback reads the same index (same embedder identity) and ranks the same way
    fallback, names = imported(
        "search", "skin detail and pores", "--index", "ex", "--json", cwd=tmp_path, home=home,
        RAG_ANSWER_EMBEDDER_RUNTIME="torch",
    )  # fmt: skip
    assert fallback.returncode == 0, fallback.stderr[-2000:]
    assert "sentence_transformers" in names
    onnx_hits = [(hit["id"], hit["score"]) for hit in json.loads(found.stdout)["hits"]]
    torch_hits = [(hit["id"], hit["score"]) for hit in json.loads(fallback.stdout)["hits"]]
    assert [i for i, _ in onnx_hits] == [i for i, _ in torch_hits]
    assert all(abs(a - b) <= 1e-4 for (_, a), (_, b) in zip(onnx_hits, torch_hits, strict=True))

    bad, _ = imported("search", "x", "--index", "ex", cwd=tmp_path, home=home, RAG_ANSWER_EMBEDDER_RUNTIME="int8")
    assert bad.returncode == 2 and "embedder_runtime" in bad.stderr and "Traceback" not in bad.stderr
