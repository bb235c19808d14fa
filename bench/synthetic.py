"""Synthetic catalogs for the index benchmarks: N entries with realistic-length summaries (about 8 sentences,
1,000-1,300 characters, like the arXiv abstracts of the prompt files), deterministic for a seed."""

from __future__ import annotations

import hashlib
import random

from rag_answer.entries import Entry, Origin, SourceSet

_TOPICS = ("image generation", "speech recognition", "text-to-speech", "segmentation", "retrieval", "quantization",
           "super-resolution", "video understanding", "reinforcement learning", "3D reconstruction",
           "music generation", "language modelling", "object detection", "depth estimation", "pose estimation",
           "document parsing")  # fmt: skip
_METHODS = ("a diffusion model", "a transformer encoder", "a convolutional network", "a state-space model",
            "a mixture of experts", "a variational autoencoder", "a contrastive objective", "low-rank adapters",
            "a graph neural network", "a neural radiance field")  # fmt: skip
_DATASETS = ("ImageNet", "COCO", "LibriSpeech", "LAION-5B", "Common Voice", "ADE20K", "KITTI", "MS MARCO",
             "AudioSet", "ShapeNet")  # fmt: skip
_TEMPLATES = (
    "We study {topic} and propose {method} that scales to large collections of training data.",
    "Existing approaches to {topic} struggle with long inputs, occlusions and noisy annotations.",
    "Our approach combines {method} with a lightweight decoder trained end to end on {dataset}.",
    "We introduce a curriculum that gradually increases the difficulty of the examples seen during training.",
    "On {dataset} the model improves the previous state of the art by {gain} points while using {ratio}x fewer "
    "parameters.",
    "An ablation study shows that the attention pattern and the normalization layer matter most for {topic}.",
    "We further evaluate robustness under distribution shift and report results on three held-out benchmarks.",
    "Inference runs in real time on a single consumer GPU, and a quantized variant fits on a laptop CPU.",
    "Code, pretrained weights and the evaluation protocol are released to support reproducible research.",
    "Limitations include sensitivity to hyperparameters and a reliance on curated data from {dataset}.",
)


def summary(rng: random.Random) -> str:
    values = {
        "topic": rng.choice(_TOPICS),
        "method": rng.choice(_METHODS),
        "dataset": rng.choice(_DATASETS),
        "gain": f"{rng.uniform(0.5, 9.5):.1f}",
        "ratio": rng.randint(2, 12),
    }
    sentences = [template.format(**values) for template in _TEMPLATES]
    rng.shuffle(sentences)
    return " ".join(sentences[: rng.randint(7, 9)])


def catalog(n_entries: int, *, seed: int = 0) -> SourceSet:
    """One source set of n entries (one recommended model per 20 entries, the rest papers), all with links."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    entries = []
    for number in range(n_entries):
        kind = "model" if number % 20 == 0 else "paper"
        topic = rng.choice(_TOPICS)
        title = f"{topic.title()} with {rng.choice(_METHODS)} {number}"
        entries.append(
            Entry(
                id=f"e{number}",
                kind=kind,
                title=title,
                paper_url=f"http://arxiv.org/pdf/{2000 + number // 10000}.{number % 10000:05d}.pdf",
                github_url=f"https://github.com/synthetic/repo-{number}",
                summary="" if kind == "model" else summary(rng),
                origin=Origin(path=f"synthetic-{n_entries}", line=1 + 5 * number),
            )
        )
    source_id = hashlib.sha256(f"synthetic:{n_entries}:{seed}".encode()).hexdigest()
    return SourceSet(source_id=source_id, path=f"synthetic-{n_entries}.yaml", question=None, entries=tuple(entries))


QUERIES = (
    "How does a diffusion model generate images from text?",
    "Which method works for speech recognition with little labelled data?",
    "Can a quantized model run on a laptop CPU?",
    "What dataset was used to evaluate segmentation?",
    "How robust is the model under distribution shift?",
)
