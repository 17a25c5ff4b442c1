"""Effects queued already claimed: held under the lease, new ones only, on both dialects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from xsell_connect.pipeline.types import EffectKind
from xsell_connect.store import Store
from xsell_connect.store.outbox import Effect, OutboxStatus, OutboxStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EFFECTS = [
    Effect(EffectKind.OFFER, "k:offer", {"n": 1}),
    Effect(EffectKind.NEXT_BEST_ACTION, "k:nba", {"n": 2}),
]


@pytest.fixture
def outbox(store_url: str) -> Iterator[OutboxStore]:
    store = Store.open(store_url)
    yield OutboxStore(store.engine, clock=lambda: T0)
    store.close()


def _queue(outbox: OutboxStore) -> list[tuple[str, str, int, dict[str, int]]]:
    with outbox.begin() as connection:
        items = outbox.enqueue_claimed_in(
            connection, "DEC-1", "salary_credit", EFFECTS,
            worker="w1", lease=timedelta(seconds=60),
        )  # fmt: skip
    return [(i.idempotency_key, i.status.value, i.attempts, i.payload) for i in items]


def test_effects_queued_claimed_are_returned_as_claimed_items(outbox: OutboxStore) -> None:
    assert _queue(outbox) == [
        ("k:offer", "claimed", 1, {"n": 1}),
        ("k:nba", "claimed", 1, {"n": 2}),
    ]
    stored = outbox.items()
    assert [(i.status, i.attempts) for i in stored] == [(OutboxStatus.CLAIMED, 1)] * 2
    assert outbox.claim("w2") == []


def test_queueing_the_same_effects_again_returns_none(outbox: OutboxStore) -> None:
    _queue(outbox)
    assert _queue(outbox) == []
    assert len(outbox.items()) == 2


def test_the_claimer_completes_them_under_its_name(outbox: OutboxStore) -> None:
    _queue(outbox)
    first, second = outbox.items()
    assert outbox.complete(first.id, "w1", {"ok": True}) is True
    assert outbox.complete(second.id, "w2", {"ok": True}) is False  # not its claim
