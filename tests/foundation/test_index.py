"""The restricted index with the real embedder and real FAISS: build, save, verify, restrict, lock."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

from rag_answer.errors import BadInputError, IndexStoreError
from rag_answer.index_store import build_index, load_index, save_index, search
from rag_answer.index_store.cache import cached_index
from rag_answer.integrations.langchain import RestrictedIndexRetriever
from rag_answer.sources import load_source
from tests.conftest import TEST_PROMPTS

SKIN_QUERY = "what data trains AI to capture fine skin detail like pores"


@pytest.fixture(scope="module")
def example_index(real_embedder, example_path: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("index")
    index = build_index([load_source(example_path)], real_embedder, progress=False)
    save_index(index, root, "example")
    return root


def test_example_search_returns_its_four_entries_skin_first(example_index: Path, real_embedder) -> None:
    index = load_index(example_index, "example", real_embedder)
    hits = search(index, real_embedder, SKIN_QUERY, k=10)
    assert next(hit.entry.id for hit in hits) == "the-skin-game"
    assert sorted(hit.entry.id for hit in hits) == sorted(e.id for e in index.sources[0].entries)
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_manifest_records_format_embedder_counts_hashes_and_links(example_index: Path, real_embedder) -> None:
    manifest = json.loads((example_index / "example" / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "rag-answer-index" and manifest["version"] == 2 and manifest["faiss"] == {"type": "flat"}
    assert manifest["embedder"] == {"name": real_embedder.name, "weights_sha256": real_embedder.weights_sha256}
    assert manifest["dimension"] == 384
    assert manifest["counts"]["entries"] == 4 and manifest["counts"]["sources"] == 1
    assert set(manifest["files"]) == {"vectors.faiss", "sources.json", "passages.json"}
    assert "https://github.com/yifeiyin04/Hi4D" in manifest["links"] and len(manifest["links"]) == 6
    assert not (example_index / "example" / "vectors.pkl").exists()


def test_tampered_file_and_other_embedder_are_refused(example_index: Path, real_embedder, tmp_path: Path) -> None:
    shutil.copytree(example_index / "example", tmp_path / "copy")
    (tmp_path / "copy" / "passages.json").write_text("[]", "utf-8")
    with pytest.raises(IndexStoreError, match="passages.json does not match") as caught:
        load_index(tmp_path, "copy", real_embedder)
    assert "rag-answer index" in caught.value.one_line()

    shutil.copytree(example_index / "example", tmp_path / "other")
    manifest_path = tmp_path / "other" / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["embedder"]["weights_sha256"] = "f" * 64
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexStoreError, match="built with embedder"):
        load_index(tmp_path, "other", real_embedder)

    with pytest.raises(IndexStoreError, match="no such index"):
        load_index(tmp_path, "absent", real_embedder)
    with pytest.raises(BadInputError, match="plain folder name"):
        load_index(tmp_path, "../escape", real_embedder)


def test_questions_are_restricted_to_their_own_source(real_embedder, tmp_path: Path, example_path: Path) -> None:
    files = [example_path, *sorted(TEST_PROMPTS.glob("00*.txt"))[:3]]
    sources = [load_source(path) for path in files]
    index = build_index(sources, real_embedder, progress=False)
    save_index(index, tmp_path, "many")
    index = load_index(tmp_path, "many", real_embedder)
    for number, source in enumerate(sources):
        own = {entry.id for entry in source.entries}
        # ask with the titles of every other source: nothing from them may come back
        for other in sources:
            for entry in other.entries:
                hits = search(index, real_embedder, entry.title, k=50, source_nos=[number])
                assert hits and {hit.entry.id for hit in hits} <= own
                assert {hit.source_no for hit in hits} == {number}
    assert index.find_source(str(files[1])) == 1
    assert index.find_source(sources[2].source_id[:12]) == 2


_FORKED: dict[str, object] = {}  # handed to forked workers through memory, not pickling


def _save_repeatedly(root: str, rounds: int) -> None:
    for _ in range(rounds):
        save_index(_FORKED["index"], Path(root), "shared")


def test_concurrent_builders_never_corrupt_the_index(real_embedder, example_path: Path, tmp_path: Path) -> None:
    _FORKED["index"] = build_index([load_source(example_path)], real_embedder, progress=False)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_save_repeatedly, args=(str(tmp_path), 5)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    loaded = load_index(tmp_path, "shared", real_embedder)
    assert loaded.manifest["counts"]["entries"] == 4
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".shared.lock") == ["shared"]


def test_prompt_index_cache_is_reused(
    real_embedder, example_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag_answer.index_store.cache as cache

    builds: list[str] = []
    real_build = cache.build_index

    def counting_build(sources, *args, **kwargs):
        builds.append(sources[0].source_id)
        return real_build(sources, *args, **kwargs)

    monkeypatch.setattr(cache, "build_index", counting_build)

    def files(folder: Path) -> dict[str, tuple[int, int, int]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}

    source = load_source(example_path)
    first = cached_index(source, real_embedder, tmp_path, progress=False)
    assert len(builds) == 1
    [folder] = [path for path in (tmp_path / "indexes").iterdir() if path.is_dir()]
    written = files(folder)
    assert {"manifest.json", "passages.json", "vectors.faiss"} <= set(written)

    second = cached_index(source, real_embedder, tmp_path, progress=False)
    assert len(builds) == 1  # loaded, not rebuilt ...
    assert files(folder) == written  # ... and not rewritten: same files, inodes, mtimes and sizes
    assert second.path == first.path == folder
    assert [p.text for p in second.passages] == [p.text for p in first.passages]

    other = tmp_path / "other.txt"  # other bytes: another cache entry, built once
    other.write_text(example_path.read_text("utf-8") + "\n", "utf-8")
    cached_index(load_source(other), real_embedder, tmp_path, progress=False)
    assert len(builds) == 2 and len([path for path in (tmp_path / "indexes").iterdir() if path.is_dir()]) == 2
    assert files(folder) == written

    (folder / "passages.json").write_text("[]", "utf-8")  # a stale entry is rebuilt, not trusted
    cached_index(source, real_embedder, tmp_path, progress=False)
    assert len(builds) == 3 and (folder / "passages.json").stat().st_size == written["passages.json"][2]


def test_langchain_retriever_returns_restricted_documents(example_index: Path, real_embedder) -> None:
    from langchain_core.documents import Document

    retriever = RestrictedIndexRetriever.from_index_name(
        "example", index_dir=example_index, embedder=real_embedder, k=2
    )
    documents = retriever.invoke(SKIN_QUERY)
    assert len(documents) == 2 and all(isinstance(doc, Document) for doc in documents)
    assert documents[0].metadata["id"] == "the-skin-game"
    assert documents[0].metadata["paper"] == "http://arxiv.org/pdf/2502.02500v1.pdf"
    assert documents[0].page_content.startswith("The Skin Game")
