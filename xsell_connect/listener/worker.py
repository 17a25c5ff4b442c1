"""Inbox workers: drain committed events into the pipeline, at least once.

Each worker claims a batch under a lease (SKIP LOCKED on PostgreSQL, so several processes
sharing one store never take the same item), parses each item again with its source's
parser, hands the events to the ``EventSink`` and marks the item done. A sink that raises
fails the item, which is claimed again after ``retry_seconds`` until ``max_attempts``
(then ``dead``). A worker killed mid-item leaves its lease to expire: the item is handed
over again, so the sink must be idempotent on event ids (the pipeline's outbox is).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from datetime import timedelta

from prometheus_client import Histogram

from xsell_connect.listener.ingest import TRANSPORT_HEADER, Parsers
from xsell_connect.listener.ports import EventSink
from xsell_connect.listener.settings import SourceSettings, WorkerSettings
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

    async def _process(self, item: InboxItem) -> None:
        source = self.sources.get(item.source)
        started = time.perf_counter()
        outcome = "done"
        try:
            if source is None:
                raise LookupError(f"source {item.source!r} is not configured")
            transport = item.headers.get(TRANSPORT_HEADER, "webhook")
            events = self.parsers.parse(source.format, transport, item.headers, item.body)
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
            if not await asyncio.to_thread(self.inbox.complete, item.id, self.name):
                log.warning("inbox item %d was taken over before it completed", item.id)
        finally:
            if self.latency is not None:
                self.latency.labels(outcome).observe(time.perf_counter() - started)

    async def run_once(self) -> int:
        """Claim one batch and process it; the number of items claimed."""
        lease = timedelta(seconds=self.settings.lease_seconds)
        items = await asyncio.to_thread(
            self.inbox.claim, self.name, limit=self.settings.batch, lease=lease
        )
        for item in items:
            await self._process(item)
        return len(items)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until ``stop`` is set; the current item is always finished first."""
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception as exc:  # the store is down: wait, then try again
                log.warning("worker %s cannot claim: %s", self.name, type(exc).__name__)
                claimed = 0
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.idle_seconds)
