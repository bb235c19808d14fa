"""Typed errors raised by the library; the CLI turns them into one clean line and exit code 2."""

from __future__ import annotations


class RagAnswerError(Exception):
    """Base class: every error a user can cause or fix."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, hint: str | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        tail = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{tail}"


class BadInputError(RagAnswerError):
    """A source file, catalog or argument that cannot be used as given."""


class IndexStoreError(RagAnswerError):
    """An index that is missing, corrupt, or built with another embedder."""


class ModelError(RagAnswerError):
    """A model file or package that is missing, corrupt or unusable."""


class NativeCrashError(ModelError):
    """A native library (llama.cpp, ONNX Runtime) killed its process with a signal: caught in a child process."""


class ConfigError(RagAnswerError):
    """A settings value or config file that cannot be used."""


class ContextOverflowError(ModelError):
    """A prompt plus its answer would not fit the LLM's context window."""
