"""The AMQP consumer commits a round of deliveries in one transaction, then acks it.

Against the real broker and the inbox on PostgreSQL (the production path): every message
committed once and acked, duplicates absorbed, a malformed message still dead-lettered
unchanged, and a row the store refuses does not sink the rest of its batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pika
import pytest
from listener_helpers import event_body, make_settings, scratch_queue, wait_for

from xsell_connect.listener.amqp import REASON_HEADER, Consumer, declare_topology
from xsell_connect.listener.ingest import Accepted, Claim, Delivery, Ingestor, Outcome
from xsell_connect.listener.settings import AmqpSettings, SourceSettings
from xsell_connect.listener.worker import Handoff
from xsell_connect.store import InboxStatus, Store

pytestmark = pytest.mark.services


@pytest.fixture
def amqp(rabbitmq: str) -> Iterator[AmqpSettings]:
    with scratch_queue(
        rabbitmq, "amqp-batch-test", prefetch=50, batch=20, max_attempts=2
    ) as settings:
        yield settings


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    opened = Store.open(postgres_url)
    yield opened
    opened.close()


@pytest.fixture
def source() -> SourceSettings:
    found = make_settings("sqlite://").source("bank")
    assert found is not None
    return found


class RecordingIngestor(Ingestor):
    """The real ingestor, noting the size of each batch and every outcome."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.inbox)
        self.batches: list[int] = []
        self.outcomes: list[Outcome] = []

    def accept_many(
        self,
        source: SourceSettings,
        transport: str,
        deliveries: Sequence[Delivery],
        *,
        claim: Claim | None = None,
    ) -> list[Accepted]:
        self.batches.append(len(deliveries))
        accepted = super().accept_many(source, transport, deliveries, claim=claim)
        self.outcomes += [a.outcome for a in accepted]
        return accepted

    def accept(self, *args: Any, **kwargs: Any) -> Accepted:
        accepted = super().accept(*args, **kwargs)
        self.outcomes.append(accepted.outcome)
        return accepted


def publish(url: str, settings: AmqpSettings, bodies: Sequence[tuple[str | None, bytes]]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    declare_topology(channel, settings)
    channel.confirm_delivery()
    for message_id, body in bodies:
        properties = pika.BasicProperties(delivery_mode=2, message_id=message_id)
        channel.basic_publish("", settings.queue, body, properties)
    connection.close()


def depth(url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    count = connection.channel().queue_declare(queue, passive=True).method.message_count
    connection.close()
    return int(count)


def drain(consumer: Consumer, until: Any) -> None:
    consumer.start()
    try:
        assert wait_for(until, 60)
    finally:
        consumer.stop()


def test_every_message_is_committed_once_and_acked_in_batches(
    rabbitmq: str, amqp: AmqpSettings, store: Store, source: SourceSettings
) -> None:
    publish(rabbitmq, amqp, [(f"m{n}", event_body(f"k{n}")) for n in range(200)])
    ingestor = RecordingIngestor(store)
    drain(Consumer(amqp, source, ingestor), lambda: len(ingestor.outcomes) == 200)
    assert store.inbox.depth()[InboxStatus.PENDING] == 200
    assert ingestor.outcomes == [Outcome.STORED] * 200
    assert sum(ingestor.batches) == 200
    assert max(ingestor.batches) <= amqp.batch
    assert depth(rabbitmq, amqp.queue) == 0  # all acked: nothing went back on the stop


def publish_repeated(url: str, settings: AmqpSettings, store: Store) -> RecordingIngestor:
    """Publish m1, m2, then m1 again; the ingestor to record them."""
    body = event_body("k1")
    publish(url, settings, [("m1", body), ("m2", event_body("k2")), ("m1", body)])
    return RecordingIngestor(store)


def test_a_duplicate_in_the_same_batch_is_stored_once_and_both_are_acked(
    rabbitmq: str, amqp: AmqpSettings, store: Store, source: SourceSettings
) -> None:
    ingestor = publish_repeated(rabbitmq, amqp, store)
    drain(Consumer(amqp, source, ingestor), lambda: len(ingestor.outcomes) == 3)
    assert sorted(ingestor.outcomes) == sorted([Outcome.STORED] * 2 + [Outcome.DUPLICATE])
    assert store.inbox.depth()[InboxStatus.PENDING] == 2
    assert depth(rabbitmq, amqp.queue) == 0


def test_with_a_handoff_the_new_messages_are_committed_claimed_and_handed_over(
    rabbitmq: str, amqp: AmqpSettings, store: Store, source: SourceSettings
) -> None:
    ingestor = publish_repeated(rabbitmq, amqp, store)
    consumer = Consumer(amqp, source, ingestor)
    handed: list[str] = []
    consumer.handoff = Handoff(
        lambda: Claim("w1", timedelta(seconds=60)),
        lambda accepted: handed.extend(a.claimed.event_id for a in accepted if a.claimed),
    )
    drain(consumer, lambda: len(ingestor.outcomes) == 3)
    assert sorted(handed) == ["m1", "m2"]
    assert store.inbox.depth()[InboxStatus.CLAIMED] == 2
    assert store.inbox.claim("w2") == []  # held for w1
    assert depth(rabbitmq, amqp.queue) == 0


def test_a_malformed_message_amid_good_ones_is_dead_lettered_unchanged(
    rabbitmq: str, amqp: AmqpSettings, store: Store, source: SourceSettings
) -> None:
    good = [(f"m{n}", event_body(f"k{n}")) for n in range(10)]
    publish(rabbitmq, amqp, [*good[:5], ("bad-1", b"not json"), *good[5:]])
    ingestor = RecordingIngestor(store)
    drain(Consumer(amqp, source, ingestor), lambda: depth(rabbitmq, f"{amqp.queue}.dead") == 1)
    assert store.inbox.depth()[InboxStatus.PENDING] == 10
    assert [i.event_id for i in store.inbox.items(InboxStatus.REJECTED)] == ["bad-1"]
    assert depth(rabbitmq, amqp.queue) == 0
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    _method, properties, body = connection.channel().basic_get(f"{amqp.queue}.dead", auto_ack=True)
    connection.close()
    assert body == b"not json"
    assert properties.message_id == "bad-1"
    assert properties.headers[REASON_HEADER] == "malformed: body is not valid JSON"


def test_a_row_the_store_refuses_does_not_sink_its_batch(
    rabbitmq: str, amqp: AmqpSettings, store: Store, source: SourceSettings
) -> None:
    """An inbox key longer than the column fails the batch's commit: each message is then
    stored on its own, and only the refused one is retried and finally dead-lettered."""
    refused = json.loads(event_body("k-long"))
    refused["id"] = "x" * 300  # the inbox key when there is no message id
    poison = json.dumps(refused).encode()
    good: list[tuple[str | None, bytes]] = [(f"m{n}", event_body(f"k{n}")) for n in range(10)]
    publish(rabbitmq, amqp, [*good[:5], (None, poison), *good[5:]])
    ingestor = RecordingIngestor(store)
    drain(Consumer(amqp, source, ingestor), lambda: depth(rabbitmq, f"{amqp.queue}.dead") == 1)
    assert store.inbox.depth()[InboxStatus.PENDING] == 10
    assert depth(rabbitmq, amqp.queue) == 0
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    _method, properties, body = connection.channel().basic_get(f"{amqp.queue}.dead", auto_ack=True)
    connection.close()
    assert body == poison
    assert properties.headers[REASON_HEADER] == "not stored: DataError"
    assert properties.headers["x-xsell-attempts"] == amqp.max_attempts


class DownIngestor(RecordingIngestor):
    """A store that is down: nothing can be committed."""

    def accept_many(self, *args: Any, **kwargs: Any) -> list[Accepted]:
        self.batches.append(0)
        raise OSError("the store is down")

    def accept(self, *args: Any, **kwargs: Any) -> Accepted:
        raise OSError("the store is down")


def test_nothing_is_acked_while_the_store_is_down(
    rabbitmq: str, amqp: AmqpSettings, store: Store, source: SourceSettings
) -> None:
    settings = amqp.model_copy(update={"max_attempts": 100})
    publish(rabbitmq, settings, [(f"m{n}", event_body(f"k{n}")) for n in range(30)])
    down = DownIngestor(store)
    drain(Consumer(settings, source, down), lambda: len(down.batches) >= 2)
    assert wait_for(lambda: depth(rabbitmq, amqp.queue) == 30)  # all back on the queue
    assert depth(rabbitmq, f"{amqp.queue}.dead") == 0
    assert sum(store.inbox.depth().values()) == 0
