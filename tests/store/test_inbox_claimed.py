"""Events stored already claimed (``Inbox.put_many_claimed``): held under the lease, new
ones only, on both dialects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from _store_support import NOW, store_at_now
from sqlalchemy import event

from xsell_connect.store import InboxItem, InboxStatus, Incoming, Store

LEASE = timedelta(seconds=60)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    yield from store_at_now(store_url)


def _put(store: Store, items: list[Incoming]) -> list[InboxItem | None]:
    return store.inbox.put_many_claimed("temenos", items, worker="w1", lease=LEASE)


def test_new_events_are_returned_as_items_claimed_by_the_worker(store: Store) -> None:
    (item,) = _put(store, [Incoming("e-1", b"one", {"content-type": "application/json"})])
    assert item is not None
    assert (item.event_id, item.body, item.headers, item.status, item.attempts) == (
        "e-1",
        b"one",
        {"content-type": "application/json"},
        InboxStatus.CLAIMED,
        1,
    )
    assert store.inbox.get("temenos", "e-1") == item
    assert store.inbox.claim("w2") == []  # held under w1's lease


def test_duplicates_and_rejected_events_are_not_handed_over(store: Store) -> None:
    assert store.inbox.put("temenos", "e-2", b"stored before")
    items = [
        Incoming("e-1", b"one", {}),
        Incoming("e-2", b"a redelivered copy", {}),
        Incoming("bad", b"{not json", {}, "not JSON"),
        Incoming("e-1", b"the same delivery twice in one batch", {}),
    ]
    assert [i and i.event_id for i in _put(store, items)] == ["e-1", None, None, None]
    depth = store.inbox.depth()
    assert (depth[InboxStatus.CLAIMED], depth[InboxStatus.PENDING]) == (1, 1)
    assert depth[InboxStatus.REJECTED] == 1
    (kept,) = store.inbox.items(InboxStatus.REJECTED)
    assert (kept.event_id, kept.attempts, kept.last_error) == ("bad", 0, "not JSON")


def test_the_claimer_completes_them_under_its_name(store: Store) -> None:
    first, second = _put(store, [Incoming("e-1", b"1", {}), Incoming("e-2", b"2", {})])
    assert first is not None
    assert second is not None
    assert store.inbox.complete_many([first.id], "w2") == set()  # not its claim
    assert store.inbox.complete_many([first.id, second.id], "w1") == {first.id, second.id}


def test_another_worker_claims_them_once_the_lease_expired(store_url: str) -> None:
    for store in store_at_now(store_url):
        _put(store, [Incoming("e-1", b"one", {})])
    later = Store.open(store_url, clock=lambda: NOW + LEASE + timedelta(seconds=1))
    try:
        (taken,) = later.inbox.claim("w2")
        assert (taken.event_id, taken.attempts) == ("e-1", 2)
    finally:
        later.close()


def test_on_postgresql_each_one_statement_call_runs_in_autocommit(postgres_url: str) -> None:
    """No BEGIN and COMMIT round trips around the consumer's insert, a claim, a completion."""
    seen: list[tuple[str, bool]] = []
    for store in store_at_now(postgres_url):

        @event.listens_for(store.engine, "before_cursor_execute")
        def spy(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            verb = " ".join(statement.split()[:3])
            seen.append((verb, connection.connection.dbapi_connection.autocommit))

        store.inbox.put_many("temenos", [Incoming("e-1", b"1", {})])
        (item,) = _put(store, [Incoming("e-2", b"2", {})])
        (claimed,) = store.inbox.claim("w1")
        assert item is not None
        assert store.inbox.complete_many([item.id, claimed.id], "w1") == {item.id, claimed.id}
        event.remove(store.engine, "before_cursor_execute", spy)
    assert seen == [
        ("INSERT INTO inbox", True),
        ("INSERT INTO inbox", True),
        ("UPDATE inbox SET", True),
        ("UPDATE inbox SET", True),
    ]
