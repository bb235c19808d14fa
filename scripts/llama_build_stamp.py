"""Does the installed llama-cpp-python carry the stamp of the build install.sh asks for? (stdlib only)

`check VERSION`: exit 0 when llama-cpp-python VERSION is installed and was built by install.sh with exactly the
CMAKE_ARGS now in the environment; exit 1 otherwise (install.sh then rebuilds without pip's wheel cache).
`write VERSION`: record that stamp beside the installed package.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path

STAMP_NAME = ".rag_answer_build.json"


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _wanted(version: str) -> dict[str, str]:
    return {"version": version, "cmake_args": " ".join(os.environ.get("CMAKE_ARGS", "").split())}


def check(version: str) -> bool:
    folder = _package_dir()
    try:
        installed = importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return False
    if folder is None or installed != version or not (folder / STAMP_NAME).is_file():
        return False
    return json.loads((folder / STAMP_NAME).read_text()) == _wanted(version)


def write(version: str) -> None:
    folder = _package_dir()
    if folder is None:
        raise SystemExit("llama_build_stamp: llama_cpp is not installed")
    (folder / STAMP_NAME).write_text(json.dumps(_wanted(version)))


if __name__ == "__main__":
    verb, version = sys.argv[1], sys.argv[2]
    if verb == "check":
        sys.exit(0 if check(version) else 1)
    write(version)
