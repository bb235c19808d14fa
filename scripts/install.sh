#!/usr/bin/env bash
# Every set-up step for a fresh machine (Python 3.11, pip, gcc). Safe to run again: finished steps are quick.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, pinned to the local CPU build, so nothing pulls several GB of CUDA wheels.
$PY -m pip install -q torch==2.13.0

# llama-cpp-python, built from source for a portable x86-64 CPU (AVX2/FMA/F16C, 2015 on): never -march=native,
# never AVX-512 or AMX, whose llama.cpp kernels segfault on the first decode on AMX CPUs (Sapphire Rapids).
# pip caches wheels by version only, so a wheel built natively on another machine would be reused silently:
# the build is forced (no wheel cache) unless the installed one carries the stamp of exactly these flags.
# A user who wants a native build sets CMAKE_ARGS themselves (README: "A native llama.cpp build").
LLAMA_VERSION=0.3.36
PORTABLE_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
export CMAKE_ARGS="${CMAKE_ARGS:-$PORTABLE_CMAKE_ARGS}"
if ! $PY scripts/llama_build_stamp.py check "$LLAMA_VERSION"; then
  echo "install.sh: building llama-cpp-python $LLAMA_VERSION from source (4-14 min on 2 cores)" >&2
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) $PY -m pip install -q --no-cache-dir --force-reinstall --no-deps \
    --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_VERSION"
  $PY scripts/llama_build_stamp.py write "$LLAMA_VERSION"
fi

# The package and its extras; llama-cpp-python is already satisfied above, so pip builds nothing here.
$PY -m pip install -q -e ".[test,image,models,eval,ray,serve,serve-test,mcp]"

# Debian packages the test suite drives: a real terminal (tmux) and a real browser (chromium).
if [ "${RAG_ANSWER_SKIP_APT:-0}" != 1 ] && ! { command -v tmux && command -v chromium; } >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux chromium >/dev/null
  else
    echo "install.sh: not root; install tmux and chromium with your package manager for the terminal/browser tests" >&2
  fi
fi

# Assemble and verify the embedded LLM presets once (SHA-256), and export the embedder to ONNX (fp32, checked
# against sentence-transformers), so the first answer does not pay for either. Then the self-check: each preset
# loads and generates in a child process, so a llama.cpp crash is one clear line here, not a segfault later.
$PY -m rag_answer models --prepare --quiet
$PY -m rag_answer models --verify --quiet
