"""The child side of the self-check (rag_answer/llm/selfcheck.py): run in its own process, so that if a native
library dies by a signal, only this process dies and the parent turns it into one line.

    python -m rag_answer.llm.selfcheck_child llm MODEL.gguf THREADS
    python -m rag_answer.llm.selfcheck_child embed SPEC RUNTIME MODELS_DIR

It prints `features: ...` (what llama.cpp was built with) before the risky step, and `done: ...` after it.
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECK_TOKENS = 4


def check_llm(model_path: str, threads: int) -> None:
    import llama_cpp

    print(f"features: {llama_cpp.llama_print_system_info().decode('utf-8', 'replace').strip()}", flush=True)
    llm = llama_cpp.Llama(model_path=model_path, n_ctx=256, n_threads=threads, n_batch=64, seed=0, verbose=False)
    out = llm.create_completion("The capital of France is", max_tokens=CHECK_TOKENS, temperature=0.0)
    tokens = out["usage"]["completion_tokens"]
    print(f"done: generated {tokens} tokens", flush=True)


def check_embedder(spec: str, runtime: str, models_dir: str) -> None:
    from rag_answer.embedder import get_embedder

    vectors = get_embedder(spec, runtime=runtime, models_dir=Path(models_dir)).encode(["a photo of a cat"])
    print(f"done: embedded 1 text into {vectors.shape[1]} dimensions", flush=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["llm"] and len(argv) == 3:
        check_llm(argv[1], int(argv[2]))
    elif argv[:1] == ["embed"] and len(argv) == 4:
        check_embedder(argv[1], argv[2], argv[3])
    else:
        print("usage: selfcheck_child llm MODEL THREADS | embed SPEC RUNTIME MODELS_DIR", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
