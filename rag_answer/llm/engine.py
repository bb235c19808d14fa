"""The local LLM: llama-cpp-python over a verified GGUF, streaming under a grammar, reusing prompt prefixes.

Prefix reuse has two layers. Within a process, llama-cpp-python keeps the KV cache and re-evaluates only
the tokens after the longest common prefix. Across processes, the evaluated fixed part of the prompt
(instructions + sources) is saved with llama.cpp's state file, keyed by a hash of model, context size
and prefix tokens, and loaded before generation.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from rag_answer.errors import ModelError
from rag_answer.llm.model_files import ModelFile
from rag_answer.llm.sampling import choose_token, penalize_repeats

IM_START, IM_END = "<|im_start|>", "<|im_end|>"


def chat_prefix(system: str) -> str:
    """The fixed part of a ChatML prompt (Qwen2.5's format)."""
    return f"{IM_START}system\n{system}{IM_END}\n"


def chat_turn(user: str, assistant: str | None = None) -> str:
    text = f"{IM_START}user\n{user}{IM_END}\n{IM_START}assistant\n"
    return text + f"{assistant}{IM_END}\n" if assistant is not None else text


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens not evaluated again (KV prefix or saved state)
    prefix_cache: str = "none"  # "memory", "disk", "written" or "none"
    generated_tokens: int = 0
    seconds_to_first_token: float = 0.0
    seconds_total: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        decode = self.seconds_total - self.seconds_to_first_token
        return (self.generated_tokens - 1) / decode if decode > 0 and self.generated_tokens > 1 else 0.0

    def to_dict(self) -> dict[str, float | int | str]:
        data: dict[str, float | int | str] = asdict(self)
        data["tokens_per_second"] = round(self.tokens_per_second, 2)
        return data


class TextGenerator(Protocol):
    """What the answer pipeline needs from an LLM; fakes implement it in tests."""

    model_name: str
    model_sha256: str
    last_stats: GenerationStats

    def stream(
        self, prefix: str, suffix: str, *, grammar: str | None, max_tokens: int, temperature: float, seed: int
    ) -> Iterator[str]: ...


class LlamaEngine:
    def __init__(self, model: ModelFile, *, threads: int, n_ctx: int, seed: int, state_dir: Path | None):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelError("llama-cpp-python is not installed", hint="run scripts/install.sh") from None
        self.model_name = model.name
        self.model_sha256 = model.sha256
        self.n_ctx = n_ctx
        self.state_dir = state_dir
        self.last_stats = GenerationStats()
        try:
            self.llm = Llama(
                model_path=str(model.path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=512,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp cannot load the model: {exc}", path=str(model.path)) from None

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def stream(
        self, prefix: str, suffix: str, *, grammar: str | None, max_tokens: int, temperature: float, seed: int
    ) -> Iterator[str]:
        import llama_cpp

        started = time.perf_counter()
        prefix_tokens = self.tokenize(prefix)
        tokens = prefix_tokens + self.tokenize(suffix)
        if len(tokens) + max_tokens > self.n_ctx:
            raise ModelError(
                f"prompt ({len(tokens)} tokens) plus answer ({max_tokens}) exceed the context of {self.n_ctx}",
                hint="lower --top-k or --max-tokens, or raise RAG_ANSWER_N_CTX",
            )
        stats = GenerationStats(prompt_tokens=len(tokens))
        self.last_stats = stats
        stats.prefix_cache = self._warm_prefix(prefix_tokens)
        stats.reused_tokens = self._evaluate_prompt(tokens)
        vocab = self.llm._model.vocab
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root") if grammar else None
        if grammar and not sampler:
            raise ModelError("llama.cpp rejected the answer grammar")
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        rng = np.random.default_rng(seed)
        generated: list[int] = []
        n_vocab = self.llm.n_vocab()
        try:
            for _ in range(max_tokens):
                logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self.llm.ctx, -1), shape=(n_vocab,))
                token = choose_token(llama_cpp, penalize_repeats(logits, generated), sampler, temperature, rng)
                if token is None or llama_cpp.llama_vocab_is_eog(vocab, token):
                    break
                if sampler:
                    llama_cpp.llama_sampler_accept(sampler, token)
                generated.append(token)
                stats.generated_tokens += 1
                if stats.generated_tokens == 1:
                    stats.seconds_to_first_token = time.perf_counter() - started
                text = decoder.decode(self.llm.detokenize([token]))
                stats.seconds_total = time.perf_counter() - started
                if text:
                    yield text
                self.llm.eval([token])
            if tail := decoder.decode(b"", final=True):
                yield tail
        finally:
            if sampler:
                llama_cpp.llama_sampler_free(sampler)
            stats.seconds_total = time.perf_counter() - started

    def _evaluate_prompt(self, tokens: list[int]) -> int:
        """Evaluate what the KV cache does not already hold; returns the number of tokens reused."""
        held = self.llm.input_ids[: self.llm.n_tokens].tolist()
        common = 0
        for a, b in zip(held, tokens, strict=False):
            if a != b:
                break
            common += 1
        common = min(common, len(tokens) - 1)  # at least one token is evaluated, so logits are fresh
        if common < self.llm.n_tokens and not self.llm._ctx.kv_cache_seq_rm(-1, common, -1):
            common = 0
            self.llm.reset()
            self.llm._ctx.kv_cache_clear()
        self.llm.n_tokens = common
        self.llm.eval(tokens[common:])
        return common

    def _warm_prefix(self, prefix_tokens: list[int]) -> str:
        """Make the KV cache hold the prefix: already there, loaded from disk, or evaluated and saved."""
        held = list(self.llm.input_ids[: self.llm.n_tokens])
        if len(held) >= len(prefix_tokens) and held[: len(prefix_tokens)] == prefix_tokens:
            return "memory"
        if self.state_dir is None:
            return "none"
        key = hashlib.sha256(f"{self.model_sha256}:{self.n_ctx}:{prefix_tokens}".encode()).hexdigest()[:32]
        path = self.state_dir / f"{key}.llstate"
        if path.is_file() and self._load_state(path, prefix_tokens):
            return "disk"
        self.llm.reset()
        self.llm.eval(prefix_tokens)
        self._save_state(path, prefix_tokens)
        return "written"

    def _load_state(self, path: Path, prefix_tokens: list[int]) -> bool:
        import llama_cpp

        capacity = self.n_ctx
        out = (llama_cpp.llama_token * capacity)()
        count = ctypes.c_size_t(0)
        ok = llama_cpp.llama_state_load_file(self.llm.ctx, str(path).encode(), out, capacity, ctypes.byref(count))
        loaded = list(out[: count.value])
        if not ok or loaded != prefix_tokens:
            self.llm.reset()
            path.unlink(missing_ok=True)  # stale or corrupt: rebuilt below
            return False
        self.llm.input_ids[: count.value] = loaded
        self.llm.n_tokens = count.value
        self.llm._requires_eval = True  # logits are not restored; generate() re-evaluates one token
        return True

    def _save_state(self, path: Path, prefix_tokens: list[int]) -> None:
        import llama_cpp

        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        array = (llama_cpp.llama_token * len(prefix_tokens))(*prefix_tokens)
        if llama_cpp.llama_state_save_file(self.llm.ctx, str(temp).encode(), array, len(prefix_tokens)):
            os.replace(temp, path)
        else:
            temp.unlink(missing_ok=True)
