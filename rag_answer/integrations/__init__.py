"""Adapters that let other frameworks use rag-answer's restricted index."""
