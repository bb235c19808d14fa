"""The batch progress bar on stderr: files done of all, percent, files per minute and the time left."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm


class _Bar(tqdm):
    """tqdm with a status field in its format (tqdm's own postfix comes with a leading comma)."""

    status = "starting"

    @property
    def format_dict(self) -> dict:
        return {**super().format_dict, "status": self.status}


class Progress:
    """Files made by an earlier run count as done from the start, but not in the rate: it is this run's."""

    def __init__(self, total: int, done_before: int, *, enabled: bool) -> None:
        self._bar = _Bar(
            total=total,
            initial=done_before,
            file=sys.stderr,
            disable=not enabled,
            desc="reports",
            bar_format="{desc}: {n_fmt}/{total_fmt} files {percentage:3.0f}%|{bar}| {status}",
        )
        self._started = time.monotonic()
        self._made = 0
        self._left = total - done_before

    def advance(self) -> None:
        self._made += 1
        self._left -= 1
        minutes = (time.monotonic() - self._started) / 60
        rate = self._made / minutes if minutes > 0 else 0.0
        eta = self._left / rate * 60 if rate > 0 else 0.0
        self._bar.status = f"{rate:.1f} files/min, ETA {int(eta // 60)}:{int(eta % 60):02d}"
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
