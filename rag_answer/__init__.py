"""rag-answer: local, grounded answers from a closed list of sources."""

__version__ = "0.1.0"
