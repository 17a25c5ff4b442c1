"""``Inbox.put_many``: several raw events in one commit, on both dialects (the group commit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from xsell_connect.store import InboxStatus, Store

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url, clock=lambda: NOW)
    yield opened
    opened.close()


def test_put_many_stores_each_new_event_and_says_which_were_new(store: Store) -> None:
    assert store.inbox.put("mambu", "e-1", b"stored before")
    new = store.inbox.put_many(
        [
            ("mambu", "e-1", b"a retried copy", {}),
            ("mambu", "e-2", b"two", {"content-type": "application/json"}),
            ("temenos", "e-1", b"ids are per source", None),
            ("mambu", "e-2", b"the same delivery twice in one batch", {}),
            ("mambu", "e-3", b"three", {}),
        ]
    )
    assert new == [False, True, True, False, True]

    two = store.inbox.get("mambu", "e-2")
    assert two is not None
    assert (two.body, two.headers, two.status, two.attempts, two.received_at) == (
        b"two",
        {"content-type": "application/json"},
        InboxStatus.PENDING,
        0,
        NOW,
    )
    first = store.inbox.get("mambu", "e-1")
    assert first is not None
    assert first.body == b"stored before"
    assert store.inbox.depth()[InboxStatus.PENDING] == 4


def test_put_many_is_all_or_nothing(store: Store) -> None:
    items = [
        ("mambu", "e-1", b"fine", {}),
        (None, "e-2", b"no source: refused by the schema", {}),
    ]
    with pytest.raises(IntegrityError):
        store.inbox.put_many(items)  # type: ignore[arg-type]
    assert store.inbox.get("mambu", "e-1") is None
    assert store.inbox.depth()[InboxStatus.PENDING] == 0


def test_put_many_of_nothing_stores_nothing(store: Store) -> None:
    assert store.inbox.put_many([]) == []
    assert sum(store.inbox.depth().values()) == 0


def test_put_many_items_are_claimed_like_put_ones(store: Store) -> None:
    store.inbox.put_many([("mambu", f"e-{n}", b"{}", {}) for n in range(3)])
    claimed = store.inbox.claim("w1", limit=10)
    assert [i.event_id for i in claimed] == ["e-0", "e-1", "e-2"]


def test_put_many_keeps_bodies_and_headers_byte_for_byte(store: Store) -> None:
    body = b'\x00\\x\xff{"a": "\\""}\n'
    headers = {"x-note": 'a "quote", a \\ backslash, {braces}, é', "x-empty": ""}
    new = store.inbox.put_many([("mambu", "e-1", body, headers), ("mambu", "e-2", b"", {})])
    assert new == [True, True]
    item = store.inbox.get("mambu", "e-1")
    assert item is not None
    assert (item.body, item.headers) == (body, headers)
    empty = store.inbox.get("mambu", "e-2")
    assert empty is not None
    assert (empty.body, empty.headers) == (b"", {})


def test_one_statement_commits_its_statement(store: Store, store_url: str) -> None:
    """PostgreSQL runs it in autocommit, SQLite in a transaction: committed either way."""
    from sqlalchemy import text

    from xsell_connect.store.engine import one_statement

    with one_statement(store.engine) as connection:
        connection.execute(text("UPDATE inbox SET attempts = 1"))  # nothing to update: fine
        if store_url.startswith("postgresql"):
            assert connection.get_execution_options()["isolation_level"] == "AUTOCOMMIT"
        else:
            assert connection.in_transaction()
    store.inbox.put_many([("mambu", "e-1", b"{}", {})])
    other = Store.open(store_url, migrate=False)
    try:
        assert other.inbox.get("mambu", "e-1") is not None  # seen from another connection
    finally:
        other.close()
