"""Reading a source file's bytes into text, refusing what is not UTF-8 text."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rag_answer.errors import BadInputError


def read_text(path: Path) -> tuple[str, str]:
    """(text with '\\n' line ends, SHA-256 of the bytes); BadInputError for missing, empty, binary or non-UTF-8."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInputError("no such file", path=shown, hint="check the path") from None
    except IsADirectoryError:
        raise BadInputError("is a folder, not a file", path=shown, hint="name the files inside it") from None
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror}", path=shown) from None
    if not data.strip():
        raise BadInputError("file is empty", path=shown, line=1, hint="supply a prompt file or catalog with entries")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise BadInputError("file is binary (holds NUL bytes)", path=shown, line=line, hint="supply a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInputError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", path=shown, line=line, hint="save the file as UTF-8"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, hashlib.sha256(data).hexdigest()
