"""The local LLM layer: presets, verified model files, grammar, sampling and the llama.cpp engine."""

from __future__ import annotations

from rag_answer.llm.engine import GenerationStats, LlamaEngine, TextGenerator
from rag_answer.llm.model_files import ModelFile, resolve_model
from rag_answer.llm.selfcheck import ensure_model_checked
from rag_answer.settings import Settings


def load_generator(settings: Settings) -> LlamaEngine:
    """The verified GGUF in llama.cpp. The first load of a model with this llama.cpp build on this CPU runs in a
    child process first (llm/selfcheck.py), so a native crash is one clear line, never a bare segfault."""
    model = resolve_model(settings.model, settings.models_dir)
    ensure_model_checked(model.path, name=model.name, sha256=model.sha256, threads=settings.threads,
                         cache_dir=settings.cache_dir)  # fmt: skip
    return LlamaEngine(
        model,
        threads=settings.threads,
        n_ctx=settings.n_ctx,
        seed=settings.seed,
        state_dir=settings.cache_dir / "prompt-states",
    )


_JUDGES: dict[tuple[str, int, int], TextGenerator] = {}


def load_judge_generator(settings: Settings, answering: TextGenerator | None) -> TextGenerator:
    """The model that judges claims: settings.judge_model (loaded once per process, so a chat does not reload it
    every turn), else the answering model (sharing its prompt states)."""
    if settings.judge_model:
        key = (settings.judge_model, settings.threads, settings.n_ctx)
        if key not in _JUDGES:
            _JUDGES[key] = load_generator(settings.model_copy(update={"model": settings.judge_model}))
        return _JUDGES[key]
    return answering if answering is not None else load_generator(settings)


__all__ = [
    "GenerationStats",
    "LlamaEngine",
    "ModelFile",
    "TextGenerator",
    "load_generator",
    "load_judge_generator",
    "resolve_model",
]
