"""Inbox workers: drain committed events into the pipeline, at least once.

Each worker claims a batch under a lease (SKIP LOCKED on PostgreSQL, so several processes
sharing one store never take the same item), parses each item again with its source's
parser, hands the events to the ``EventSink`` and marks the item done. A sink that raises
fails the item, which is claimed again after ``retry_seconds`` until ``max_attempts``
(then ``dead``). A worker killed mid-item leaves its lease to expire: the item is handed
over again, so the sink must be idempotent on event ids (the pipeline's outbox is).

The items of a batch are handled concurrently, one lane per party: the sink's calls wait
mostly on the core and the store, and a batch handled one item after the other made every
event wait for the Customer 360 reads of all the events claimed before it. Items about the
same party (their first event's subject) stay in claim order, in one lane.

An idle worker waits ``idle_seconds`` before it claims again, or less: ``run`` takes a
``wake`` event that the listener sets when it commits an item (``Services.count``), so a
new event is claimed at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import timedelta

from prometheus_client import Histogram

from xsell_connect.listener.ingest import TRANSPORT_HEADER, Parsers
from xsell_connect.listener.ports import EventSink
from xsell_connect.listener.settings import SourceSettings, WorkerSettings
from xsell_connect.models import CanonicalEvent
from xsell_connect.store import Inbox, InboxItem

__all__ = ["InboxWorker"]

log = logging.getLogger("xsell_connect.listener.worker")


class InboxWorker:
    def __init__(
        self,
        inbox: Inbox,
        parsers: Parsers,
        sources: Mapping[str, SourceSettings],
        sink: EventSink,
        *,
        name: str,
        settings: WorkerSettings | None = None,
        latency: Histogram | None = None,
    ) -> None:
        self.inbox = inbox
        self.parsers = parsers
        self.sources = sources
        self.sink = sink
        self.name = name
        self.settings = settings or WorkerSettings()
        self.latency = latency
        self._completions = _Completions(inbox, name)

    def _parse(self, item: InboxItem) -> list[CanonicalEvent] | Exception:
        """The item's events, or what stops it (failed by ``_process``, like a sink error)."""
        source = self.sources.get(item.source)
        try:
            if source is None:
                raise LookupError(f"source {item.source!r} is not configured")
            transport = item.headers.get(TRANSPORT_HEADER, "webhook")
            return self.parsers.parse(source.format, transport, item.headers, item.body)
        except Exception as exc:
            return exc

    async def _process(self, item: InboxItem, events: list[CanonicalEvent] | Exception) -> None:
        started = time.perf_counter()
        outcome = "done"
        try:
            if isinstance(events, Exception):
                raise events
            await self.sink.handle(events)
        except Exception as exc:
            outcome = "failed"
            error = f"{type(exc).__name__}: {exc}"
            status = await asyncio.to_thread(
                self.inbox.fail,
                item,
                self.name,
                error,
                max_attempts=self.settings.max_attempts,
                retry_in=timedelta(seconds=self.settings.retry_seconds),
            )
            log.warning("inbox item %d failed (%s): %s", item.id, status, type(exc).__name__)
        else:
            if not await self._completions.complete(item.id):
                log.warning("inbox item %d was taken over before it completed", item.id)
        finally:
            if self.latency is not None:
                self.latency.labels(outcome).observe(time.perf_counter() - started)

    async def _lane(self, items: list[tuple[InboxItem, list[CanonicalEvent] | Exception]]) -> None:
        for item, events in items:
            await self._process(item, events)

    async def run_once(self) -> int:
        """Claim one batch and process it, a lane per party; the number of items claimed."""
        lease = timedelta(seconds=self.settings.lease_seconds)
        items = await asyncio.to_thread(
            self.inbox.claim, self.name, limit=self.settings.batch, lease=lease
        )
        lanes: dict[str, list[tuple[InboxItem, list[CanonicalEvent] | Exception]]] = {}
        for item in items:
            events = self._parse(item)
            party = None if isinstance(events, Exception) else _party(events)
            lanes.setdefault(party or f"item:{item.id}", []).append((item, events))
        await asyncio.gather(*(self._lane(lane) for lane in lanes.values()))
        return len(items)

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        """Drain until ``stop`` is set; the items in hand are always finished first.

        ``wake``, set when an item is committed, ends an idle wait early.
        """
        while not stop.is_set():
            if wake is not None:
                wake.clear()  # an item committed from here on sets it again
            try:
                claimed = await self.run_once()
            except Exception as exc:  # the store is down: wait, then try again
                log.warning("worker %s cannot claim: %s", self.name, type(exc).__name__)
                claimed = 0
            if claimed == 0:
                await _idle(stop, wake, self.settings.idle_seconds)


class _Completions:
    """A worker's completions, committed together (group commit).

    The first item done is completed at once; items done while that transaction is in
    flight wait for it and are then completed together in the next one
    (``Inbox.complete_many``), so a busy worker commits once per handful of items instead
    of once per item, and an idle one adds no wait. Each item still gets its own answer:
    False when another worker took it over meanwhile, or the store's error.
    """

    def __init__(self, inbox: Inbox, worker: str) -> None:
        self.inbox = inbox
        self.worker = worker
        self._pending: list[tuple[int, asyncio.Future[bool]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def complete(self, item_id: int) -> bool:
        """Mark ``item_id`` done; False if the worker no longer holds it."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((item_id, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        batch: list[tuple[int, asyncio.Future[bool]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    completed = await asyncio.to_thread(
                        self.inbox.complete_many, [i for i, _ in batch], self.worker
                    )
                except Exception as exc:
                    for _, waiting in batch:
                        if not waiting.done():
                            waiting.set_exception(exc)
                    continue
                for item_id, waiting in batch:
                    if not waiting.done():
                        waiting.set_result(item_id in completed)
                batch = []
        finally:
            for _, waiting in batch + self._pending:  # cancelled: nobody is left waiting
                waiting.cancel()
            self._pending = []
            self._flushing = None


def _party(events: list[CanonicalEvent]) -> str | None:
    return next((e.subject for e in events if e.subject), None)


async def _idle(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
    """Wait until ``stop`` or ``wake`` is set, ``seconds`` at most."""
    waits = [asyncio.ensure_future(e.wait()) for e in (stop, wake) if e is not None]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
