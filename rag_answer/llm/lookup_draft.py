"""Prompt-lookup drafting: guess the next tokens by finding the last few generated tokens earlier in the context.

Answers copy names, figures and phrases from the source they read, so the tokens that followed the same n-gram
in the prompt are often the tokens the model is about to write. A guess costs no model call; the engine checks
every guessed token against the model's own choice, so a wrong guess costs time, never a different answer.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_NGRAM = 3  # longest suffix looked up; a longer match is a better predictor
MIN_NGRAM = 2  # one token alone (a comma, "the") matches everywhere and predicts badly


class LookupDrafter:
    """The context's tokens, indexed by every n-gram (MIN_NGRAM..MAX_NGRAM) that ends at each position."""

    def __init__(self, tokens: Iterable[int]):
        self.tokens: list[int] = []
        self._after: dict[tuple[int, ...], int] = {}  # n-gram -> index just past its latest occurrence
        for token in tokens:
            self.append(token)

    def append(self, token: int) -> None:
        # Index the n-grams ending at the previous token before adding this one, so a lookup of the current
        # suffix never finds itself, only an earlier occurrence with a known continuation.
        end = len(self.tokens)
        for n in range(MIN_NGRAM, MAX_NGRAM + 1):
            if end >= n:
                self._after[tuple(self.tokens[end - n : end])] = end
        self.tokens.append(token)

    def propose(self, limit: int) -> list[int]:
        """Up to limit tokens that followed the longest earlier occurrence of the context's last n tokens."""
        if limit <= 0:
            return []
        for n in range(MAX_NGRAM, MIN_NGRAM - 1, -1):
            if len(self.tokens) < n:
                continue
            start = self._after.get(tuple(self.tokens[-n:]))
            if start is not None:
                return self.tokens[start : start + limit]
        return []
