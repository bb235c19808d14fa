"""SHA-256 of files, read in blocks: model files are gigabytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 22


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()
