"""``Ingestor.accept_many``: ``accept``'s outcomes, in order, for a batch with one commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from listener_helpers import event_body, make_settings

from xsell_connect.listener.ingest import TRANSPORT_HEADER, Delivery, Ingestor, Outcome
from xsell_connect.store import InboxStatus, Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


def test_a_batch_gets_the_outcomes_accept_would_give_each_delivery(store: Store) -> None:
    source = make_settings("sqlite://").source("bank")
    assert source is not None
    store.inbox.put("bank", "seen-before", b"{}")
    deliveries = [
        Delivery({"content-type": "application/json"}, event_body("k1"), "m1"),
        Delivery({}, event_body("k2"), "seen-before"),
        Delivery({}, b"not json", "bad-1"),
        Delivery({}, b"[]", "keep-alive"),
        Delivery({}, event_body("k1"), "m1"),
        Delivery({}, b"not json", "bad-1"),
    ]
    accepted = Ingestor(store.inbox).accept_many(source, "amqp", deliveries)
    assert [a.outcome for a in accepted] == [
        Outcome.STORED,
        Outcome.DUPLICATE,
        Outcome.REJECTED,
        Outcome.EMPTY,
        Outcome.DUPLICATE,
        Outcome.REJECTED,
    ]
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
