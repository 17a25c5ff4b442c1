"""Inbox workers: at least once into the sink, never twice across workers sharing a store."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from listener_helpers import event_body, make_settings

from xsell_connect.listener.ingest import Parsers
from xsell_connect.listener.ports import MemorySink
from xsell_connect.listener.settings import WorkerSettings
from xsell_connect.listener.worker import InboxWorker
from xsell_connect.models import CanonicalEvent
from xsell_connect.store import InboxStatus, Store

SOURCES = {s.name: s for s in make_settings("sqlite://").sources}


def worker(store: Store, sink: object, name: str = "w1", **settings: float) -> InboxWorker:
    options = WorkerSettings(**{"retry_seconds": 0, **settings})  # type: ignore[arg-type]
    return InboxWorker(store.inbox, Parsers(), SOURCES, sink, name=name, settings=options)  # type: ignore[arg-type]


class FlakySink:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.handed: list[str] = []

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the pipeline is down")
        self.handed.extend(e.id for e in events)


@pytest.fixture
def store(store_url: str) -> Store:
    return Store.open(store_url)


async def test_a_stored_event_reaches_the_sink_and_is_done(store: Store) -> None:
    store.inbox.put("bank", "m1", event_body("k1"), {"xsell-transport": "webhook"})
    sink = MemorySink()
    assert await worker(store, sink).run_once() == 1
    assert len(sink.deliveries) == 1
    assert store.inbox.depth()[InboxStatus.DONE] == 1
    store.close()


async def test_a_failing_sink_is_retried_until_it_succeeds(store: Store) -> None:
    store.inbox.put("bank", "m1", event_body("k1"), {})
    sink = FlakySink(failures=2)
    w = worker(store, sink)
    for _ in range(3):
        await w.run_once()
    assert len(sink.handed) == 1
    item = store.inbox.get("bank", "m1")
    assert item is not None
    assert (item.status, item.attempts) == (InboxStatus.DONE, 3)
    store.close()


async def test_an_item_is_dead_after_the_last_attempt(store: Store) -> None:
    store.inbox.put("bank", "m1", event_body("k1"), {})
    w = worker(store, FlakySink(failures=10), max_attempts=2)
    for _ in range(3):
        await w.run_once()
    item = store.inbox.get("bank", "m1")
    assert item is not None
    assert item.status is InboxStatus.DEAD
    assert item.last_error == "ConnectionError: the pipeline is down"
    store.close()


async def test_an_item_of_an_unconfigured_source_fails(store: Store) -> None:
    store.inbox.put("gone", "m1", event_body("k1"), {})
    await worker(store, MemorySink(), max_attempts=1).run_once()
    item = store.inbox.get("gone", "m1")
    assert item is not None
    assert item.status is InboxStatus.DEAD
    store.close()


async def test_workers_of_two_processes_never_take_the_same_item(postgres_url: str) -> None:
    first, second = Store.open(postgres_url), Store.open(postgres_url, migrate=False)
    for n in range(300):
        first.inbox.put("bank", f"m{n}", event_body(f"k{n}"), {})
    sinks = [MemorySink(), MemorySink()]
    workers = [worker(first, sinks[0], "p1", batch=7), worker(second, sinks[1], "p2", batch=7)]

    async def drain(w: InboxWorker) -> None:
        while await w.run_once():
            pass

    await asyncio.gather(*(drain(w) for w in workers))
    handed = sinks[0].deliveries + sinks[1].deliveries
    assert len(handed) == 300
    assert len(set(handed)) == 300
    assert first.inbox.depth()[InboxStatus.DONE] == 300
    first.close()
    second.close()
