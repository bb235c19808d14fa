"""Shared fixtures for the image tests: a prompt file and (when diffusers is installed) a tiny saved pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

PROMPT_TEXT = """You are an AI scientist.

A user has asked the following question:
"How do diffusion models render a red fox in fresh snow at golden hour with sharp fur detail?"

Based on the following recommended models, explain:

### Recommended AI Models:
Model: Tiny-Diffusion-Fox
Paper: None
GitHub: https://github.com/example/tiny-diffusion-fox

### Related Papers:
Model: Denoising Diffusion Probabilistic Models
Paper: http://arxiv.org/pdf/2006.11239v2.pdf
GitHub: https://github.com/hojonathanho/diffusion
Summary: Diffusion probabilistic models trained on a weighted variational bound.
"""


@pytest.fixture
def prompt_file(tmp_path: Path) -> Path:
    path = tmp_path / "question.txt"
    path.write_text(PROMPT_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    """The tiny random SD pipeline saved as a diffusers folder, a config-only folder and one .safetensors file."""
    pytest.importorskip("diffusers")
    from tests.doubles.tiny_pipeline import save_tiny_pipeline

    return save_tiny_pipeline(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture(autouse=True)
def _fresh_pipeline_cache_one_thread():
    """Each test loads its own pipeline; one torch thread (the tiny model gains nothing from more, and on a busy
    2-core machine spinning OpenMP workers make runs many times slower)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    from rag_answer.image import clear_cache

    clear_cache()
