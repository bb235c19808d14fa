"""The local LLM layer: presets, verified model files, grammar, sampling and the llama.cpp engine."""

from __future__ import annotations

from rag_answer.llm.engine import GenerationStats, LlamaEngine, TextGenerator
from rag_answer.llm.model_files import ModelFile, resolve_model
from rag_answer.settings import Settings


def load_generator(settings: Settings) -> LlamaEngine:
    model = resolve_model(settings.model, settings.models_dir)
    return LlamaEngine(
        model,
        threads=settings.threads,
        n_ctx=settings.n_ctx,
        seed=settings.seed,
        state_dir=settings.cache_dir / "prompt-states",
    )


__all__ = ["GenerationStats", "LlamaEngine", "ModelFile", "TextGenerator", "load_generator", "resolve_model"]
