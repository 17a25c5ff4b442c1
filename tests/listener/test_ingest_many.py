"""``Ingestor.accept_many``: ``accept``'s outcomes, in order, for a batch with one commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from listener_helpers import event_body, make_settings

from xsell_connect.listener.ingest import TRANSPORT_HEADER, Claim, Delivery, Ingestor, Outcome
from xsell_connect.store import InboxStatus, Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


#: A new event, one stored before, a malformed one, a keep-alive, and repeats.
MIXED = [
    Delivery({"content-type": "application/json"}, event_body("k1"), "m1"),
    Delivery({}, event_body("k2"), "seen-before"),
    Delivery({}, b"not json", "bad-1"),
    Delivery({}, b"[]", "keep-alive"),
    Delivery({}, event_body("k1"), "m1"),
    Delivery({}, b"not json", "bad-1"),
]
MIXED_OUTCOMES = [
    Outcome.STORED,
    Outcome.DUPLICATE,
    Outcome.REJECTED,
    Outcome.EMPTY,
    Outcome.DUPLICATE,
    Outcome.REJECTED,
]


def test_a_batch_gets_the_outcomes_accept_would_give_each_delivery(store: Store) -> None:
    source = make_settings("sqlite://").source("bank")
    assert source is not None
    store.inbox.put("bank", "seen-before", b"{}")
    accepted = Ingestor(store.inbox).accept_many(source, "amqp", MIXED)
    assert [a.outcome for a in accepted] == MIXED_OUTCOMES
    assert [a.inbox_id for a in accepted] == [
        "m1",
        "seen-before",
        "bad-1",
        "keep-alive",
        "m1",
        "bad-1",
    ]
    assert accepted[2].reason == "body is not valid JSON"
    assert store.inbox.depth()[InboxStatus.PENDING] == 2
    assert [i.event_id for i in store.inbox.items(InboxStatus.REJECTED)] == ["bad-1"]
    stored = store.inbox.get("bank", "m1")
    assert stored is not None
    assert stored.headers == {"content-type": "application/json", TRANSPORT_HEADER: "amqp"}


def test_an_empty_batch_commits_nothing(store: Store) -> None:
    source = make_settings("sqlite://").source("bank")
    assert source is not None
    assert Ingestor(store.inbox).accept_many(source, "amqp", []) == []
    assert sum(store.inbox.depth().values()) == 0


def test_with_a_claim_only_the_new_events_carry_their_claimed_item(store: Store) -> None:
    source = make_settings("sqlite://").source("bank")
    assert source is not None
    store.inbox.put("bank", "seen-before", b"{}")
    claim = Claim("w1", timedelta(seconds=60))
    accepted = Ingestor(store.inbox).accept_many(source, "amqp", MIXED, claim=claim)
    assert [a.outcome for a in accepted] == MIXED_OUTCOMES
    stored = store.inbox.get("bank", "m1")
    assert [a.claimed for a in accepted] == [stored, None, None, None, None, None]
    assert stored is not None
    assert (stored.status, stored.attempts) == (InboxStatus.CLAIMED, 1)
