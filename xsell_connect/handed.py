"""Work handed over to run at once, each piece a task of its own, awaited at shutdown.

The outbox drainer (effects the runner committed claimed by it) and the inbox worker (items
the AMQP consumer committed claimed by it) run what they are handed as soon as it comes,
without a claim of their own. A piece whose task fails keeps its claim until the lease
expires, and is claimed again then: the failure is logged, not raised.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["HandedTasks"]


class HandedTasks:
    """The tasks of the work handed over; ``what`` names a piece in the failure's log."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._log, self._what = log, what
        self._tasks: set[asyncio.Task[None]] = set()

    def start(
        self, work: Coroutine[Any, Any, None], done: Callable[[], None] | None = None
    ) -> None:
        """Run ``work`` as a task now (on the running loop); ``done`` is called when it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._ended, done))

    def _ended(self, done: Callable[[], None] | None, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if done is not None:
            done()
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._log.warning("%s not settled (its lease will expire): %r", self._what, exc)

    async def finish(self) -> None:
        """Wait for every task started, those started meanwhile included."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
