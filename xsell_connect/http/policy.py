"""Immutable knobs for every call to a core: timeouts and the retry policy."""

from __future__ import annotations

from dataclasses import dataclass, fields

import httpx

from xsell_connect.errors import ConfigurationError

__all__ = ["RetryPolicy", "Timeouts"]


@dataclass(frozen=True)
class Timeouts:
    """Timeouts in seconds for one attempt of one call.

    ``connect``, ``read``, ``write`` and ``pool`` are handed to httpx. ``total`` is an overall
    deadline per attempt, enforced with :func:`asyncio.timeout` around the whole request and
    its body, so transports that ignore httpx timeouts (``httpx.ASGITransport``, used to run
    the mock cores in process) time out too.
    """

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 5.0
    total: float = 60.0

    def __post_init__(self) -> None:
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ConfigurationError(f"timeout {f.name} must be > 0 seconds")

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class RetryPolicy:
    """How one logical call retries :class:`~xsell_connect.errors.RetriableUpstreamError`.

    Attributes:
        max_attempts: attempts in all, the first one included.
        initial_wait: multiplier of the full-jitter exponential backoff, in seconds; also the
            bound of the jitter added to a ``Retry-After`` wait.
        max_wait: longest backoff between two attempts.
        budget: most seconds one logical call may spend, waits included. A wait that would
            end past the budget is never started: the last error is raised instead.
        retry_after_cap: a core's ``Retry-After`` is clamped to ``[0, retry_after_cap]``.
        jitter: False makes waits exact (``Retry-After`` as given, plain exponential backoff).
    """

    max_attempts: int = 7
    initial_wait: float = 0.5
    max_wait: float = 30.0
    budget: float = 120.0
    retry_after_cap: float = 60.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("max_attempts must be >= 1")
        if min(self.initial_wait, self.max_wait, self.budget, self.retry_after_cap) < 0:
            raise ConfigurationError("retry waits and budget must be >= 0 seconds")

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy of a single attempt."""
        return cls(max_attempts=1)
