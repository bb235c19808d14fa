"""Indexes built for a prompt file on the fly, cached under RAG_ANSWER_HOME keyed by the file's content hash."""

from __future__ import annotations

from pathlib import Path

from rag_answer.embedder import Embedder
from rag_answer.entries import SourceSet
from rag_answer.errors import IndexStoreError
from rag_answer.index_store.store import RestrictedIndex, build_index, load_index, save_index


def cached_index(source: SourceSet, embedder: Embedder, cache_dir: Path, *, progress: bool) -> RestrictedIndex:
    root = cache_dir / "indexes"
    name = f"{source.source_id[:24]}-{embedder.weights_sha256[:12]}"
    try:
        index = load_index(root, name, embedder)
        index.sources = [source]  # same bytes, so same entries; keep this file's path for error messages
        return index
    except IndexStoreError:
        pass  # absent or stale: build it
    index = build_index([source], embedder, progress=progress)
    save_index(index, root, name)
    return index
