"""`rag-answer serve`: the embedder, indexes and LLM loaded once, behind an HTTP API and a web page."""

from rag_answer.server.app import build_app
from rag_answer.server.state import Limits, ServerState, load_targets

__all__ = ["Limits", "ServerState", "build_app", "load_targets"]
