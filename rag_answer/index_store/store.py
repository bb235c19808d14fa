"""The restricted index on disk: FAISS vectors of the supplied passages and nothing else.

Layout of index/NAME/ (format version 2):
  manifest.json   format, version, embedder name + weights hash, dimension, counts, SHA-256 of every file,
                  the supplied links, and (new in version 2) "faiss": the index type and its parameters
  vectors.faiss   IndexIDMap2 over L2-normalized passage embeddings, ids = passage numbers: IndexFlatIP
                  (exact) below vectors.APPROXIMATE_FROM passages, IndexHNSWFlat from there on
  sources.json    the source sets (question, entries with links and origin)
  passages.json   every passage: number, source_no, entry_id, text

Version 1 indexes (always flat, no "faiss" key) still load: their files are a subset of version 2's.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from tqdm import tqdm

from rag_answer import __version__
from rag_answer.atomic import atomic_write_text
from rag_answer.embedder import Embedder
from rag_answer.entries import SourceSet
from rag_answer.errors import BadInputError, IndexStoreError
from rag_answer.hashing import file_sha256
from rag_answer.index_store.lock import index_lock
from rag_answer.index_store.passages import Passage, passage_texts
from rag_answer.index_store.vectors import FLAT, kind_for, kind_of, make_index

FORMAT = "rag-answer-index"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
DATA_FILES = ("vectors.faiss", "sources.json", "passages.json")
_EMBED_BATCH = 256


@dataclass
class RestrictedIndex:
    """Loaded index: the FAISS index plus the entries and passages it was built from."""

    path: Path | None
    manifest: dict[str, Any]
    sources: list[SourceSet]
    passages: list[Passage]
    faiss_index: faiss.Index

    @property
    def supplied_links(self) -> list[str]:
        return list(self.manifest["links"])

    def find_source(self, key: str) -> int:
        """Source number for a source id (or prefix) or a path as given at build time."""
        for number, source in enumerate(self.sources):
            if key in (source.source_id, source.path) or (len(key) >= 8 and source.source_id.startswith(key)):
                return number
        raise BadInputError(f"no source {key!r} in this index", hint="see the sources listed in manifest.json")


def build_index(
    sources: list[SourceSet], embedder: Embedder, *, progress: bool = True, kind: str | None = None
) -> RestrictedIndex:
    """Embed every passage and index the vectors; kind None picks exact or HNSW by the passage count."""
    _check_unique_sources(sources)
    passages: list[Passage] = []
    for source_no, source in enumerate(sources):
        for entry in source.entries:
            for text in passage_texts(entry):
                passages.append(Passage(len(passages), source_no, entry.id, text))
    vectors = _embed_by_length([passage.text for passage in passages], embedder, progress=progress)
    chosen = kind_for(len(passages), kind)
    bar = tqdm(total=len(passages), desc="indexing vectors", unit="passage", disable=not progress or chosen == FLAT,
               leave=False)  # fmt: skip
    faiss_index, description = make_index(vectors, chosen, on_added=bar.update)
    bar.close()
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "tool_version": __version__,
        "embedder": {"name": embedder.name, "weights_sha256": embedder.weights_sha256},
        "dimension": embedder.dimension,
        "faiss": description,
        "counts": {
            "sources": len(sources),
            "entries": sum(len(source.entries) for source in sources),
            "passages": len(passages),
        },
        "sources": [{"source_id": s.source_id, "path": s.path, "entries": len(s.entries)} for s in sources],
        "links": sorted({link for source in sources for link in source.links}),
    }
    return RestrictedIndex(None, manifest, list(sources), passages, faiss_index)


def _embed_by_length(texts: list[str], embedder: Embedder, *, progress: bool) -> np.ndarray:
    """Vectors in the order of texts, embedded shortest first so each batch pads little; with a progress bar."""
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    order = np.argsort([len(text) for text in texts], kind="stable")
    bar = tqdm(total=len(texts), desc="embedding passages", unit="passage", disable=not progress, leave=False)
    for start in range(0, len(texts), _EMBED_BATCH):
        chosen = order[start : start + _EMBED_BATCH]
        vectors[chosen] = embedder.encode([texts[i] for i in chosen])
        bar.update(len(chosen))
    bar.close()
    return vectors


def _check_unique_sources(sources: list[SourceSet]) -> None:
    seen: dict[str, str] = {}
    for source in sources:
        if source.source_id in seen:
            raise BadInputError(
                "the same file content is given twice",
                path=source.path,
                hint=f"it is identical to {seen[source.source_id]}",
            )
        seen[source.source_id] = source.path


def save_index(index: RestrictedIndex, root: Path, name: str) -> Path:
    """Write index/NAME atomically: build in a temp folder, then swap it in under the index lock."""
    _check_name(name)
    target = root / name
    with index_lock(root, name, exclusive=True):
        temp = root / f".{name}.tmp-{os.getpid()}-{time.monotonic_ns()}"
        temp.mkdir(parents=True)
        try:
            faiss.write_index(index.faiss_index, str(temp / "vectors.faiss"))
            (temp / "sources.json").write_text(
                json.dumps([source.to_dict() for source in index.sources], ensure_ascii=False, indent=1), "utf-8"
            )
            (temp / "passages.json").write_text(
                json.dumps([passage.to_dict() for passage in index.passages], ensure_ascii=False), "utf-8"
            )
            manifest = dict(index.manifest, files={file: file_sha256(temp / file) for file in DATA_FILES})
            atomic_write_text(temp / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
            _fsync_dir(temp)
            old = root / f".{name}.old-{os.getpid()}-{time.monotonic_ns()}"
            if target.exists():
                target.rename(old)
            temp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
    index.path = target
    index.manifest = json.loads((target / "manifest.json").read_text("utf-8"))
    return target


def load_index(root: Path, name: str, embedder: Embedder) -> RestrictedIndex:
    """Load index/NAME, verifying format, every file's hash and the embedder; IndexStoreError says how to rebuild."""
    _check_name(name)
    folder = root / name
    rebuild = f"rebuild it with: rag-answer index SOURCE... --name {name}"
    manifest_path = folder / "manifest.json"
    with index_lock(root, name, exclusive=False):
        if not manifest_path.is_file():
            raise IndexStoreError("no such index (manifest.json missing)", path=str(folder), hint=rebuild)
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise IndexStoreError("manifest.json is corrupt", path=str(manifest_path), hint=rebuild) from None
        if manifest.get("format") != FORMAT or manifest.get("version") not in READABLE_VERSIONS:
            raise IndexStoreError(
                f"unsupported index format {manifest.get('format')!r} version {manifest.get('version')!r}",
                path=str(manifest_path),
                hint=rebuild,
            )
        for file in DATA_FILES:
            expected = manifest.get("files", {}).get(file)
            if not (folder / file).is_file() or file_sha256(folder / file) != expected:
                raise IndexStoreError(
                    f"{file} does not match its SHA-256 in manifest.json", path=str(folder), hint=rebuild
                )
        built_with = manifest["embedder"]
        if built_with["weights_sha256"] != embedder.weights_sha256:
            raise IndexStoreError(
                f"index was built with embedder {built_with['name']} ({built_with['weights_sha256'][:12]}), "
                f"not the configured {embedder.name} ({embedder.weights_sha256[:12]})",
                path=str(folder),
                hint=rebuild,
            )
        sources = [SourceSet.from_dict(item) for item in json.loads((folder / "sources.json").read_text("utf-8"))]
        passages = [Passage(**item) for item in json.loads((folder / "passages.json").read_text("utf-8"))]
        vectors = faiss.read_index(str(folder / "vectors.faiss"))
    described = manifest.get("faiss", {"type": FLAT}).get("type")
    if vectors.ntotal != len(passages) or vectors.d != manifest["dimension"] or kind_of(vectors) != described:
        raise IndexStoreError("vectors.faiss does not match passages.json", path=str(folder), hint=rebuild)
    return RestrictedIndex(folder, manifest, sources, passages, vectors)


def _check_name(name: str) -> None:
    if not name or name.startswith(".") or "/" in name or "\\" in name or name != name.strip():
        raise BadInputError(f"index name {name!r} is not a plain folder name", hint="use letters, digits, '-' and '_'")


def _fsync_dir(folder: Path) -> None:
    for file in folder.iterdir():
        with file.open("rb") as handle:
            os.fsync(handle.fileno())
