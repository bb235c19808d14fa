"""The LangChain baseline: a plain retrieval chain built the usual way, on the same GGUF and embedder.

    FAISS vector store (langchain-community) over the prompt file's entries, split with
    RecursiveCharacterTextSplitter(1000, 100) and embedded by HuggingFaceEmbeddings pointed at the local
    all-MiniLM-L6-v2 folder (offline) -> retriever (k=4 chunks) -> a standard "answer with citations"
    prompt whose context gives each retrieved source's title and links -> LlamaCpp (the same GGUF path,
    n_threads, n_ctx and n_batch as rag-answer, temperature 0, other LlamaCpp defaults) -> StrOutputParser.

The prompt is wrapped in Qwen2.5's ChatML turns, as its model card asks (LlamaCpp is a raw completion LLM);
without them the instruct model does not follow the instructions at all. No grammar, no link rendering,
no audit-and-repair: this is what a user gets from the textbook chain.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag_answer.citations import REFUSAL_PHRASE
from rag_answer.entries import Entry, SourceSet

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"langchain.*")
warnings.filterwarnings("ignore", message=r".*(deprecated|sunset).*")

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 100
RETRIEVE_K = 4

SYSTEM = (
    "You are a helpful AI scientist. Answer the user's question using only the context below. "
    "Cite every source you use with its title and its links (GitHub or arXiv) exactly as given in the context. "
    "Do not use outside sources.\n"
    "Structure your answer in three parts:\n"
    "1. What task the user is trying to perform.\n"
    "2. How the model(s) would work in a workflow (input -> model -> output).\n"
    "3. Relevant papers and tools, with their GitHub or arXiv links.\n"
    f"If the context does not answer the question, reply exactly: {REFUSAL_PHRASE}\n\n"
    "Context:\n{context}"
)
TEMPLATE = (
    "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"
)


def entry_document_text(entry: Entry) -> str:
    kind = "Recommended model" if entry.kind == "model" else "Paper"
    return f"{kind}: {entry.title}\n{entry.summary}".strip()


def entry_metadata(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "kind": entry.kind, "title": entry.title, "paper": entry.paper_url,
            "github": entry.github_url}  # fmt: skip


def format_docs(docs: list[Any]) -> str:
    """Each retrieved chunk with its source's title and links, as a user would paste them."""
    blocks = []
    for doc in docs:
        meta = doc.metadata
        links = [
            f"Paper: {meta['paper']}" if meta.get("paper") else "",
            f"GitHub: {meta['github']}" if meta.get("github") else "",
        ]
        header = f"Source: {meta['title']} ({meta['kind']})" + "".join(f"\n{link}" for link in links if link)
        blocks.append(f"{header}\n{doc.page_content}")
    return "\n\n".join(blocks)


@dataclass
class BaselineAnswer:
    text: str
    seconds: float
    seconds_to_first_token: float | None
    retrieved: list[str]  # entry ids of the retrieved chunks, best first


class LangChainBaseline:
    """One LlamaCpp model loaded once; a fresh FAISS store per prompt file (its own entries only)."""

    def __init__(self, model_path: Path, *, threads: int, n_ctx: int, max_tokens: int, seed: int, embedder_path: Path):
        from langchain_community.embeddings import HuggingFaceEmbeddings
        from langchain_community.llms import LlamaCpp

        self.embeddings = HuggingFaceEmbeddings(
            model_name=str(embedder_path),
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True},
        )
        self.llm = LlamaCpp(
            model_path=str(model_path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_batch=512,
            max_tokens=max_tokens,
            temperature=0.0,
            seed=seed,
            stop=["<|im_end|>"],
            verbose=False,
        )

    def chain(self, source: SourceSet) -> tuple[Any, Any]:
        """(retriever, chain) over this prompt file's entries."""
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import PromptTemplate
        from langchain_core.runnables import RunnableLambda, RunnablePassthrough
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        documents = [Document(page_content=entry_document_text(e), metadata=entry_metadata(e)) for e in source.entries]
        chunks = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_documents(
            documents
        )
        store = FAISS.from_documents(chunks, self.embeddings)
        retriever = store.as_retriever(search_kwargs={"k": RETRIEVE_K})
        prompt = PromptTemplate.from_template(TEMPLATE)
        chain = (
            {"context": retriever | RunnableLambda(format_docs), "question": RunnablePassthrough()}
            | prompt
            | self.llm
            | StrOutputParser()
        )
        return retriever, chain

    def stream(self, source: SourceSet, question: str) -> Iterator[str]:
        _, chain = self.chain(source)
        yield from chain.stream(question)

    def answer(self, source: SourceSet, question: str) -> BaselineAnswer:
        started = time.perf_counter()
        retriever, chain = self.chain(source)
        first: float | None = None
        pieces: list[str] = []
        for piece in chain.stream(question):
            if first is None and piece:
                first = time.perf_counter() - started
            pieces.append(piece)
        seconds = time.perf_counter() - started
        retrieved = [doc.metadata["id"] for doc in retriever.invoke(question)]
        return BaselineAnswer("".join(pieces).strip() + "\n", seconds, first, retrieved)


def main(argv: list[str] | None = None) -> int:
    """`python eval/langchain_baseline.py --prompt FILE [--model PRESET]`: one answer, as a cold process."""
    import argparse
    import sys

    from rag_answer.embedder import default_embedder_path
    from rag_answer.llm import resolve_model
    from rag_answer.settings import load_settings
    from rag_answer.sources import load_source

    parser = argparse.ArgumentParser(description="answer a prompt file with the LangChain baseline chain")
    parser.add_argument("--prompt", type=Path, required=True)
    parser.add_argument("--model", help="preset (default: the settings' model)")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = load_settings(model=args.model, threads=args.threads, seed=args.seed, temperature=0.0)
    source = load_source(args.prompt)
    chain = LangChainBaseline(
        resolve_model(settings.model, settings.models_dir).path, threads=settings.threads, n_ctx=settings.n_ctx,
        max_tokens=settings.max_tokens, seed=settings.seed, embedder_path=default_embedder_path(),
    )  # fmt: skip
    for piece in chain.stream(source, source.question or ""):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
