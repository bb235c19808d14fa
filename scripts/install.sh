#!/usr/bin/env bash
# Every set-up step for a fresh machine (Python 3.11, pip, gcc). Safe to run again: finished steps are quick.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, pinned to the local CPU build, so nothing pulls several GB of CUDA wheels.
$PY -m pip install -q torch==2.13.0
# llama-cpp-python builds from source (10-14 min on 2 cores the first time; pip caches the wheel).
CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) $PY -m pip install -q -e ".[test,image,models,eval,ray,serve,serve-test]"

# Debian packages the test suite drives: a real terminal (tmux) and a real browser (chromium).
if [ "${RAG_ANSWER_SKIP_APT:-0}" != 1 ] && ! { command -v tmux && command -v chromium; } >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux chromium >/dev/null
  else
    echo "install.sh: not root; install tmux and chromium with your package manager for the terminal/browser tests" >&2
  fi
fi

# Assemble and verify the embedded LLM presets once (SHA-256), and export the embedder to ONNX (fp32, checked
# against sentence-transformers), so the first answer does not pay for either.
$PY -m rag_answer models --prepare --quiet
