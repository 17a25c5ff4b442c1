"""Group commit for webhooks: deliveries that arrive while a commit runs share the next one.

A webhook gets its 2xx only after its body is committed to the inbox. Committed one by one,
each costs a worker thread, a pooled connection and four round trips (ping, BEGIN, INSERT,
COMMIT); under load those queue behind each other, and the threads fight the event loop
for the GIL. Here a request parks on a future instead. The first one starts a committer
task, which takes every waiting delivery (up to ``max_batch``) into ``Ingestor.accept_many``
in a worker thread (one transaction per source and transport in the batch), resolves their
futures, and goes on while more are waiting; at most ``committers`` batches are in flight.
Nothing waits for a batch to fill: alone, a delivery is a batch of one, so latency at low
load is what it was, and batches grow only when requests arrive faster than commits end.

On PostgreSQL the commit is awaited on the event loop instead (``writer``, an
``AsyncInboxWriter``: an autocommitted statement per source and transport, no thread):
the deliveries are parsed on the loop, then their rows inserted. There the thread cost
more than the insert: at every round trip the GIL changed hands between it and the loop
that serves the requests.

Failures keep the one-by-one answers. A batch that fails on what may be one bad row is
committed again one delivery at a time, so that a bad delivery cannot fail its
neighbours; a store that is down (a connection error, a pool timeout) fails every
delivery of the batch, and each request answers 503 as it would have alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import anyio
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from xsell_connect.listener.ingest import Accepted, Delivery, Ingestor
from xsell_connect.listener.settings import SourceSettings
from xsell_connect.store.inbox_async import AsyncInboxWriter

__all__ = ["GroupCommit"]

#: Errors that say the store, not a row, is at fault: retrying row by row cannot help.
_STORE_DOWN = (OperationalError, InterfaceError, PoolTimeout)


@dataclass(slots=True)
class _Waiting:
    # Not frozen: a frozen dataclass sets each field through object.__setattr__, and one of
    # these is made per delivery; nothing changes them once made.
    source: SourceSettings
    transport: str
    delivery: Delivery
    answer: asyncio.Future[Accepted]


class GroupCommit:
    """Commit concurrent deliveries to the inbox together (see the module docstring)."""

    def __init__(
        self,
        ingestor: Ingestor,
        *,
        max_batch: int = 128,
        committers: int = 2,
        writer: AsyncInboxWriter | None = None,
    ) -> None:
        self._ingestor = ingestor
        self._writer = writer
        self._max_batch = max_batch
        self._committers = committers
        self._waiting: list[_Waiting] = []
        self._active = 0  # committers running: counted by themselves, see _commit_while_waiting
        self._tasks: set[asyncio.Task[None]] = set()  # held, so that none is collected

    async def accept(
        self,
        source: SourceSettings,
        transport: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        delivery_id: str | None = None,
    ) -> Accepted:
        """``Ingestor.accept``, committed with whatever else is waiting; raises as it does."""
        answer: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        self._waiting.append(
            _Waiting(source, transport, Delivery(headers, body, delivery_id), answer)
        )
        if self._active < self._committers:
            self._active += 1
            task = asyncio.create_task(self._commit_while_waiting())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await answer

    async def _commit_while_waiting(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    await self._commit(batch)
                finally:  # cancelled mid-batch (the loop is closing): nobody waits forever
                    for waiting in batch:
                        if not waiting.answer.done():
                            waiting.answer.set_exception(RuntimeError("the commit was abandoned"))
        finally:
            # In the same step as the last look at _waiting, with no await between: a
            # delivery that comes after it sees this committer gone and starts another. (A
            # task's done callback runs a step later, after the answered requests resumed:
            # counting on it left a delivery waiting with no committer.)
            self._active -= 1

    def _accept_all(self, batch: list[_Waiting]) -> list[Accepted]:
        """``accept_many`` per (source, transport) of the batch; outcomes in batch order."""
        results: dict[int, Accepted] = {}
        for indexes in _groups(batch):
            first = batch[indexes[0]]
            accepted = self._ingestor.accept_many(
                first.source, first.transport, [batch[i].delivery for i in indexes]
            )
            results.update(zip(indexes, accepted, strict=True))
        return [results[i] for i in range(len(batch))]

    async def _accept_all_async(self, batch: list[_Waiting]) -> list[Accepted]:
        """``_accept_all`` with ``writer``'s commits, awaited on the loop."""
        assert self._writer is not None
        results: dict[int, Accepted] = {}
        for indexes in _groups(batch):
            first = batch[indexes[0]]
            staged = self._ingestor.stage(
                first.source, first.transport, [batch[i].delivery for i in indexes]
            )
            fresh = await self._writer.put_many(first.source.name, staged.items)
            results.update(zip(indexes, staged.outcomes(fresh), strict=True))
        return [results[i] for i in range(len(batch))]

    async def _run(self, batch: list[_Waiting]) -> list[Accepted]:
        if self._writer is not None:
            return await self._accept_all_async(batch)
        return await anyio.to_thread.run_sync(self._accept_all, batch)

    async def aclose(self) -> None:
        """Close the writer's connections (the lifespan's end)."""
        if self._writer is not None:
            await self._writer.aclose()

    async def _commit(self, batch: list[_Waiting]) -> None:
        try:
            results = await self._run(batch)
        except Exception as exc:
            if len(batch) == 1 or isinstance(exc, _STORE_DOWN):
                for waiting in batch:
                    _settle(waiting, exc)
                return
            for waiting in batch:
                await self._commit_alone(waiting)
            return
        for waiting, accepted in zip(batch, results, strict=True):
            _settle(waiting, accepted)

    async def _commit_alone(self, waiting: _Waiting) -> None:
        try:
            [accepted] = await self._run([waiting])
        except Exception as exc:
            _settle(waiting, exc)
            return
        _settle(waiting, accepted)


def _groups(batch: list[_Waiting]) -> list[list[int]]:
    """The batch's indexes by (source, transport): each group is committed together."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, waiting in enumerate(batch):
        groups.setdefault((waiting.source.name, waiting.transport), []).append(index)
    return list(groups.values())


def _settle(waiting: _Waiting, outcome: Accepted | Exception) -> None:
    if waiting.answer.done():  # the request went away (its client hung up)
        return
    if isinstance(outcome, Exception):
        waiting.answer.set_exception(outcome)
    else:
        waiting.answer.set_result(outcome)
