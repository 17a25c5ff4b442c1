"""The webhook group commit: concurrent deliveries share a commit, each keeps its answer."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence

import httpx
import pytest
from listener_helpers import SECRET, event_body, make_settings
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from xsell_connect.listener.app import create_app
from xsell_connect.listener.ingest import Accepted, Outcome
from xsell_connect.listener.intake import GroupCommit
from xsell_connect.listener.services import Services
from xsell_connect.listener.settings import SourceSettings
from xsell_connect.listener.webhooks import decode_secret, sign
from xsell_connect.store import InboxStatus, Incoming
from xsell_connect.store.inbox_async import AsyncInboxWriter

PutMany = Callable[[str, Sequence[Incoming]], list[bool]]


def signed(msg_id: str, body: bytes) -> dict[str, str]:
    stamp = int(time.time())
    signature = sign(decode_secret(SECRET), msg_id, stamp, body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": signature}


def bank(services: Services) -> SourceSettings:
    source = services.settings.source("bank")
    assert source is not None
    return source


def record_batches(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    started: asyncio.Event,
    hold: threading.Event,
) -> list[list[str]]:
    """Record the ids of each ``put_many`` batch; the first sets ``started``, waits for ``hold``."""
    batches: list[list[str]] = []
    real: PutMany = services.store.inbox.put_many
    loop = asyncio.get_running_loop()

    def put_many(source: str, items: Sequence[Incoming]) -> list[bool]:
        batches.append([item.event_id for item in items])
        if len(batches) == 1:
            loop.call_soon_threadsafe(started.set)
            assert hold.wait(20)
        return real(source, items)

    monkeypatch.setattr(services.store.inbox, "put_many", put_many)
    return batches


async def accept_all(intake: GroupCommit, source: SourceSettings, ids: list[str]) -> list[Accepted]:
    return list(
        await asyncio.gather(
            *(intake.accept(source, "webhook", {}, event_body(i), delivery_id=i) for i in ids)
        )
    )


async def test_deliveries_that_arrive_during_a_commit_share_the_next_one(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, hold = asyncio.Event(), threading.Event()
    batches = record_batches(services, monkeypatch, started, hold)
    intake = GroupCommit(services.ingestor, committers=1)
    first = asyncio.create_task(accept_all(intake, bank(services), ["d-0"]))
    await started.wait()  # the first delivery's commit has begun, and is held
    rest = asyncio.create_task(accept_all(intake, bank(services), [f"d-{n}" for n in range(1, 6)]))
    await asyncio.sleep(0.05)
    hold.set()
    accepted = await first + await rest

    assert batches == [["d-0"], ["d-1", "d-2", "d-3", "d-4", "d-5"]]
    assert [(a.outcome, a.inbox_id) for a in accepted] == [
        (Outcome.STORED, f"d-{n}") for n in range(6)
    ]
    assert services.store.inbox.depth()[InboxStatus.PENDING] == 6


async def test_a_delivery_right_after_a_commit_ends_gets_a_committer(services: Services) -> None:
    """The answered request resumes before the finished committer's task is cleaned up."""
    intake = GroupCommit(services.ingestor, committers=1)
    source = bank(services)

    async def one_after_another() -> list[Outcome]:
        outcomes = []
        for n in range(3):  # each awaited directly: it resumes as soon as it is answered
            body = event_body(f"s-{n}")
            accepted = await intake.accept(source, "webhook", {}, body, delivery_id=f"s-{n}")
            outcomes.append(accepted.outcome)
        return outcomes

    assert await asyncio.wait_for(one_after_another(), timeout=20) == [Outcome.STORED] * 3
    assert services.store.inbox.depth()[InboxStatus.PENDING] == 3


async def test_a_batch_is_never_larger_than_max_batch(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, hold = asyncio.Event(), threading.Event()
    batches = record_batches(services, monkeypatch, started, hold)
    intake = GroupCommit(services.ingestor, committers=1, max_batch=2)
    first = asyncio.create_task(accept_all(intake, bank(services), ["d-0"]))
    await started.wait()
    rest = asyncio.create_task(accept_all(intake, bank(services), ["d-1", "d-2", "d-3"]))
    await asyncio.sleep(0.05)
    hold.set()
    await first
    await rest
    assert batches == [["d-0"], ["d-1", "d-2"], ["d-3"]]


async def test_a_duplicate_and_a_malformed_delivery_keep_their_own_outcomes(
    services: Services,
) -> None:
    services.store.inbox.put("bank", "old", b"{}")
    intake = GroupCommit(services.ingestor)
    source = bank(services)
    accepted = await asyncio.gather(
        intake.accept(source, "webhook", {}, event_body("a"), delivery_id="old"),
        intake.accept(source, "webhook", {}, b"{not json", delivery_id="bad"),
        intake.accept(source, "webhook", {}, event_body("b"), delivery_id="new"),
    )
    assert [(a.outcome, a.inbox_id) for a in accepted] == [
        (Outcome.DUPLICATE, "old"),
        (Outcome.REJECTED, "bad"),
        (Outcome.STORED, "new"),
    ]
    assert [r.event_id for r in services.store.inbox.items(InboxStatus.REJECTED)] == ["bad"]


async def test_a_row_that_fails_its_batch_fails_alone(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    real: PutMany = services.store.inbox.put_many
    batches: list[list[str]] = []

    def put_many(source: str, items: Sequence[Incoming]) -> list[bool]:
        batches.append([item.event_id for item in items])
        if any(item.event_id == "poison" for item in items):
            raise IntegrityError("INSERT", {}, Exception("refused"))
        return real(source, items)

    monkeypatch.setattr(services.store.inbox, "put_many", put_many)
    intake = GroupCommit(services.ingestor, committers=1)
    source = bank(services)
    results = await asyncio.gather(
        *(
            intake.accept(source, "webhook", {}, event_body(i), delivery_id=i)
            for i in ["a", "poison", "b"]
        ),
        return_exceptions=True,
    )
    # All three were waiting when the committer ran: one batch, then each alone.
    assert batches == [["a", "poison", "b"], ["a"], ["poison"], ["b"]]
    assert isinstance(results[1], IntegrityError)
    assert [r.outcome for r in (results[0], results[2]) if isinstance(r, Accepted)] == [
        Outcome.STORED,
        Outcome.STORED,
    ]
    assert services.store.inbox.get("bank", "poison") is None


async def test_a_store_that_is_down_fails_the_whole_batch_without_retrying(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def put_many(source: str, items: Sequence[Incoming]) -> list[bool]:
        calls.append(len(items))
        raise OperationalError("BEGIN", {}, Exception("connection refused"))

    monkeypatch.setattr(services.store.inbox, "put_many", put_many)
    intake = GroupCommit(services.ingestor, committers=1)
    source = bank(services)
    results = await asyncio.gather(
        *(
            intake.accept(source, "webhook", {}, event_body(i), delivery_id=i)
            for i in ["a", "b", "c"]
        ),
        return_exceptions=True,
    )
    assert all(isinstance(r, OperationalError) for r in results)
    assert calls == [3]  # one batch, no row-by-row retry


async def test_concurrent_webhooks_are_each_committed_before_their_202(
    services: Services,
) -> None:
    transport = httpx.ASGITransport(app=create_app(services), client=("127.0.0.1", 40000))

    async def post(http: httpx.AsyncClient, n: int) -> httpx.Response:
        body = event_body(f"k-{n}")
        response = await http.post("/webhooks/bank", content=body, headers=signed(f"msg_{n}", body))
        assert services.store.inbox.get("bank", f"msg_{n}") is not None  # committed first
        return response

    async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
        responses = await asyncio.gather(*(post(http, n) for n in range(20)))
    assert [r.status_code for r in responses] == [202] * 20
    assert sorted(r.json()["id"] for r in responses) == sorted(f"msg_{n}" for n in range(20))


async def test_a_webhook_answers_503_when_the_store_is_down(
    services: Services, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def put_many(source: str, items: Sequence[Incoming]) -> list[bool]:
        raise OperationalError("BEGIN", {}, Exception("connection refused"))

    monkeypatch.setattr(services.store.inbox, "put_many", put_many)
    body = event_body("a")
    response = await client.post("/webhooks/bank", content=body, headers=signed("msg_1", body))
    assert response.status_code == 503
    assert response.json()["type"] == "urn:xsell-connect:problem:store-unavailable"


@pytest.fixture
async def pg_services(postgres_url: str) -> AsyncIterator[Services]:
    built = Services.build(make_settings(postgres_url))
    yield built
    await built.intake.aclose()
    built.store.close()


async def test_on_postgresql_deliveries_during_a_commit_share_the_next_statement(
    pg_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = AsyncInboxWriter(pg_services.store.inbox)
    real = writer.put_many
    batches: list[list[str]] = []
    started, hold = asyncio.Event(), asyncio.Event()

    async def put_many(source: str, items: Sequence[Incoming]) -> list[bool]:
        batches.append([item.event_id for item in items])
        if len(batches) == 1:
            started.set()
            await hold.wait()
        return await real(source, items)

    monkeypatch.setattr(writer, "put_many", put_many)
    intake = GroupCommit(pg_services.ingestor, committers=1, writer=writer)
    first = asyncio.create_task(accept_all(intake, bank(pg_services), ["d-0"]))
    await started.wait()
    rest = asyncio.create_task(
        accept_all(intake, bank(pg_services), [f"d-{n}" for n in range(1, 6)])
    )
    await asyncio.sleep(0.05)
    hold.set()
    accepted = await first + await rest
    await writer.aclose()

    assert batches == [["d-0"], ["d-1", "d-2", "d-3", "d-4", "d-5"]]
    assert [(a.outcome, a.inbox_id) for a in accepted] == [
        (Outcome.STORED, f"d-{n}") for n in range(6)
    ]
    assert pg_services.store.inbox.depth()[InboxStatus.PENDING] == 6


async def test_on_postgresql_a_row_the_store_refuses_fails_alone(pg_services: Services) -> None:
    source = bank(pg_services)
    too_long = "x" * 300  # event_id is VARCHAR(255)
    results = await asyncio.gather(
        *(
            pg_services.intake.accept(source, "webhook", {}, event_body(i), delivery_id=i)
            for i in ["a", too_long, "b"]
        ),
        return_exceptions=True,
    )
    assert isinstance(results[1], DataError)
    assert [
        (r.outcome, r.inbox_id) for r in (results[0], results[2]) if isinstance(r, Accepted)
    ] == [
        (Outcome.STORED, "a"),
        (Outcome.STORED, "b"),
    ]
    assert pg_services.store.inbox.depth()[InboxStatus.PENDING] == 2


async def test_on_postgresql_a_duplicate_and_a_malformed_delivery_keep_their_outcomes(
    pg_services: Services,
) -> None:
    pg_services.store.inbox.put("bank", "old", b"{}")
    source = bank(pg_services)
    accepted = await asyncio.gather(
        pg_services.intake.accept(source, "webhook", {}, event_body("a"), delivery_id="old"),
        pg_services.intake.accept(source, "webhook", {}, b"{not json", delivery_id="bad"),
        pg_services.intake.accept(source, "webhook", {}, event_body("b"), delivery_id="new"),
        pg_services.intake.accept(source, "webhook", {}, b"[]", delivery_id="keep-alive"),
    )
    assert [(a.outcome, a.inbox_id) for a in accepted] == [
        (Outcome.DUPLICATE, "old"),
        (Outcome.REJECTED, "bad"),
        (Outcome.STORED, "new"),
        (Outcome.EMPTY, "keep-alive"),
    ]
    assert [r.event_id for r in pg_services.store.inbox.items(InboxStatus.REJECTED)] == ["bad"]
