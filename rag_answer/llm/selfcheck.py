"""The self-check: llama.cpp loads a model and decodes a few tokens in a child process first, so a crash of the
native library becomes one clear line instead of killing the user's process.

Why: a llama.cpp built with -march=native selects its AMX kernels on Sapphire Rapids class CPUs and segfaults
on the first decode (llama.cpp issue 20824). A signal cannot be caught inside the crashing process, so the
first load on a machine runs the same load in a child, keyed by the llama.cpp build, the CPU and the model,
and a pass is remembered; `rag-answer models --verify` runs it afresh.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import platform
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rag_answer.atomic import atomic_write_text
from rag_answer.errors import ModelError, NativeCrashError

CHILD_MODULE = "rag_answer.llm.selfcheck_child"
CHECK_TIMEOUT_S = 600  # a 1.5B load and a few tokens take seconds; a hang must still end
FIX_HINT = (
    "rebuild llama.cpp portable: unset CMAKE_ARGS and rerun `bash scripts/install.sh`, which builds it without "
    "AVX-512/AMX kernels; see README, 'A native llama.cpp build'"
)


@dataclass(frozen=True)
class CheckResult:
    features: str  # what llama.cpp reports it was built with ("AVX2 = 1 | FMA = 1 | ...")
    detail: str  # what the child did ("generated 4 tokens", "embedded 1 text into 384 dimensions")


def llama_version() -> str:
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def build_fingerprint() -> str:
    """The installed llama.cpp build, without importing it: the package version and its shared libraries."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return "llama_cpp: not installed"
    folder = Path(next(iter(spec.submodule_search_locations)))
    libraries = sorted(folder.rglob("*.so*")) + sorted(folder.rglob("*.dylib")) + sorted(folder.rglob("*.dll"))
    parts = [f"{path.name}:{path.stat().st_size}:{path.stat().st_mtime_ns}" for path in libraries]
    return f"llama-cpp-python {llama_version()} " + " ".join(parts)


def cpu_flags() -> list[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo); empty elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return sorted(set(line.partition(":")[2].split()))
    except OSError:
        pass
    return []


def cpu_description() -> str:
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return f"{name} [{' '.join(cpu_flags())}]"


def check_key(model_sha256: str) -> str:
    text = "\n".join((build_fingerprint(), cpu_description(), model_sha256))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_child(argv: list[str], *, library: str, doing: str, timeout: float = CHECK_TIMEOUT_S) -> str:
    """Run a check in a child process and return what it printed; a death by signal is one clear line."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ModelError(f"{library} did not finish {doing} within {timeout:.0f} s", hint=FIX_HINT) from None
    if done.returncode < 0:
        features = _reported(done.stdout, "features") or "unknown (it crashed before reporting)"
        amx = " ".join(flag for flag in cpu_flags() if flag.startswith("amx")) or "none"
        raise NativeCrashError(
            f"{library} crashed with {signal_name(-done.returncode)} while {doing}; it reports CPU features "
            f"{_compact(features)}; this CPU's AMX flags: {amx}",
            hint=FIX_HINT,
        )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ModelError(f"{library} failed while {doing}: {last}")
    return done.stdout


def check_model(model_path: Path, *, name: str, threads: int) -> CheckResult:
    """Load the GGUF and generate a few tokens in a child process."""
    argv = [sys.executable, "-m", CHILD_MODULE, "llm", str(model_path), str(threads)]
    out = run_child(argv, library=f"llama.cpp (llama-cpp-python {llama_version()})", doing=f"generating with {name}")
    return CheckResult(_reported(out, "features"), _reported(out, "done"))


def check_embedder(embedder_spec: str, runtime: str, models_dir: Path) -> CheckResult:
    """Load the embedder and embed one text in a child process."""
    argv = [sys.executable, "-m", CHILD_MODULE, "embed", embedder_spec, runtime, str(models_dir)]
    out = run_child(argv, library=f"the embedder ({runtime})", doing="embedding one text")
    return CheckResult("", _reported(out, "done"))


def ensure_model_checked(
    model_path: Path, *, name: str, sha256: str, threads: int, cache_dir: Path, force: bool = False
) -> CheckResult | None:
    """The first load of this model with this llama.cpp build on this CPU runs the child check and keeps a pass;
    later loads return None at once. force (models --verify): check again."""
    stamp = cache_dir / "selfcheck" / f"{check_key(sha256)}.json"
    if stamp.is_file() and not force:
        return None
    result = check_model(model_path, name=name, threads=threads)
    record = {"model": name, "sha256": sha256, "build": build_fingerprint(), "cpu": cpu_description(),
              "features": result.features, "result": result.detail}  # fmt: skip
    atomic_write_text(stamp, json.dumps(record, indent=1) + "\n")
    return result


def _reported(output: str, label: str) -> str:
    for line in output.splitlines():
        if line.startswith(f"{label}: "):
            return line.partition(": ")[2].strip()
    return ""


def _compact(features: str) -> str:
    """'CPU : AVX2 = 1 | FMA = 1 | ...' -> 'AVX2 FMA ...' (llama.cpp lists only the features built in)."""
    names = [part.split("=")[0].strip() for part in features.replace("CPU :", "|").split("|") if "= 1" in part]
    return " ".join(names) if names else features
