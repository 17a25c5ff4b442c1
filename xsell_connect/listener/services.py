"""Everything one listener process runs, built once from the settings.

``Services.build(settings)`` opens (and migrates) the store, decodes the sources' keys,
binds the pipeline ports (the decision pipeline over the same store when ``[pipeline]
platform`` is set, in-memory ones when nothing is configured) and prepares the AMQP
consumer; ``lifespan`` starts the pipeline's outbox drainer, the inbox workers and the
consumer with the ASGI app (a delivery stored by webhook wakes the idle workers through
``count``; the consumer commits its deliveries claimed by the first worker and hands them
to it, ``worker.Handoff``) and stops them gracefully (uvicorn runs it on SIGTERM): the
consumer stops taking messages and settles the one in hand, the workers finish their
current item, the drainer the effects it holds. While it runs, the objects built at
start-up are frozen out of the garbage collector's full collections (``gc.freeze``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from xsell_connect.listener.ingest import Accepted, Ingestor, Outcome, Parsers
from xsell_connect.listener.intake import GroupCommit
from xsell_connect.listener.metrics import ListenerMetrics
from xsell_connect.listener.ports import (
    ApprovalQueue,
    EventSink,
    InMemoryApprovalQueue,
    InMemoryNextBestActions,
    MemorySink,
    NextBestActionReader,
    PipelineStats,
    load_factory,
)
from xsell_connect.listener.settings import ListenerSettings, SourceSettings, Verification
from xsell_connect.listener.webhooks import SourceVerifier, decode_secret
from xsell_connect.listener.worker import InboxWorker
from xsell_connect.store import Store
from xsell_connect.store.inbox_async import AsyncInboxWriter

__all__ = ["Services", "verifier_for"]

log = logging.getLogger("xsell_connect.listener")


def verifier_for(source: SourceSettings) -> SourceVerifier:
    secrets = [s.get_secret_value() for s in source.secrets]
    standard = source.verification is Verification.STANDARD_WEBHOOKS
    shared = source.verification is Verification.SHARED_SECRET
    return SourceVerifier(
        standard_keys=tuple(decode_secret(s) for s in secrets) if standard else (),
        shared_secrets=tuple(s.encode() for s in secrets) if shared else (),
        secret_header=source.secret_header,
        networks=tuple(source.allow_ips),
        tolerance=source.tolerance_seconds,
    )


@dataclass
class Services:
    settings: ListenerSettings
    store: Store
    sink: EventSink = field(default_factory=MemorySink)
    nba: NextBestActionReader = field(default_factory=InMemoryNextBestActions)
    approvals: ApprovalQueue = field(default_factory=InMemoryApprovalQueue)
    stats: PipelineStats | None = None
    parsers: Parsers = field(default_factory=Parsers)
    #: Readiness of the broker; None when no consumer runs in this process.
    broker_ready: Callable[[], bool] | None = None
    consumer: Any = None  # amqp.Consumer, imported only when configured (pika)
    #: The decision pipeline's runner and outbox drainer (pipeline.PipelineBinding), if bound.
    pipeline: Any = None
    worker_prefix: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def __post_init__(self) -> None:
        #: The workers' loop, its thread and their wake event, while the lifespan runs
        #: (``count``).
        self._bell: tuple[asyncio.AbstractEventLoop, int, asyncio.Event] | None = None
        self.ingestor = Ingestor(self.store.inbox, self.parsers)
        #: The webhook endpoint's way in: the ingestor, with concurrent commits shared. SQLite
        #: has one writer at a time: a second committer would only wait in its busy handler,
        #: which sleeps in steps of up to 100 ms. PostgreSQL's commits run on the event loop.
        if self.store.engine.dialect.name == "postgresql":
            writer = AsyncInboxWriter(self.store.inbox)
            self.intake = GroupCommit(self.ingestor, committers=2, writer=writer)
        else:
            self.intake = GroupCommit(self.ingestor, committers=1)
        self.verifiers = {s.name: verifier_for(s) for s in self.settings.sources}
        self.metrics = ListenerMetrics(self._depth, self.stats)

    def _depth(self) -> dict[str, int]:
        try:
            return {k.value: v for k, v in self.store.inbox.depth().items()}
        except Exception:  # the store is down: /metrics still answers, without depth
            return {}

    @classmethod
    def build(cls, settings: ListenerSettings, **ports: Any) -> Services:
        """Open the store and bind the ports (``ports`` override the configured ones).

        With ``[pipeline] platform`` the decision pipeline runs here, over the same store
        (``pipeline.PipelineBinding``); its runner and drainer start with the lifespan.
        """
        store = Store.open(settings.store_url)
        if settings.pipeline.platform is not None and "pipeline" not in ports:
            from xsell_connect.listener.pipeline import PipelineBinding

            name = f"{socket.gethostname()}:{os.getpid()}"
            binding = PipelineBinding(store.engine, settings.pipeline, name=name)
            ports = {**binding.ports(), "stats": binding.stats, **ports, "pipeline": binding}
        elif "sink" not in ports and settings.pipeline.sink is not None:
            ports["sink"] = load_factory(settings.pipeline.sink, settings.pipeline.options)
        amqp = settings.amqp
        if amqp is not None and amqp.republish_exchange is not None:
            from xsell_connect.listener.amqp import Republisher, RepublishingSink

            republisher = Republisher(amqp.url.get_secret_value(), amqp.republish_exchange)
            ports["sink"] = RepublishingSink(ports.get("sink") or MemorySink(), republisher)
        services = cls(settings, store, **ports)
        if settings.amqp is not None and services.consumer is None:
            from xsell_connect.listener.amqp import Consumer

            source = settings.source(settings.amqp.source)
            assert source is not None  # checked by ListenerSettings
            services.consumer = Consumer(settings.amqp, source, services.ingestor, services.count)
            services.broker_ready = services.consumer.connected.is_set
        return services

    def count(self, source: str, transport: str, accepted: Accepted) -> None:
        """Count a delivery; a stored one also wakes the idle workers (from any thread),
        unless it was handed to one already (``Accepted.claimed``)."""
        self.metrics.delivered(source, transport, accepted.outcome.value)
        if accepted.outcome is Outcome.STORED:
            for event in accepted.events:
                self.metrics.event_in(source, transport, event.type)
            if accepted.claimed is None:
                self._wake_workers()

    def _wake_workers(self) -> None:
        bell = self._bell
        if bell is None:
            return
        loop, thread, wake = bell
        # Set already: the workers have yet to clear it, which each does before it claims,
        # so they will see this delivery. Not set: on the loop's own thread (a webhook) it
        # is set here and now, not through the loop's self-pipe (a system call and a loop
        # wake-up per webhook).
        if wake.is_set():
            return
        if threading.get_ident() == thread:
            wake.set()
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            loop.call_soon_threadsafe(wake.set)

    def workers(self) -> list[InboxWorker]:
        sources = {s.name: s for s in self.settings.sources}
        return [
            InboxWorker(
                self.store.inbox,
                self.parsers,
                sources,
                self.sink,
                name=f"{self.worker_prefix}:{n}",
                settings=self.settings.workers,
                latency=self.metrics.pipeline_latency,
            )
            for n in range(self.settings.workers.count)
        ]

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        stop, wake = asyncio.Event(), asyncio.Event()
        self._bell = (asyncio.get_running_loop(), threading.get_ident(), wake)
        if self.pipeline is not None:
            await self.pipeline.start()
        workers = self.workers()
        tasks = [asyncio.create_task(w.run(stop, wake)) for w in workers]
        if self.consumer is not None:
            if workers:
                self.consumer.handoff = workers[0].handoff(asyncio.get_running_loop())
            self.consumer.start()
        log.info("listener started: %d workers, consumer %s", len(tasks), self.consumer is not None)
        # What start-up built (modules, models, pools: ~100,000 objects) lives as long as the
        # process: out of the collector's sight, a full collection takes well under a
        # millisecond instead of ~50 ms, a pause every request in flight would wait out.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            if self.consumer is not None:
                await asyncio.to_thread(self.consumer.stop)
            stop.set()
            self._bell = None
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.pipeline is not None:
                await self.pipeline.stop()
            await self.intake.aclose()
            self.store.close()
            log.info("listener stopped")
