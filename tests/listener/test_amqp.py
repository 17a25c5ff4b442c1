"""The AMQP consumer against the real broker: ack after commit, dead letters, stop, republish."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest
from listener_helpers import event_body, make_settings, scratch_queue, wait_for

from xsell_connect.listener.amqp import REASON_HEADER, Consumer, Republisher, declare_topology
from xsell_connect.listener.ingest import Ingestor
from xsell_connect.listener.settings import AmqpSettings
from xsell_connect.models import CanonicalEvent
from xsell_connect.store import InboxStatus, Store

pytestmark = pytest.mark.services


@pytest.fixture
def amqp(rabbitmq: str) -> Iterator[AmqpSettings]:
    with scratch_queue(rabbitmq, "listener-test", prefetch=50, max_attempts=3) as settings:
        yield settings


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'amqp.db'}")
    yield opened
    opened.close()


def publish(url: str, settings: AmqpSettings, bodies: list[bytes], **props: Any) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    declare_topology(channel, settings)
    channel.confirm_delivery()
    for body in bodies:
        channel.basic_publish(
            "", settings.queue, body, pika.BasicProperties(delivery_mode=2, **props)
        )
    connection.close()


def queue_depth(url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    depth = connection.channel().queue_declare(queue, passive=True).method.message_count
    connection.close()
    return int(depth)


def consumer(settings: AmqpSettings, ingestor: Ingestor) -> Consumer:
    source = make_settings("sqlite://").source("bank")
    assert source is not None
    return Consumer(settings, source, ingestor)


def test_topology_is_declared_idempotently(rabbitmq: str, amqp: AmqpSettings) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    channel = connection.channel()
    declare_topology(channel, amqp)
    declare_topology(channel, amqp)
    assert channel.is_open
    connection.close()


def test_messages_are_acked_after_the_inbox_commit(
    rabbitmq: str, amqp: AmqpSettings, store: Store
) -> None:
    publish(rabbitmq, amqp, [event_body(f"k{n}") for n in range(20)])
    publish(rabbitmq, amqp, [event_body("k0")])  # a duplicate, acked and stored once
    running = consumer(amqp, Ingestor(store.inbox))
    running.start()
    try:
        assert wait_for(lambda: store.inbox.depth()[InboxStatus.PENDING] == 20)
        assert wait_for(lambda: queue_depth(rabbitmq, amqp.queue) == 0)
    finally:
        running.stop()
    item = store.inbox.items(InboxStatus.PENDING, limit=1)[0]
    assert item.headers["xsell-transport"] == "amqp"


def test_a_malformed_message_is_dead_lettered_with_its_reason_and_kept(
    rabbitmq: str, amqp: AmqpSettings, store: Store
) -> None:
    publish(rabbitmq, amqp, [b"not json"], message_id="bad-1")
    running = consumer(amqp, Ingestor(store.inbox))
    running.start()
    try:
        assert wait_for(lambda: queue_depth(rabbitmq, f"{amqp.queue}.dead") == 1)
    finally:
        running.stop()
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    _method, properties, body = connection.channel().basic_get(f"{amqp.queue}.dead", auto_ack=True)
    connection.close()
    assert body == b"not json"
    assert properties.headers[REASON_HEADER] == "malformed: body is not valid JSON"
    assert [i.event_id for i in store.inbox.items(InboxStatus.REJECTED)] == ["bad-1"]


class BrokenIngestor(Ingestor):
    def __init__(self) -> None:
        self.calls = 0

    def accept(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise OSError("the store is down")


def test_a_message_that_cannot_be_stored_is_dead_lettered_after_max_attempts(
    rabbitmq: str, amqp: AmqpSettings
) -> None:
    publish(rabbitmq, amqp, [event_body("k1")])
    broken = BrokenIngestor()
    running = consumer(amqp, broken)
    running.start()
    try:
        assert wait_for(lambda: queue_depth(rabbitmq, f"{amqp.queue}.dead") == 1)
    finally:
        running.stop()
    assert broken.calls == amqp.max_attempts
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    _method, properties, _body = connection.channel().basic_get(f"{amqp.queue}.dead", auto_ack=True)
    connection.close()
    assert properties.headers[REASON_HEADER] == "not stored: OSError"
    assert properties.headers["x-xsell-attempts"] == amqp.max_attempts


def test_stop_leaves_unhandled_messages_in_the_queue(
    rabbitmq: str, amqp: AmqpSettings, store: Store
) -> None:
    running = consumer(amqp, Ingestor(store.inbox))
    running.start()
    assert running.connected.wait(20)
    running.stop()
    publish(rabbitmq, amqp, [event_body("after-stop")])
    assert queue_depth(rabbitmq, amqp.queue) == 1
    assert store.inbox.depth()[InboxStatus.PENDING] == 0


async def test_republished_events_reach_a_bound_queue_confirmed(rabbitmq: str) -> None:
    name = f"listener-test-{uuid.uuid4().hex[:10]}"
    republisher = Republisher(rabbitmq, name)
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    channel = connection.channel()
    channel.exchange_declare(name, "topic", durable=True)
    channel.queue_declare(name, exclusive=True)
    channel.queue_bind(name, name, routing_key="xsell.party.#")
    try:
        event = CanonicalEvent.model_validate_json(event_body("r1"))
        await republisher.publish([event])
        _method, properties, body = channel.basic_get(name, auto_ack=True)
        assert body is not None
        assert CanonicalEvent.model_validate_json(body) == event
        assert properties.message_id == event.id
    finally:
        republisher.close()
        channel.exchange_delete(name)
        connection.close()
