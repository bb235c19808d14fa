"""The portable llama.cpp build and the self-check: no AMX kernels, and a native crash becomes one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag_answer.errors import ModelError, NativeCrashError
from rag_answer.llm import selfcheck
from rag_answer.llm.selfcheck import ensure_model_checked, run_child

ROOT = Path(__file__).resolve().parents[2]
# llama.cpp lists the instruction sets it was compiled for as "NAME = 1"; any of these means a native build
# (AVX-512 kernels) or the AMX kernels that segfault on the first decode on Sapphire Rapids CPUs.
FORBIDDEN = ("AMX", "AVX512")

# A stand-in for llama_cpp that reports AMX kernels and dies by SIGSEGV when a model loads, as the real
# native build does on an AMX CPU: put first on PYTHONPATH of the processes under test.
CRASHING_LLAMA_CPP = '''
import os, signal

def llama_print_system_info():
    return b"CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | AVX512 = 1 | AMX_INT8 = 1 | "

class Llama:
    def __init__(self, **kwargs):
        os.kill(os.getpid(), signal.SIGSEGV)
'''


def built_features() -> list[str]:
    """The features the installed llama.cpp reports (in a child: a broken build must not take pytest down)."""
    code = "import llama_cpp; print(llama_cpp.llama_print_system_info().decode())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return [part.split("=")[0].strip() for part in done.stdout.replace("CPU :", "|").split("|") if "= 1" in part]


def test_installed_llama_cpp_reports_no_amx_or_avx512_kernels() -> None:
    features = built_features()
    assert "AVX2" in features and "FMA" in features and "F16C" in features, features
    assert [name for name in features if name.startswith(FORBIDDEN)] == []


def test_a_child_killed_by_sigsegv_becomes_one_clear_line() -> None:
    argv = [sys.executable, "-c", "import os, signal; print('features: AMX_INT8 = 1 |', flush=True); "
            "os.kill(os.getpid(), signal.SIGSEGV)"]  # fmt: skip
    with pytest.raises(NativeCrashError) as caught:
        run_child(argv, library="llama.cpp", doing="generating with test")
    line = caught.value.one_line()
    assert "\n" not in line
    assert "llama.cpp crashed with SIGSEGV while generating with test" in line
    assert "reports CPU features AMX_INT8" in line
    assert "scripts/install.sh" in line


def test_a_child_that_fails_without_a_signal_names_its_last_error_line() -> None:
    argv = [sys.executable, "-c", "import sys; sys.exit('bad magic in model file')"]
    with pytest.raises(ModelError, match="failed while loading: bad magic in model file") as caught:
        run_child(argv, library="llama.cpp", doing="loading")
    assert not isinstance(caught.value, NativeCrashError)


def _crashing_env(tmp_path: Path, home: Path) -> dict[str, str]:
    """PYTHONPATH with the crashing llama_cpp first, then this checkout."""
    fake = tmp_path / "fake"
    (fake / "llama_cpp").mkdir(parents=True)
    (fake / "llama_cpp" / "__init__.py").write_text(CRASHING_LLAMA_CPP)
    return dict(os.environ, PYTHONPATH=f"{fake}{os.pathsep}{ROOT}", RAG_ANSWER_HOME=str(home), HF_HUB_OFFLINE="1")


def _small_gguf(session_home: Path) -> Path:
    from rag_answer.llm.model_files import resolve_model

    return resolve_model("qwen2.5-coder-0.5b", session_home / "models").path


@pytest.mark.parametrize("command", [["ask", "--prompt", "examples/000_54cb972efbc5016b.txt", "--quiet",
                                      "--model", "qwen2.5-coder-0.5b"], ["models", "--verify"]])  # fmt: skip
def test_ask_and_verify_turn_a_native_crash_into_one_line_and_exit_2(
    tmp_path: Path, session_home: Path, command: list[str]
) -> None:
    _small_gguf(session_home)  # assembled; the fake llama_cpp has no libraries, so no earlier pass matches it
    done = subprocess.run([sys.executable, "-m", "rag_answer", *command], cwd=ROOT,
                          env=_crashing_env(tmp_path, session_home), capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("rag-answer: error: llama.cpp (llama-cpp-python ")
    assert "crashed with SIGSEGV" in lines[0] and "AMX_INT8" in lines[0]
    assert "Traceback" not in done.stderr


def test_first_load_checks_once_per_build_cpu_and_model(
    tmp_path: Path, session_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_check = selfcheck.check_model

    def counting(model_path: Path, *, name: str, threads: int) -> selfcheck.CheckResult:
        calls.append(name)
        return real_check(model_path, name=name, threads=threads)

    monkeypatch.setattr(selfcheck, "check_model", counting)
    gguf = _small_gguf(session_home)
    cache = tmp_path / "cache"
    first = ensure_model_checked(gguf, name="small", sha256="abc", threads=1, cache_dir=cache)
    assert first is not None and first.detail == "generated 4 tokens"
    assert ensure_model_checked(gguf, name="small", sha256="abc", threads=1, cache_dir=cache) is None
    assert calls == ["small"]
    stamp = json.loads(next((cache / "selfcheck").glob("*.json")).read_text())
    assert stamp["result"] == "generated 4 tokens" and "AVX2 = 1" in stamp["features"]
    monkeypatch.setattr(selfcheck, "build_fingerprint", lambda: "llama-cpp-python rebuilt")
    assert ensure_model_checked(gguf, name="small", sha256="abc", threads=1, cache_dir=cache) is not None
    assert calls == ["small", "small"]


@pytest.mark.llm
def test_models_verify_runs_every_ready_preset_and_the_embedder(session_home: Path) -> None:
    _small_gguf(session_home)
    env = dict(os.environ, RAG_ANSWER_HOME=str(session_home), HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "rag_answer", "models", "--verify"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "self-check qwen2.5-coder-0.5b: generated 4 tokens; llama.cpp built with" in done.stdout
    assert "self-check embedder: embedded 1 text into 384 dimensions" in done.stdout
