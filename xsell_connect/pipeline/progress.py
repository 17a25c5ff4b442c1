"""A progress bar on a terminal; silent elsewhere (CI logs, pipes) but for one final line."""

from __future__ import annotations

import os
import time
from typing import IO

__all__ = ["Progress"]


class Progress:
    def __init__(self, stream: IO[str], *, total: int, label: str, width: int = 30) -> None:
        self.stream, self.total, self.label, self.width = stream, max(total, 0), label, width
        self.done = 0
        self.tty = stream.isatty() and os.environ.get("CI") != "true"
        self.started = time.perf_counter()
        self._drawn = -1

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.tty:
            return
        percent = 100 * self.done // self.total if self.total else 100
        if percent != self._drawn:
            self._drawn = percent
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def line(self) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = int(self.width * min(share, 1.0))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.started
        return f"[{bar}] {self.done}/{self.total} {self.label} {elapsed:5.1f}s"

    def close(self) -> None:
        self.stream.write(("\r" if self.tty else "") + self.line() + "\n")
        self.stream.flush()
