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

The AMQP consumer does better still through ``handoff``: it commits its deliveries
already claimed by this worker (``Ingestor.accept_many`` with the handoff's ``claim``) and
hands them over from its thread with the events it parsed; they are handled at once, with
no wake-up, claim or parse (a claim round trip was most of an event's wait before the
pipeline). Should the process die first, their lease expires and any worker claims them.
While the worker holds ``batch`` handed items or more (the pipeline is behind), the
consumer commits its deliveries pending instead, for the workers to claim as their
capacity allows: nothing waits under a lease it could outlive.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import Histogram

from xsell_connect.handed import HandedTasks
from xsell_connect.listener.ingest import TRANSPORT_HEADER, Accepted, Claim, Parsers
from xsell_connect.listener.ports import EventSink
from xsell_connect.listener.settings import SourceSettings, WorkerSettings
from xsell_connect.models import CanonicalEvent
from xsell_connect.store import Inbox, InboxItem

__all__ = ["Handoff", "InboxWorker"]

log = logging.getLogger("xsell_connect.listener.worker")

#: Items with their events (or what stops them), as a worker handles them.
_Work = list[tuple[InboxItem, list[CanonicalEvent] | Exception]]


@dataclass(frozen=True)
class Handoff:
    """How a consumer hands its events to a worker, from any thread: commit them under
    ``claim()`` (None: the worker holds enough, commit them pending), then call ``take``
    with their outcomes."""

    claim: Callable[[], Claim | None]
    take: Callable[[Sequence[Accepted]], None]


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
        self._handed = HandedTasks(log, "handed inbox items")
        self._holding = 0  # items handed over, not yet processed (changed on two threads)
        self._holding_lock = threading.Lock()

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

    async def _lane(self, items: _Work) -> None:
        for item, events in items:
            await self._process(item, events)

    async def _handle(self, work: _Work) -> None:
        """Process items, a lane per party."""
        lanes: dict[str, _Work] = {}
        for item, events in work:
            party = None if isinstance(events, Exception) else _party(events)
            lanes.setdefault(party or f"item:{item.id}", []).append((item, events))
        await asyncio.gather(*(self._lane(lane) for lane in lanes.values()))

    async def run_once(self) -> int:
        """Claim one batch and process it, a lane per party; the number of items claimed."""
        lease = timedelta(seconds=self.settings.lease_seconds)
        items = await asyncio.to_thread(
            self.inbox.claim, self.name, limit=self.settings.batch, lease=lease
        )
        await self._handle([(item, self._parse(item)) for item in items])
        return len(items)

    def handoff(self, loop: asyncio.AbstractEventLoop) -> Handoff:
        """This worker's ``Handoff``, for a consumer on another thread (``loop`` is the
        worker's); see the module docstring."""

        claim = Claim(self.name, timedelta(seconds=self.settings.lease_seconds))

        def room() -> Claim | None:
            return claim if self._holding < self.settings.batch else None

        def take(accepted: Sequence[Accepted]) -> None:
            work: _Work = [(a.claimed, a.events) for a in accepted if a.claimed is not None]
            if not work:
                return
            self._hold(len(work))
            try:
                loop.call_soon_threadsafe(self._take, work)
            except RuntimeError:  # the loop closed: the leases expire, any worker claims them
                self._hold(-len(work))

        return Handoff(room, take)

    def _hold(self, count: int) -> None:
        with self._holding_lock:
            self._holding += count

    def _take(self, work: _Work) -> None:
        self._handed.start(self._handle(work), functools.partial(self._hold, -len(work)))

    async def finish(self) -> None:
        """Wait for the items handed over (``handoff``)."""
        await self._handed.finish()

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        """Drain until ``stop`` is set; the items in hand (claimed or handed over) are
        always finished first.

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
        await self.finish()


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
