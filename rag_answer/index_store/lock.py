"""A per-index file lock, so two builders (or a builder and a reader) of one index never interleave."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def index_lock(index_root: Path, name: str, *, exclusive: bool) -> Iterator[None]:
    index_root.mkdir(parents=True, exist_ok=True)
    with (index_root / f".{name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
