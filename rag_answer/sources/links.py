"""Checking a supplied link as it is read: it must be an absolute http(s) URL with a host."""

from __future__ import annotations

from urllib.parse import urlsplit

from rag_answer.errors import BadInputError

# Values people write where there is no link.
_NO_LINK = {"", "none", "n/a", "na", "null", "-", "—", "not available"}


def parse_supplied_link(value: str, *, path: str, line: int, field_name: str) -> str | None:
    """The link as written (trimmed), None for an explicit 'no link', or a BadInputError."""
    text = value.strip().strip("<>").strip()
    if text.lower() in _NO_LINK:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        parts, port = None, None
    bad = (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or "." not in parts.hostname
        or parts.username is not None
        or port not in (None, 80, 443)
        or any(ch.isspace() for ch in text)
    )
    if bad:
        raise BadInputError(
            f"{field_name} link {text!r} is not an http(s) URL",
            path=path,
            line=line,
            hint="write a full https://host/path link, or 'None' when there is no link",
        )
    return text
