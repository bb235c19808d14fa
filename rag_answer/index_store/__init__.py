"""The restricted index: build, save, load and search FAISS over supplied passages only."""

from rag_answer.index_store.search import Hit, search
from rag_answer.index_store.store import RestrictedIndex, build_index, load_index, save_index

__all__ = ["Hit", "RestrictedIndex", "build_index", "load_index", "save_index", "search"]
