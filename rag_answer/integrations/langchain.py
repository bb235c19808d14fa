"""A LangChain retriever over a restricted index: chains can use it, and still only see supplied entries.

from rag_answer.integrations.langchain import RestrictedIndexRetriever
retriever = RestrictedIndexRetriever.from_index_name("example", k=4)
docs = retriever.invoke("skin detail")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag_answer.embedder import Embedder, get_embedder
from rag_answer.index_store import RestrictedIndex, load_index, search


class RestrictedIndexRetriever(BaseRetriever):
    """One Document per retrieved entry: its best passage, with id, title, links and score as metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: RestrictedIndex
    embedder: Any  # an Embedder; Any keeps pydantic from inspecting it
    k: int = 4
    source_nos: list[int] | None = None

    @classmethod
    def from_index_name(
        cls, name: str, *, index_dir: Path = Path("index"), embedder: Embedder | None = None, **kwargs: Any
    ) -> RestrictedIndexRetriever:
        embedder = embedder or get_embedder()
        return cls(index=load_index(index_dir, name, embedder), embedder=embedder, **kwargs)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = search(self.index, self.embedder, query, k=self.k, source_nos=self.source_nos)
        return [
            Document(
                page_content=hit.passages[0][0],
                metadata={
                    "id": hit.entry.id,
                    "kind": hit.entry.kind,
                    "title": hit.entry.title,
                    "paper": hit.entry.paper_url,
                    "github": hit.entry.github_url,
                    "score": hit.score,
                    "source": hit.entry.origin.path,
                    "line": hit.entry.origin.line,
                },
            )
            for hit in hits
        ]
