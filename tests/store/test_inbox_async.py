"""``AsyncInboxWriter``: ``Inbox.put_many`` awaited on the event loop, on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from _store_support import NOW, Monotonic, store_at_now
from sqlalchemy.exc import DataError, OperationalError

from xsell_connect.store import InboxStatus, Incoming, Store
from xsell_connect.store import engine as engine_module
from xsell_connect.store.inbox_async import AsyncInboxWriter


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    yield from store_at_now(postgres_url)


@pytest.fixture
async def writer(store: Store) -> AsyncIterator[AsyncInboxWriter]:
    made = AsyncInboxWriter(store.inbox)
    yield made
    await made.aclose()


async def backend_pids(postgres_url: str) -> set[int]:
    """The writer's backends: those whose last statement is its insert."""
    name = postgres_url.rsplit("/", 1)[1]
    query = (
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        " AND query LIKE '%%FROM unnest(%%'"
    )
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
        rows = await (await admin.execute(query, [name])).fetchall()
    return {row[0] for row in rows}


async def terminate(postgres_url: str, pids: set[int]) -> None:
    """Kill the backends, and wait (up to 10 s each) until they are gone."""
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
        for pid in pids:
            await admin.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])


async def until_gone(postgres_url: str) -> set[int]:
    """The writer's backends once none is left, or those left after 10 s."""
    for _ in range(1000):
        left = await backend_pids(postgres_url)
        if not left:
            break
        await asyncio.sleep(0.01)
    return left


async def test_it_stores_what_put_many_stores_and_tells_which_were_new(
    store: Store, writer: AsyncInboxWriter
) -> None:
    assert store.inbox.put("mambu", "e-2", b"stored before")
    items = [
        Incoming("e-1", b"one", {"content-type": "application/json"}),
        Incoming("e-2", b"a redelivered copy", {}),
        Incoming("e-3", b"three", {}),
        Incoming("e-1", b"the same delivery twice in one batch", {}),
        Incoming("bad", b"{not json", {"x": "y"}, "not JSON"),
    ]
    assert await writer.put_many("mambu", items) == [True, False, True, False, True]
    assert store.inbox.depth()[InboxStatus.PENDING] == 3
    one, two = store.inbox.get("mambu", "e-1"), store.inbox.get("mambu", "e-2")
    assert one is not None
    assert two is not None
    assert (one.body, one.headers, one.status, one.attempts, one.received_at) == (
        b"one",
        {"content-type": "application/json"},
        InboxStatus.PENDING,
        0,
        NOW,
    )
    assert two.body == b"stored before"
    (kept,) = store.inbox.items(InboxStatus.REJECTED)
    assert (kept.event_id, kept.body, kept.headers, kept.last_error) == (
        "bad",
        b"{not json",
        {"x": "y"},
        "not JSON",
    )


async def test_headers_and_bodies_are_stored_as_the_sync_put_stores_them(
    store: Store, writer: AsyncInboxWriter, postgres_url: str
) -> None:
    headers = {"webhook-id": 'a "quoted" \u00e9 id', "content-type": "application/json"}
    body = b"\x00\xff raw bytes"
    store.inbox.put("sync", "e-1", body, headers)
    assert await writer.put_many("async", [Incoming("e-1", body, headers)]) == [True]
    async with await psycopg.AsyncConnection.connect(postgres_url) as admin:
        cursor = await admin.execute(
            "SELECT source, headers::text, body FROM inbox ORDER BY source"
        )
        rows = await cursor.fetchall()
    text = '{"webhook-id": "a \\"quoted\\" \\u00e9 id", "content-type": "application/json"}'
    assert rows == [("async", text, body), ("sync", text, body)]


async def test_nothing_to_put_sends_no_statement(
    writer: AsyncInboxWriter, postgres_url: str
) -> None:
    assert await writer.put_many("mambu", []) == []
    assert await backend_pids(postgres_url) == set()  # not even a connection


async def test_a_row_the_store_refuses_raises_sqlalchemys_error_and_keeps_the_connection(
    store: Store, writer: AsyncInboxWriter, postgres_url: str
) -> None:
    assert await writer.put_many("mambu", [Incoming("first", b"{}", {})]) == [True]
    before = await backend_pids(postgres_url)
    with pytest.raises(DataError) as refused:
        await writer.put_many("mambu", [Incoming("x" * 300, b"secret body", {})])
    assert "secret body" not in str(refused.value)
    assert not refused.value.connection_invalidated
    assert await writer.put_many("mambu", [Incoming("next", b"{}", {})]) == [True]
    assert await backend_pids(postgres_url) == before
    assert store.inbox.depth()[InboxStatus.PENDING] == 2


async def test_a_store_that_is_down_raises_operational_error() -> None:
    down = Store.open("postgresql://postgres@127.0.0.1:1/nothing", migrate=False)
    try:
        writer = AsyncInboxWriter(down.inbox)
        with pytest.raises(OperationalError) as failed:
            await writer.put_many("mambu", [Incoming("e-1", b"secret body", {})])
        assert failed.value.connection_invalidated
        assert "secret body" not in str(failed.value)
    finally:
        down.close()


async def test_a_connection_used_a_moment_ago_is_reused_without_a_ping(
    writer: AsyncInboxWriter, postgres_url: str, monotonic: Monotonic
) -> None:
    await writer.put_many("mambu", [Incoming("e-1", b"{}", {})])
    first = await backend_pids(postgres_url)
    monotonic.now += engine_module.PING_AFTER_IDLE_SECONDS
    await writer.put_many("mambu", [Incoming("e-2", b"{}", {})])
    assert await backend_pids(postgres_url) == first
    assert len(first) == 1


async def test_a_dead_connection_idle_past_the_limit_is_replaced_before_use(
    store: Store, writer: AsyncInboxWriter, postgres_url: str, monotonic: Monotonic
) -> None:
    await writer.put_many("mambu", [Incoming("e-1", b"{}", {})])
    first = await backend_pids(postgres_url)
    await terminate(postgres_url, first)
    monotonic.now += engine_module.PING_AFTER_IDLE_SECONDS + 0.5
    assert await writer.put_many("mambu", [Incoming("e-2", b"{}", {})]) == [True]
    second = await backend_pids(postgres_url)
    assert len(second) == 1
    assert second != first
    assert store.inbox.depth()[InboxStatus.PENDING] == 2


async def test_a_dead_connection_used_a_moment_ago_fails_once_then_a_new_one_is_opened(
    store: Store, writer: AsyncInboxWriter, postgres_url: str
) -> None:
    await writer.put_many("mambu", [Incoming("e-1", b"{}", {})])
    await terminate(postgres_url, await backend_pids(postgres_url))
    with pytest.raises(OperationalError) as failed:
        await writer.put_many("mambu", [Incoming("e-2", b"{}", {})])
    assert failed.value.connection_invalidated
    assert await writer.put_many("mambu", [Incoming("e-2", b"{}", {})]) == [True]
    assert store.inbox.depth()[InboxStatus.PENDING] == 2


async def test_aclose_closes_the_connections(writer: AsyncInboxWriter, postgres_url: str) -> None:
    await writer.put_many("mambu", [Incoming("e-1", b"{}", {})])
    assert len(await backend_pids(postgres_url)) == 1
    await writer.aclose()
    assert await until_gone(postgres_url) == set()


def test_it_is_for_postgresql_only(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with pytest.raises(ValueError, match="PostgreSQL"):
            AsyncInboxWriter(store.inbox)
    finally:
        store.close()
