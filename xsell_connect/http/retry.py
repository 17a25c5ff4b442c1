"""A fresh tenacity ``AsyncRetrying`` per logical call, built from a :class:`RetryPolicy`.

Never share the object between calls: concurrent coroutines on one ``AsyncRetrying`` corrupt
each other's attempt counts. ``retry_call`` runs one call's attempts, building the
``AsyncRetrying`` only once a first attempt has failed and may be retried.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type
from tenacity.stop import stop_after_attempt, stop_base
from tenacity.wait import wait_exponential, wait_random_exponential

from xsell_connect.errors import RetriableUpstreamError
from xsell_connect.http.policy import RetryPolicy

__all__ = ["build_retrying", "retry_call", "retry_wait"]

T = TypeVar("T")


class _StopBeforeBudget(stop_base):
    """tenacity's ``stop_before_delay``, counting the waits asked for as well as the clock.

    The waits count when they exceed the clock (an injected ``sleep`` that returns at once),
    so a budget holds in tests that never really sleep.
    """

    def __init__(self, budget: float) -> None:
        self.budget = budget

    def __call__(self, retry_state: RetryCallState) -> bool:
        spent = max(retry_state.seconds_since_start or 0.0, retry_state.idle_for)
        return spent + retry_state.upcoming_sleep >= self.budget


def retry_wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    """The wait before the next attempt.

    The core's ``retry_after`` hint, clamped to ``[0, retry_after_cap]`` plus up to
    ``initial_wait`` of jitter, when the error carries one; otherwise full-jitter exponential
    backoff (``wait_random_exponential(multiplier=initial_wait, max=max_wait)``).
    """
    backoff = (wait_random_exponential if policy.jitter else wait_exponential)(
        multiplier=policy.initial_wait, max=policy.max_wait
    )

    def wait(retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        hint = exc.retry_after if isinstance(exc, RetriableUpstreamError) else None
        if hint is None:
            return backoff(retry_state)
        jitter = random.uniform(0, policy.initial_wait) if policy.jitter else 0.0
        return min(max(hint, 0.0), policy.retry_after_cap) + jitter

    return wait


def build_retrying(
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]],
    before_sleep: Callable[[RetryCallState], None] | None = None,
) -> AsyncRetrying:
    """A new ``AsyncRetrying`` that retries only :class:`RetriableUpstreamError`.

    It stops after ``max_attempts`` or before a wait that would overrun ``budget``, and then
    re-raises the last error itself (``reraise=True``), never tenacity's ``RetryError``.
    """
    stop, wait = _strategies(policy)
    return AsyncRetrying(
        sleep=sleep,
        stop=stop,
        wait=wait,
        retry=_RETRIABLE,
        before_sleep=before_sleep,
        reraise=True,
    )


async def retry_call(
    policy: RetryPolicy,
    attempt: Callable[[int], Awaitable[T]],
    *,
    sleep: Callable[[float], Awaitable[None]],
    before_sleep: Callable[[RetryCallState], None] | None = None,
) -> T:
    """``await attempt(n)`` for n = 1, 2, ... as ``build_retrying(policy)`` retries it.

    A :class:`RetriableUpstreamError` leaves with ``attempts`` set to its attempt's number.
    The first attempt runs outside tenacity (most calls need no other); a retriable failure
    is handed to tenacity as its first attempt's outcome, with the clock started when that
    attempt was, so waits, budget, attempt numbers and ``before_sleep`` are as they would be
    had tenacity run it, while a call that succeeds first time builds no ``AsyncRetrying``.
    """
    begun = time.monotonic()
    try:
        return await attempt(1)
    except RetriableUpstreamError as exc:
        exc.attempts = 1
        if policy.max_attempts == 1:
            raise
        first = exc
    async for trying in build_retrying(policy, sleep=sleep, before_sleep=before_sleep):
        with trying:
            number = trying.retry_state.attempt_number
            if number == 1:
                trying.retry_state.start_time = begun
                raise first
            try:
                return await attempt(number)
            except RetriableUpstreamError as exc:
                exc.attempts = number
                raise
    raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover


_RETRIABLE = retry_if_exception_type(RetriableUpstreamError)


@functools.lru_cache(maxsize=64)
def _strategies(policy: RetryPolicy) -> tuple[stop_base, Callable[[RetryCallState], float]]:
    """The stop and wait of a policy: stateless, so built once and shared by every call."""
    stop = stop_after_attempt(policy.max_attempts) | _StopBeforeBudget(policy.budget)
    return stop, retry_wait(policy)
