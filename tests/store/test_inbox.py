"""The inbox on both dialects: dedupe, claims under lease, fencing, retries, rejects."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from xsell_connect.store import InboxStatus, Store
from xsell_connect.store.schema import inbox


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(store_url: str, clock: Clock) -> Iterator[Store]:
    opened = Store.open(store_url, clock=clock)
    yield opened
    opened.close()


def test_put_stores_the_raw_event_once(store: Store, clock: Clock) -> None:
    body = b'{"event": "SAVINGS_DEPOSIT"}'
    assert store.inbox.put("mambu", "e-1", body, {"content-type": "application/json"})
    assert not store.inbox.put("mambu", "e-1", b"a retried copy", {})
    assert store.inbox.put("temenos", "e-1", body)  # ids are per source

    item = store.inbox.get("mambu", "e-1")
    assert item is not None
    assert (item.body, item.headers, item.status, item.attempts) == (
        body,
        {"content-type": "application/json"},
        InboxStatus.PENDING,
        0,
    )
    assert item.received_at == clock.now
    assert store.inbox.depth()[InboxStatus.PENDING] == 2


def test_claim_takes_the_oldest_first_and_never_twice(store: Store) -> None:
    for n in range(5):
        store.inbox.put("mambu", f"e-{n}", b"{}")
    first = store.inbox.claim("w1", limit=3)
    second = store.inbox.claim("w2", limit=3)
    assert [i.event_id for i in first] == ["e-0", "e-1", "e-2"]
    assert [i.event_id for i in second] == ["e-3", "e-4"]
    assert all(i.status is InboxStatus.CLAIMED and i.attempts == 1 for i in first + second)
    assert store.inbox.claim("w3") == []


def test_complete_is_fenced_by_the_claiming_worker(store: Store) -> None:
    store.inbox.put("mambu", "e-1", b"{}")
    (item,) = store.inbox.claim("w1")
    assert not store.inbox.complete(item.id, "w2")
    assert store.inbox.complete(item.id, "w1")
    assert not store.inbox.complete(item.id, "w1")  # done already
    assert store.inbox.depth()[InboxStatus.DONE] == 1


def test_complete_many_completes_only_the_items_the_worker_still_holds(store: Store) -> None:
    for n in range(4):
        store.inbox.put("mambu", f"e-{n}", b"{}")
    mine = store.inbox.claim("w1", limit=3, lease=timedelta(seconds=30))
    (other,) = store.inbox.claim("w2", limit=3)
    assert store.inbox.complete(mine[2].id, "w1")  # done already
    ids = [i.id for i in mine]
    assert store.inbox.complete_many([*ids, other.id], "w1") == {ids[0], ids[1]}
    assert store.inbox.complete_many([], "w1") == set()
    c = inbox.c
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(c.event_id, c.status, c.claimed_by, c.lease_until).order_by(c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("e-0", "done", "w1", None),
        ("e-1", "done", "w1", None),
        ("e-2", "done", "w1", None),
        ("e-3", "claimed", "w2", rows[3].lease_until),
    ]
    assert rows[3].lease_until is not None


def test_an_expired_lease_is_claimed_again_and_the_old_owner_is_fenced_out(
    store: Store, clock: Clock
) -> None:
    store.inbox.put("mambu", "e-1", b"{}")
    (item,) = store.inbox.claim("w1", lease=timedelta(seconds=30))
    clock.advance(seconds=29)
    assert store.inbox.claim("w2") == []
    clock.advance(seconds=2)
    (again,) = store.inbox.claim("w2")
    assert (again.id, again.attempts) == (item.id, 2)
    assert not store.inbox.complete(item.id, "w1")
    assert store.inbox.complete(item.id, "w2")


def test_a_failure_retries_after_the_delay_then_goes_dead(store: Store, clock: Clock) -> None:
    store.inbox.put("mambu", "e-1", b"{}")
    (item,) = store.inbox.claim("w1")
    assert store.inbox.fail(item, "w1", "core said 503", max_attempts=2) is InboxStatus.FAILED
    assert store.inbox.claim("w1") == []
    clock.advance(seconds=5)
    (item,) = store.inbox.claim("w1")
    assert item.attempts == 2
    assert store.inbox.fail(item, "w1", "core said 503", max_attempts=2) is InboxStatus.DEAD
    clock.advance(days=1)
    assert store.inbox.claim("w1") == []
    (dead,) = store.inbox.items(InboxStatus.DEAD)
    assert (dead.event_id, dead.last_error) == ("e-1", "core said 503")


def test_a_rejected_event_is_kept_for_inspection_and_never_claimed(store: Store) -> None:
    assert store.inbox.reject("mambu", "e-9", b"{not json", {"x": "y"}, "body is not JSON")
    assert store.inbox.claim("w1") == []
    (kept,) = store.inbox.items(InboxStatus.REJECTED)
    assert (kept.body, kept.headers, kept.last_error) == (
        b"{not json",
        {"x": "y"},
        "body is not JSON",
    )


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="timezone-aware"):
        store.inbox.put("mambu", "e-1", b"{}", received_at=datetime(2026, 1, 1))


def test_concurrent_workers_share_the_items_without_overlap(store_url: str) -> None:
    store = Store.open(store_url)
    try:
        for n in range(60):
            store.inbox.put("mambu", f"e-{n}", b"{}")

        def drain(worker: str) -> list[str]:
            taken: list[str] = []
            while batch := store.inbox.claim(worker, limit=4):
                for item in batch:
                    assert store.inbox.complete(item.id, worker)
                    taken.append(item.event_id)
            return taken

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(drain, ["w1", "w2", "w3", "w4"]))
        every = [e for taken in results for e in taken]
        assert sorted(every) == sorted(f"e-{n}" for n in range(60))
        assert store.inbox.depth()[InboxStatus.DONE] == 60
    finally:
        store.close()
