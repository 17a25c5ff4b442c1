"""``Inbox.put_many`` on both dialects: one transaction for many events, deduplicated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from _store_support import NOW, store_at_now
from sqlalchemy.exc import DataError

from xsell_connect.store import InboxStatus, Incoming, Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    yield from store_at_now(store_url)


def test_put_many_stores_each_new_event_and_tells_which_were_new(store: Store) -> None:
    assert store.inbox.put("mambu", "e-2", b"stored before")
    items = [
        Incoming("e-1", b"one", {"content-type": "application/json"}),
        Incoming("e-2", b"a redelivered copy", {}),
        Incoming("e-3", b"three", {}),
        Incoming("e-1", b"the same delivery twice in one batch", {}),
    ]
    assert store.inbox.put_many("mambu", items) == [True, False, True, False]
    assert store.inbox.depth()[InboxStatus.PENDING] == 3
    one, two = store.inbox.get("mambu", "e-1"), store.inbox.get("mambu", "e-2")
    assert one is not None
    assert two is not None
    assert (one.body, one.headers, one.status, one.received_at) == (
        b"one",
        {"content-type": "application/json"},
        InboxStatus.PENDING,
        NOW,
    )
    assert two.body == b"stored before"


def test_put_many_keeps_rejected_events_beside_the_good_ones(store: Store) -> None:
    items = [Incoming("ok", b"{}", {}), Incoming("bad", b"{not json", {"x": "y"}, "not JSON")]
    assert store.inbox.put_many("finacle", items) == [True, True]
    (kept,) = store.inbox.items(InboxStatus.REJECTED)
    assert (kept.event_id, kept.body, kept.headers, kept.last_error) == (
        "bad",
        b"{not json",
        {"x": "y"},
        "not JSON",
    )
    assert [i.event_id for i in store.inbox.claim("w1")] == ["ok"]


def test_put_many_of_one_event_stores_it(store: Store) -> None:
    assert store.inbox.put_many("mambu", [Incoming("solo", b"{}", {"x": "y"})]) == [True]
    solo = store.inbox.get("mambu", "solo")
    assert solo is not None
    assert (solo.body, solo.headers, solo.status) == (b"{}", {"x": "y"}, InboxStatus.PENDING)


def test_put_many_of_nothing_commits_nothing(store: Store) -> None:
    assert store.inbox.put_many("mambu", []) == []
    assert sum(store.inbox.depth().values()) == 0


def test_put_many_of_more_rows_than_one_statement_takes(store: Store) -> None:
    """SQLite takes at most 999 parameters a statement; a duplicate across two is caught."""
    items = [Incoming(f"e-{n % 1500}", b"{}", {}) for n in range(2500)]
    assert store.inbox.put_many("mambu", items) == [True] * 1500 + [False] * 1000
    assert store.inbox.depth()[InboxStatus.PENDING] == 1500


def test_put_many_refuses_naive_datetimes_like_put(store_url: str) -> None:
    """The columns' own bind processing applies to the rows (UTC datetimes here)."""
    store = Store.open(store_url, clock=lambda: datetime(2026, 1, 1))
    try:
        with pytest.raises(Exception, match="timezone-aware"):
            store.inbox.put_many("mambu", [Incoming("e-1", b"{}", {})])
        assert sum(store.inbox.depth().values()) == 0
    finally:
        store.close()


def test_an_event_id_longer_than_the_column_is_refused_not_truncated(postgres_url: str) -> None:
    """PostgreSQL: the batch fails as ``put`` would, and nothing of it is stored."""
    store = Store.open(postgres_url)
    try:
        items = [Incoming("ok", b"{}", {}), Incoming("x" * 300, b"{}", {})]
        with pytest.raises(DataError):
            store.inbox.put_many("mambu", items)
        with pytest.raises(DataError):
            store.inbox.put("mambu", "x" * 300, b"{}")
        assert sum(store.inbox.depth().values()) == 0
    finally:
        store.close()
