"""The command line as a user meets it: real processes, exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RAG_ANSWER_HOME=str(home), HF_HUB_OFFLINE="1")
    return subprocess.run(
        [sys.executable, "-m", "rag_answer", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_index_then_search_returns_the_example_entries_only(tmp_path: Path, example_path: Path) -> None:
    home = tmp_path / "home"
    built = run_cli("index", str(example_path), "--name", "example", "--quiet", cwd=tmp_path, home=home)
    assert built.returncode == 0, built.stderr
    assert "indexed 4 entries" in built.stdout
    assert (tmp_path / "index" / "example" / "manifest.json").is_file()
    found = run_cli(
        "search", "skin detail and pores", "--index", "example", "-k", "10", "--json", cwd=tmp_path, home=home
    )
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert next(hit["id"] for hit in hits) == "the-skin-game"
    assert len(hits) == 4
    supplied = json.loads((tmp_path / "index" / "example" / "manifest.json").read_text("utf-8"))["links"]
    assert {link for hit in hits for link in hit["links"]} <= set(supplied)
    text = run_cli("search", "image matting", "--index", "example", cwd=tmp_path, home=home)
    assert text.returncode == 0 and text.stdout.startswith("1. [")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "bad.txt:1: file is empty"),
        (b"\xff\xfe\x00garbage", "bad.txt:1: file is binary"),
        (b"### Related Papers:\nModel: X\nPaper: not a link\n", "bad.txt:3: Paper link 'not a link'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path: Path, content: bytes, fragment: str) -> None:
    (tmp_path / "bad.txt").write_bytes(content)
    result = run_cli("index", "bad.txt", "--name", "x", cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag-answer: error: ") and fragment in lines[0]
    assert not (tmp_path / "index" / "x").exists()


def test_missing_index_and_bad_setting_are_clean_errors(tmp_path: Path) -> None:
    missing = run_cli("search", "q", "--index", "nope", cwd=tmp_path, home=tmp_path / "home")
    assert missing.returncode == 2 and "no such index" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_cli("ask", "--prompt", "x.txt", "--top-k", "0", cwd=tmp_path, home=tmp_path / "home")
    assert bad.returncode == 2 and "top_k" in bad.stderr and "Traceback" not in bad.stderr
    none = run_cli("ask", cwd=tmp_path, home=tmp_path / "home")
    assert none.returncode == 2 and "nothing to answer" in none.stderr


def test_models_lists_presets(tmp_path: Path) -> None:
    result = run_cli("models", "--json", cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"}
    assert rows["qwen2.5-coder-0.5b"]["size_bytes"] == 491_400_064
    assert rows["qwen2.5-coder-1.5b"]["default"] is True
