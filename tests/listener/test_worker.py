"""Inbox workers: at least once into the sink, never twice across workers sharing a store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from listener_helpers import event_body, make_settings
from sqlalchemy import update

from xsell_connect.listener.ingest import Delivery, Ingestor, Parsers
from xsell_connect.listener.ports import MemorySink
from xsell_connect.listener.services import Services
from xsell_connect.listener.settings import SourceSettings, WorkerSettings
from xsell_connect.listener.worker import Handoff, InboxWorker
from xsell_connect.models import CanonicalEvent
from xsell_connect.store import InboxStatus, Store
from xsell_connect.store.schema import inbox

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


class CountedClaims:
    """Wraps ``inbox.claim`` to record how many items each claim took."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sizes: list[int] = []
        self._claim = store.inbox.claim
        monkeypatch.setattr(store.inbox, "claim", self)

    def __call__(self, *args: object, **kwargs: object) -> list[object]:
        items: list[object] = self._claim(*args, **kwargs)  # type: ignore[arg-type]
        self.sizes.append(len(items))
        return items


async def _until(done: Callable[[], bool], bound: float = 20.0) -> None:
    """Yield to the loop until ``done`` (a bound on waiting, not on speed)."""
    async with asyncio.timeout(bound):
        while not done():  # noqa: ASYNC110 - set by other threads and the store
            await asyncio.sleep(0.01)


async def test_a_committed_item_wakes_an_idle_worker_before_its_next_poll(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = CountedClaims(store, monkeypatch)
    sink = MemorySink()
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(worker(store, sink, idle_seconds=3600).run(stop, wake))
    await _until(lambda: claims.sizes == [0])  # idle now, for an hour
    store.inbox.put("bank", "m1", event_body("k1"), {})
    wake.set()
    await _until(lambda: len(sink.deliveries) == 1)
    stop.set()
    await task
    assert claims.sizes[:2] == [0, 1]  # woken from the hour's wait; then drained (0) again
    assert sum(claims.sizes) == 1
    assert store.inbox.depth()[InboxStatus.DONE] == 1
    store.close()


def _one_idle_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Services, MemorySink, CountedClaims, SourceSettings]:
    """Services with one inbox worker that only a wake-up (never its idle poll) sets off,
    its claims counted, and the ``bank`` source."""
    settings = make_settings(
        f"sqlite:///{tmp_path / 'store.db'}",
        workers={"count": 1, "idle_seconds": 3600, "retry_seconds": 0},
    )
    sink = MemorySink()
    services = Services.build(settings, sink=sink)
    claims = CountedClaims(services.store, monkeypatch)
    source = settings.source("bank")
    assert source is not None
    return services, sink, claims, source


async def test_a_stored_delivery_wakes_the_workers_from_the_consumers_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, sink, claims, source = _one_idle_worker(tmp_path, monkeypatch)

    def deliver() -> None:  # what the AMQP consumer does, on its own thread
        accepted = services.ingestor.accept(source, "amqp", {}, event_body("k1"))
        services.count("bank", "amqp", accepted)

    async with services.lifespan(None):
        await _until(lambda: claims.sizes == [0])
        await asyncio.to_thread(deliver)
        await _until(lambda: len(sink.deliveries) == 1)
    assert claims.sizes[:2] == [0, 1]
    assert sum(claims.sizes) == 1


async def test_a_stored_webhook_wakes_the_workers_without_the_loops_self_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, sink, claims, source = _one_idle_worker(tmp_path, monkeypatch)
    loop = asyncio.get_running_loop()
    real = loop.call_soon_threadsafe
    woken_threadsafe: list[object] = []

    def call_soon_threadsafe(callback: Callable[..., object], *args: object) -> asyncio.Handle:
        if getattr(callback, "__func__", None) is asyncio.Event.set:
            woken_threadsafe.append(callback)
        return real(callback, *args)

    monkeypatch.setattr(loop, "call_soon_threadsafe", call_soon_threadsafe)

    async with services.lifespan(None):
        await _until(lambda: claims.sizes == [0])
        for key in ("k1", "k2"):  # as the webhook endpoint does, on the loop's thread
            accepted = await services.intake.accept(source, "webhook", {}, event_body(key))
            services.count("bank", "webhook", accepted)
        await _until(lambda: len(sink.deliveries) == 2)
    assert woken_threadsafe == []
    assert sum(claims.sizes) == 2


class MeetingSink:
    """Hands events over only once two parties are in flight together."""

    def __init__(self) -> None:
        self.inside: set[str | None] = set()
        self.met = asyncio.Event()
        self.handed: list[str | None] = []

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        self.inside.add(events[0].subject)
        if len(self.inside) == 2:
            self.met.set()
        async with asyncio.timeout(20):
            await self.met.wait()
        self.handed.append(events[0].subject)


async def test_the_items_of_a_batch_are_handled_concurrently(store: Store) -> None:
    store.inbox.put("bank", "m1", event_body("k1", party="P-1"), {})
    store.inbox.put("bank", "m2", event_body("k2", party="P-2"), {})
    sink = MeetingSink()
    assert await worker(store, sink).run_once() == 2
    assert sorted(sink.handed, key=str) == ["P-1", "P-2"]
    assert store.inbox.depth()[InboxStatus.DONE] == 2
    store.close()


class OrderSink:
    """Records when each event's handling starts and ends, yielding in between."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        self.log.append(("start", events[0].id))
        await asyncio.sleep(0)
        self.log.append(("end", events[0].id))


async def test_items_of_one_party_keep_their_claim_order(store: Store) -> None:
    bodies = {
        "a1": event_body("a1", party="P-1"),
        "b1": event_body("b1", party="P-2"),
        "a2": event_body("a2", party="P-1"),
    }
    for key, body in bodies.items():
        store.inbox.put("bank", key, body, {})
    ids = {key: CanonicalEvent.model_validate_json(body).id for key, body in bodies.items()}
    sink = OrderSink()
    assert await worker(store, sink).run_once() == 3
    log = sink.log
    assert log.index(("end", ids["a1"])) < log.index(("start", ids["a2"]))
    assert log.index(("start", ids["b1"])) < log.index(("end", ids["a1"]))  # P-2 ran alongside
    store.close()


class TakeoverSink:
    """Hands events over; for one party, another worker takes the item meanwhile."""

    def __init__(self, store: Store, party: str) -> None:
        self.store = store
        self.party = party
        self.handed: list[str] = []

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        await asyncio.sleep(0)
        if events[0].subject == self.party:
            c = inbox.c
            with self.store.engine.begin() as connection:
                connection.execute(update(inbox).where(c.event_id == "m2").values(claimed_by="w2"))
        self.handed.append(str(events[0].subject))


async def test_completions_of_a_batch_are_committed_together_each_with_its_outcome(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    for n, party in enumerate(["P-1", "P-2", "P-3", "P-4"], start=1):
        store.inbox.put("bank", f"m{n}", event_body(f"k{n}", party=party), {})
    w = worker(store, TakeoverSink(store, "P-2"))
    calls: list[list[int]] = []
    complete_many = store.inbox.complete_many

    def spy(item_ids: Sequence[int], worker: str) -> set[int]:
        calls.append(list(item_ids))
        return complete_many(item_ids, worker)

    store.inbox.complete_many = spy  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="xsell_connect.listener.worker"):
        assert await w.run_once() == 4
    assert sorted(i for call in calls for i in call) == sorted(
        item.id for item in (store.inbox.get("bank", f"m{n}") for n in range(1, 5)) if item
    )
    assert len(calls) < 4  # fewer transactions than items
    taken = store.inbox.get("bank", "m2")
    assert taken is not None
    assert taken.status is InboxStatus.CLAIMED  # left to the worker that holds it
    assert store.inbox.depth()[InboxStatus.DONE] == 3
    assert [r.getMessage() for r in caplog.records] == [
        f"inbox item {taken.id} was taken over before it completed"
    ]
    store.close()


async def test_events_handed_over_are_handled_without_a_claim_or_a_parse(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = CountedClaims(store, monkeypatch)
    sink = MemorySink()
    w = worker(store, sink)
    parsed: list[object] = []
    monkeypatch.setattr(w, "_parse", parsed.append)
    handoff = w.handoff(asyncio.get_running_loop())
    deliveries = [Delivery({}, event_body("k1"), "m1"), Delivery({}, event_body("k2"), "m2")]
    accepted = Ingestor(store.inbox).accept_many(
        SOURCES["bank"], "amqp", deliveries, claim=handoff.claim()
    )
    await asyncio.to_thread(handoff.take, accepted)  # from the consumer's thread
    await _until(lambda: len(sink.deliveries) == 2)
    await w.finish()
    assert (claims.sizes, parsed) == ([], [])
    assert store.inbox.depth()[InboxStatus.DONE] == 2
    store.close()


class HeldSink(MemorySink):
    """Holds every event until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        async with asyncio.timeout(20):
            await self.release.wait()
        await super().handle(events)


async def test_a_worker_holding_a_batch_of_handed_items_takes_no_more_until_done(
    store: Store,
) -> None:
    sink = HeldSink()
    w = worker(store, sink, batch=2)
    handoff = w.handoff(asyncio.get_running_loop())
    ingestor = Ingestor(store.inbox)
    for key in ("k1", "k2"):
        claim = handoff.claim()
        assert claim is not None
        delivery = Delivery({}, event_body(key), key)
        handoff.take(ingestor.accept_many(SOURCES["bank"], "amqp", [delivery], claim=claim))
    assert handoff.claim() is None  # two in hand: the next deliveries are left pending
    sink.release.set()
    await _until(lambda: len(sink.deliveries) == 2)
    await w.finish()
    assert handoff.claim() is not None
    store.close()


class StubConsumer:
    """Where the lifespan puts its handoff; started and stopped as the AMQP consumer is."""

    handoff: Handoff | None = None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


async def test_the_consumers_deliveries_go_to_a_worker_with_no_wake_up_or_claim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, sink, claims, source = _one_idle_worker(tmp_path, monkeypatch)
    consumer = services.consumer = StubConsumer()

    def deliver() -> None:  # what the AMQP consumer does, on its own thread
        assert consumer.handoff is not None
        batch = [Delivery({}, event_body("k1"), "m1")]
        accepted = services.ingestor.accept_many(
            source, "amqp", batch, claim=consumer.handoff.claim()
        )
        services.count("bank", "amqp", accepted[0])
        consumer.handoff.take(accepted)

    async with services.lifespan(None):
        await _until(lambda: claims.sizes == [0])
        await asyncio.to_thread(deliver)
        await _until(lambda: len(sink.deliveries) == 1)
    assert claims.sizes == [0]  # the first idle claim only: never woken for it
    assert services.store.inbox.depth()[InboxStatus.DONE] == 1
