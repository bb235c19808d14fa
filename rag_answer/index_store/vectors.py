"""Which FAISS index holds the passage vectors, chosen by size, and restricted search over it.

Below APPROXIMATE_FROM passages the index is exact (IndexFlatIP): a query scans every vector in a few
milliseconds. From there on it is HNSW (IndexHNSWFlat, inner product), whose query time grows with log n;
recall@10 against exact search is measured in bench/fast_bench.py. Both sit in an IndexIDMap2 whose ids are
the passage numbers, so restriction by IDSelectorBatch works the same way on either.

A restricted search on an HNSW index over at most EXACT_SUBSET_LIMIT allowed passages is done exactly over
those passages' stored vectors: a graph walk filtered to a small subset can miss allowed passages, and
restriction to one prompt's sources must never lose an entry that exact search would find.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import faiss
import numpy as np

FLAT = "flat"
HNSW = "hnsw"
APPROXIMATE_FROM = 50_000
EXACT_SUBSET_LIMIT = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
_ADD_CHUNK = 5_000


def kind_for(count: int, forced: str | None = None) -> str:
    return forced or (HNSW if count >= APPROXIMATE_FROM else FLAT)


def make_index(
    vectors: np.ndarray, kind: str, *, on_added: Callable[[int], None] | None = None
) -> tuple[faiss.Index, dict[str, Any]]:
    """The FAISS index over L2-normalized vectors (ids 0..n-1) and its manifest description."""
    dimension = vectors.shape[1]
    if kind == FLAT:
        inner: faiss.Index = faiss.IndexFlatIP(dimension)
        description: dict[str, Any] = {"type": FLAT}
    elif kind == HNSW:
        inner = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        description = {"type": HNSW, "m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH}
    else:
        raise ValueError(f"unknown index kind {kind!r}")
    index = faiss.IndexIDMap2(inner)
    for start in range(0, len(vectors), _ADD_CHUNK):
        chunk = vectors[start : start + _ADD_CHUNK]
        index.add_with_ids(chunk, np.arange(start, start + len(chunk), dtype=np.int64))
        if on_added:
            on_added(len(chunk))
    return index, description


def kind_of(index: faiss.Index) -> str:
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    return HNSW if isinstance(inner, faiss.IndexHNSW) else FLAT


def search_restricted(
    index: faiss.Index, query: np.ndarray, wanted: int, allowed_ids: np.ndarray, *, restricted: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the best `wanted` passages among allowed_ids, best first; ids -1 pad a short result."""
    if kind_of(index) == FLAT:
        selector = faiss.IDSelectorBatch(allowed_ids)
        scores, ids = index.search(query, wanted, params=faiss.SearchParameters(sel=selector))
        return scores[0], ids[0]
    if restricted and len(allowed_ids) <= EXACT_SUBSET_LIMIT:
        return _exact_over(index, query[0], wanted, allowed_ids)
    params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, 2 * wanted))
    if restricted:
        params.sel = faiss.IDSelectorBatch(allowed_ids)
    scores, ids = index.search(query, wanted, params=params)
    return scores[0], ids[0]


def _exact_over(index: faiss.Index, query: np.ndarray, wanted: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vectors = stored_vectors(index)
    scores = vectors[ids] @ query
    best = np.argsort(-scores, kind="stable")[:wanted]
    return scores[best].astype(np.float32), ids[best]


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """A read-only view of the vectors in the HNSW index's flat storage; row i = passage i (ids are 0..n-1)."""
    inner = faiss.downcast_index(index.index)
    storage = faiss.downcast_index(inner.storage)
    view = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d).reshape(storage.ntotal, storage.d)
    view.flags.writeable = False
    return view
