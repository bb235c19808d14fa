"""The FAISS index type chosen by size: HNSW above the threshold, exact below, restriction exact on both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import rag_answer.index_store.vectors as vectors
from rag_answer.errors import IndexStoreError
from rag_answer.index_store import build_index, load_index, save_index, search
from rag_answer.sources import load_source
from tests.conftest import TEST_PROMPTS


@pytest.fixture(scope="module")
def sources(example_path: Path):
    return [load_source(path) for path in [example_path, *sorted(TEST_PROMPTS.glob("00*.txt"))[:3]]]


def ranked(hits) -> list[tuple[int, str, float]]:
    return [(hit.source_no, hit.entry.id, round(hit.score, 5)) for hit in hits]


def test_kind_follows_size() -> None:
    assert vectors.kind_for(vectors.APPROXIMATE_FROM - 1) == "flat"
    assert vectors.kind_for(vectors.APPROXIMATE_FROM) == "hnsw"
    assert vectors.kind_for(10, "hnsw") == "hnsw"


def test_hnsw_index_round_trips_and_restricts_like_exact(
    sources, real_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = build_index(sources, real_embedder, progress=False)
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 10)  # these few passages now count as "large"
    save_index(build_index(sources, real_embedder, progress=False), tmp_path, "hnsw")
    approx = load_index(tmp_path, "hnsw", real_embedder)
    assert approx.manifest["faiss"]["type"] == "hnsw" and vectors.kind_of(approx.faiss_index) == "hnsw"
    assert exact.manifest["faiss"] == {"type": "flat"}
    stored = vectors.stored_vectors(approx.faiss_index)
    assert stored.shape == (len(approx.passages), 384) and not stored.flags.writeable

    queries = [entry.title for source in sources for entry in source.entries][::3]
    for query in queries:
        for source_nos in ([0], [1, 2], None):
            got = search(approx, real_embedder, query, k=20, source_nos=source_nos)
            want = search(exact, real_embedder, query, k=20, source_nos=source_nos)
            assert ranked(got) == ranked(want)
            allowed = set(source_nos or range(len(sources)))
            assert {hit.source_no for hit in got} <= allowed

    # a restriction too large for the exact path goes through the graph with the ID selector: still restricted
    monkeypatch.setattr(vectors, "EXACT_SUBSET_LIMIT", 0)
    for query in queries:
        got = search(approx, real_embedder, query, k=20, source_nos=[1])
        assert got and {hit.source_no for hit in got} == {1}


def test_version_1_loads_and_a_mislabelled_index_is_refused(sources, real_embedder, tmp_path: Path) -> None:
    save_index(build_index(sources[:1], real_embedder, progress=False), tmp_path, "v2")
    shutil.copytree(tmp_path / "v2", tmp_path / "v1")
    manifest = json.loads((tmp_path / "v1" / "manifest.json").read_text("utf-8"))
    del manifest["faiss"]
    (tmp_path / "v1" / "manifest.json").write_text(json.dumps(dict(manifest, version=1)), "utf-8")
    assert len(search(load_index(tmp_path, "v1", real_embedder), real_embedder, "pores", k=10)) == 4

    (tmp_path / "v1" / "manifest.json").write_text(json.dumps(dict(manifest, version=3)), "utf-8")
    with pytest.raises(IndexStoreError, match="unsupported index format 'rag-answer-index' version 3"):
        load_index(tmp_path, "v1", real_embedder)
    (tmp_path / "v1" / "manifest.json").write_text(
        json.dumps(dict(manifest, version=2, faiss={"type": "hnsw"})), "utf-8"
    )
    with pytest.raises(IndexStoreError, match="vectors.faiss does not match"):
        load_index(tmp_path, "v1", real_embedder)


def test_exact_subset_search_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3000, 32)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    index, description = vectors.make_index(data, "hnsw")
    assert description["type"] == "hnsw" and index.ntotal == 3000
    allowed = np.arange(5, 3000, 7, dtype=np.int64)
    query = data[:1] + 0.1
    scores, ids = vectors.search_restricted(index, query, 10, allowed, restricted=True)
    brute = allowed[np.argsort(-(data[allowed] @ query[0]))[:10]]
    assert ids.tolist() == brute.tolist()
    assert np.allclose(scores, data[ids] @ query[0], atol=1e-6)
    # the allowed passages are the ones farthest from the query: a filtered graph walk would not reach them
    far = np.argsort(data @ query[0])[:30].astype(np.int64)
    scores, ids = vectors.search_restricted(index, query, 10, np.sort(far), restricted=True)
    assert ids.tolist() == far[np.argsort(-(data[far] @ query[0]))[:10]].tolist()
