"""The client side of `--server URL`: the commands send their request to a running `rag-answer serve` and print
what comes back, so their output is the in-process output without loading any model."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from rag_answer.errors import RagAnswerError

SERVER_ENV = "RAG_ANSWER_SERVER"
TOKEN_ENV = "RAG_ANSWER_TOKEN"  # noqa: S105 (the variable's name, not a secret)


class RemoteError(RagAnswerError):
    """An error the server reported: its message is shown as the server wrote it."""


class ServerUnreachableError(RagAnswerError):
    """No server answers at the URL."""


class ServerClient:
    def __init__(self, url: str, token: str | None = None) -> None:
        import httpx

        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # No read timeout: an answer waits for the queue and for the LLM.
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=httpx.Timeout(10.0, read=None))

    @classmethod
    def from_env(cls, url: str) -> ServerClient:
        return cls(url, os.environ.get(TOKEN_ENV) or None)

    def get(self, path: str, **params: Any) -> Any:
        return self._json(self._send("GET", path, params=params))

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        return self._json(self._send("POST", path, json=payload))

    def post_text(self, path: str, payload: dict[str, Any]) -> str:
        response = self._send("POST", path, json=payload)
        self._raise_for(response)
        return response.text

    def events(self, path: str, payload: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """(event, data) pairs of a server-sent event stream; an `error` event raises RemoteError."""
        import httpx

        try:
            with self.http.stream("POST", path, json=payload, headers={"Accept": "text/event-stream"}) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                name, data = "message", []
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))
                    elif not line and data:
                        value = json.loads("\n".join(data))
                        if name == "error":
                            raise RemoteError(value["error"]["message"])
                        yield name, value
                        name, data = "message", []
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    def ask_stream(self, payload: dict[str, Any], on_text: Callable[[str], None]) -> tuple[dict[str, Any], str]:
        """Streams the checked answer's text to on_text; returns (the ask --json object, the audit footer)."""
        result: dict[str, Any] | None = None
        footer = ""
        for name, data in self.events("/api/ask", payload):
            if name == "text":
                on_text(data["text"])
            elif name == "result":
                result = data
            elif name == "footer":
                footer = data["text"]
        if result is None:
            raise RemoteError(f"the server at {self.url} ended the answer without a result", hint="see its log")
        return result, footer

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: Exception) -> ServerUnreachableError:
        hint = f"start it with `rag-answer serve`, or drop --server/{SERVER_ENV}"
        return ServerUnreachableError(f"cannot reach the server at {self.url} ({type(exc).__name__})", hint=hint)

    def _json(self, response: Any) -> Any:
        self._raise_for(response)
        return response.json()

    def _raise_for(self, response: Any) -> None:
        if response.status_code < 400:
            return
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"the server answered HTTP {response.status_code}"
        raise RemoteError(message)
