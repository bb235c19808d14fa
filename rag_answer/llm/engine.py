"""The local LLM: llama-cpp-python over a verified GGUF, streaming under a grammar, with one canonical
evaluation schedule so the same prompt gives the same bytes whatever the cache holds.

llama.cpp's logits depend on how a prompt is cut into batches (llama.cpp #4479), so reusing "the longest
common prefix with whatever the KV cache holds" makes greedy decoding flip where two tokens nearly tie.
Here every prompt is a (prefix, suffix) pair and is always evaluated the same way:

1. the KV cache is cleared;
2. the prefix's KV state is restored: from memory, from a state file on disk, or (the first time) by
   evaluating the prefix from position 0 in n_batch chunks and restoring that state right away, so all
   three paths end in the same restored cells;
3. the suffix is evaluated in n_batch chunks from the prefix boundary;
4. tokens are generated one at a time.

Nothing else is ever reused: not a longer common prefix, not the KV of generated tokens.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import os
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from rag_answer.errors import ContextOverflowError, ModelError
from rag_answer.llm.chat_template import ChatTemplate
from rag_answer.llm.lookup_draft import LookupDrafter
from rag_answer.llm.model_files import ModelFile
from rag_answer.llm.sampling import choose_token, penalize_repeats

N_BATCH = 512
MAX_DRAFT_LIMIT = 32
_MEMORY_STATES_BYTES = 512 * 1024 * 1024  # prefix states kept in memory (1.5B: about 28 KB per token)


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens restored from a saved prefix state instead of evaluated
    prefix_cache: str = "none"  # "memory", "disk", "written" or "none"
    generated_tokens: int = 0
    seconds_to_first_token: float = 0.0
    seconds_total: float = 0.0
    calls: int = 1  # generation calls summed into these figures
    drafted_tokens: int = 0  # tokens guessed by prompt lookup and checked by the model
    accepted_tokens: int = 0  # of those, the ones the model chose itself

    @property
    def tokens_per_second(self) -> float:
        decode = self.seconds_total - self.seconds_to_first_token
        return (self.generated_tokens - 1) / decode if decode > 0 and self.generated_tokens > 1 else 0.0

    def to_dict(self) -> dict[str, float | int | str]:
        data: dict[str, float | int | str] = asdict(self)
        data["tokens_per_second"] = round(self.tokens_per_second, 2)
        return data

    def add(self, other: GenerationStats) -> GenerationStats:
        """The sum of two calls (first token and prefix cache from the first)."""
        return GenerationStats(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            reused_tokens=self.reused_tokens + other.reused_tokens,
            prefix_cache=self.prefix_cache if self.prefix_cache != "none" else other.prefix_cache,
            generated_tokens=self.generated_tokens + other.generated_tokens,
            seconds_to_first_token=self.seconds_to_first_token or other.seconds_to_first_token,
            seconds_total=self.seconds_total + other.seconds_total,
            calls=self.calls + other.calls,
            drafted_tokens=self.drafted_tokens + other.drafted_tokens,
            accepted_tokens=self.accepted_tokens + other.accepted_tokens,
        )


class TextGenerator(Protocol):
    """What the answer pipeline needs from an LLM; test doubles implement it too."""

    model_name: str
    model_sha256: str
    last_stats: GenerationStats
    template: ChatTemplate

    def stream(
        self, prefix: str, suffix: str, *, grammar: str | None, max_tokens: int, temperature: float, seed: int
    ) -> Iterator[str]: ...

    def choice_logprobs(self, prefix: str, suffix: str, choices: Sequence[str]) -> dict[str, float]: ...


class LlamaEngine:
    def __init__(
        self, model: ModelFile, *, threads: int, n_ctx: int, seed: int, state_dir: Path | None, max_draft: int = 0
    ):
        try:
            import llama_cpp
            from llama_cpp import Llama
        except ImportError:
            raise ModelError("llama-cpp-python is not installed", hint="run scripts/install.sh") from None
        if not 0 <= max_draft <= MAX_DRAFT_LIMIT:
            raise ModelError(f"max_draft must be 0..{MAX_DRAFT_LIMIT}, not {max_draft}")
        self.max_draft = max_draft  # 0: one token per llama_decode; else up to this many looked-up guesses
        self._batch = llama_cpp.llama_batch_init(MAX_DRAFT_LIMIT + 1, 0, 1)
        weakref.finalize(self, llama_cpp.llama_batch_free, self._batch)
        self.model_name = model.name
        self.model_sha256 = model.sha256
        self.n_ctx = n_ctx
        self.state_dir = state_dir
        self.last_stats = GenerationStats()
        self._states: OrderedDict[str, bytes] = OrderedDict()
        try:
            self.llm = Llama(
                model_path=str(model.path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=N_BATCH,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp cannot load the model: {exc}", path=str(model.path)) from None
        self.template = ChatTemplate.from_metadata(
            self.llm.metadata,
            source=str(model.path),
            bos_token=self._token_text(self.llm.token_bos()),
            eos_token=self._token_text(self.llm.token_eos()),
        )

    def _token_text(self, token: int) -> str:
        return self.llm.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def stream(
        self, prefix: str, suffix: str, *, grammar: str | None, max_tokens: int, temperature: float, seed: int
    ) -> Iterator[str]:
        import llama_cpp

        started = time.perf_counter()
        stats = GenerationStats()
        self.last_stats = stats
        prompt_tokens = self._evaluate_canonically(prefix, suffix, max_tokens, stats)
        vocab = self.llm._model.vocab
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root") if grammar else None
        if grammar and not sampler:
            raise ModelError("llama.cpp rejected the answer grammar")
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        rng = np.random.default_rng(seed)
        generated: list[int] = []
        drafter = LookupDrafter(prompt_tokens) if self.max_draft > 0 else None

        def choose(logits: np.ndarray) -> int | None:
            token = choose_token(llama_cpp, penalize_repeats(logits, generated), sampler, temperature, rng)
            return None if token is None or llama_cpp.llama_vocab_is_eog(vocab, token) else token

        def accept(token: int) -> str:
            if sampler:
                llama_cpp.llama_sampler_accept(sampler, token)
            generated.append(token)
            if drafter is not None:
                drafter.append(token)
            stats.generated_tokens += 1
            if stats.generated_tokens == 1:
                stats.seconds_to_first_token = time.perf_counter() - started
            stats.seconds_total = time.perf_counter() - started
            return decoder.decode(self.llm.detokenize([token]))

        try:
            # Each position's token is chosen exactly once, from that position's logits, in order, so greedy
            # and seeded sampling give what one-token-at-a-time decoding gives. Drafted tokens only decide how
            # many positions one llama_decode call evaluates; the model's choice decides what is kept.
            token = choose(self._logits())
            while token is not None:
                if text := accept(token):
                    yield text
                if len(generated) >= max_tokens:
                    break
                draft = drafter.propose(min(self.max_draft, max_tokens - len(generated))) if drafter else []
                rows = self._decode([token, *draft])
                stats.drafted_tokens += len(draft)
                kept = 0
                token = choose(rows[0])
                while kept < len(draft) and token == draft[kept] and len(generated) < max_tokens:
                    if text := accept(token):
                        yield text
                    kept += 1
                    token = choose(rows[kept])
                stats.accepted_tokens += kept
                self._forget_after(len(draft) - kept)
                if len(generated) >= max_tokens:
                    break
            if tail := decoder.decode(b"", final=True):
                yield tail
        finally:
            if sampler:
                llama_cpp.llama_sampler_free(sampler)
            stats.seconds_total = time.perf_counter() - started

    def choice_logprobs(self, prefix: str, suffix: str, choices: Sequence[str]) -> dict[str, float]:
        """Log-probability of each choice's first token right after the prompt (one forward pass)."""
        stats = GenerationStats()
        self.last_stats = stats
        started = time.perf_counter()
        self._evaluate_canonically(prefix, suffix, 1, stats)
        logits = self._logits().astype(np.float64)
        logits -= logits.max()
        log_z = np.log(np.exp(logits).sum())
        stats.seconds_total = time.perf_counter() - started
        return {choice: float(logits[self.tokenize(choice)[0]] - log_z) for choice in choices}

    def _logits(self) -> np.ndarray:
        import llama_cpp

        return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self.llm.ctx, -1), shape=(self.llm.n_vocab(),))

    def _evaluate_canonically(self, prefix: str, suffix: str, max_tokens: int, stats: GenerationStats) -> list[int]:
        prefix_tokens = self.tokenize(prefix) if prefix else []
        suffix_tokens = self.tokenize(suffix)
        if not suffix_tokens:
            raise ModelError("empty prompt suffix: nothing to answer")
        total = len(prefix_tokens) + len(suffix_tokens)
        if total + max_tokens > self.n_ctx:
            raise ContextOverflowError(
                f"prompt ({total} tokens) plus answer ({max_tokens}) exceed the context of {self.n_ctx}",
                hint="lower --top-k or --max-tokens, or raise RAG_ANSWER_N_CTX",
            )
        stats.prompt_tokens = total
        stats.prefix_cache = self._restore_prefix(prefix_tokens)
        stats.reused_tokens = len(prefix_tokens) if stats.prefix_cache in ("memory", "disk") else 0
        self.llm.eval(suffix_tokens)  # n_batch chunks counted from the prefix boundary
        return prefix_tokens + suffix_tokens

    def _decode(self, tokens: list[int]) -> list[np.ndarray]:
        """Evaluate tokens at the next positions in one llama_decode; the logits after each of them."""
        import llama_cpp

        batch = self._batch
        start = self.llm.n_tokens
        if start + len(tokens) > self.n_ctx:
            raise ContextOverflowError(f"the answer reached the context of {self.n_ctx} tokens")
        batch.n_tokens = len(tokens)
        for i, token in enumerate(tokens):
            batch.token[i] = token
            batch.pos[i] = start + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = True
        if llama_cpp.llama_decode(self.llm.ctx, batch) != 0:
            raise ModelError("llama.cpp failed to evaluate the answer's tokens")
        self.llm.input_ids[start : start + len(tokens)] = tokens
        self.llm.n_tokens = start + len(tokens)
        n_vocab = self.llm.n_vocab()
        return [
            np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self.llm.ctx, i), shape=(n_vocab,))
            for i in range(len(tokens))
        ]

    def _forget_after(self, count: int) -> None:
        """Drop the last count positions from the KV cache: drafted tokens the model did not choose."""
        import llama_cpp

        if count <= 0:
            return
        keep = self.llm.n_tokens - count
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(self.llm.ctx), 0, keep, -1)
        self.llm.n_tokens = keep

    def _clear(self) -> None:
        import llama_cpp

        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(self.llm.ctx), True)
        self.llm.n_tokens = 0

    def _restore_prefix(self, prefix_tokens: list[int]) -> str:
        """Make the KV cache hold exactly the prefix's canonical state; returns where it came from."""
        self._clear()
        if not prefix_tokens:
            return "none"
        key = hashlib.sha256(f"{self.model_sha256}:{self.n_ctx}:{N_BATCH}:{prefix_tokens}".encode()).hexdigest()[:32]
        if key in self._states:
            self._states.move_to_end(key)
            self._set_state(self._states[key], prefix_tokens)
            return "memory"
        path = self.state_dir / f"{key}.seqstate" if self.state_dir is not None else None
        if path is not None and path.is_file() and self._load_state_file(path, prefix_tokens):
            self._remember(key, self._get_state())
            return "disk"
        self.llm.eval(prefix_tokens)  # n_batch chunks from position 0
        state = self._get_state()
        self._remember(key, state)
        if path is not None:
            self._save_state_file(path, prefix_tokens)
        self._clear()
        self._set_state(state, prefix_tokens)  # the cold path ends in the same restored cells as the warm ones
        return "written" if path is not None else "none"

    def _remember(self, key: str, state: bytes) -> None:
        self._states[key] = state
        while sum(len(value) for value in self._states.values()) > _MEMORY_STATES_BYTES and len(self._states) > 1:
            self._states.popitem(last=False)

    def _get_state(self) -> bytes:
        import llama_cpp

        size = llama_cpp.llama_state_seq_get_size(self.llm.ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(self.llm.ctx, buffer, size, 0)
        return bytes(buffer[:written])

    def _set_state(self, state: bytes, prefix_tokens: list[int]) -> None:
        import llama_cpp

        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if not llama_cpp.llama_state_seq_set_data(self.llm.ctx, buffer, len(state), 0):
            raise ModelError("llama.cpp could not restore a saved prompt state")
        self.llm.input_ids[: len(prefix_tokens)] = prefix_tokens
        self.llm.n_tokens = len(prefix_tokens)

    def _load_state_file(self, path: Path, prefix_tokens: list[int]) -> bool:
        import llama_cpp

        out = (llama_cpp.llama_token * self.n_ctx)()
        count = ctypes.c_size_t(0)
        read = llama_cpp.llama_state_seq_load_file(
            self.llm.ctx, str(path).encode(), 0, out, self.n_ctx, ctypes.byref(count)
        )
        if not read or list(out[: count.value]) != prefix_tokens:
            self._clear()
            path.unlink(missing_ok=True)  # stale or corrupt: rebuilt by the caller
            return False
        self.llm.input_ids[: count.value] = prefix_tokens
        self.llm.n_tokens = count.value
        return True

    def _save_state_file(self, path: Path, prefix_tokens: list[int]) -> None:
        import llama_cpp

        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        array = (llama_cpp.llama_token * len(prefix_tokens))(*prefix_tokens)
        if llama_cpp.llama_state_seq_save_file(self.llm.ctx, str(temp).encode(), 0, array, len(prefix_tokens)):
            os.replace(temp, path)
        else:
            temp.unlink(missing_ok=True)
