"""Business events through a real RabbitMQ: the mock publishes, pika consumes, we parse."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pika
import pytest
from _temenos_support import mock_and_adapter

from xsell_connect.errors import MalformedEventError

pytestmark = pytest.mark.services


@pytest.fixture
def topology(rabbitmq_url: str) -> Iterator[tuple[Any, str, str]]:
    name = f"temenos-test-{secrets.token_hex(4)}"
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    channel.exchange_declare(name, exchange_type="topic", durable=True)
    channel.queue_declare(f"{name}-dlq")
    channel.queue_declare(
        name, arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": f"{name}-dlq"}
    )
    channel.queue_bind(name, name, routing_key="#")
    try:
        yield channel, name, rabbitmq_url
    finally:
        channel.queue_delete(name)
        channel.queue_delete(f"{name}-dlq")
        channel.exchange_delete(name)
        connection.close()


def _drain(channel: Any, queue: str, count: int) -> list[tuple[Any, Any, bytes]]:
    got: list[tuple[Any, Any, bytes]] = []
    for method, properties, body in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        got.append((method, properties, body))
        if len(got) == count:
            break
    channel.cancel()
    return got


async def test_events_published_by_the_mock_arrive_and_parse(
    topology: tuple[Any, str, str],
) -> None:
    channel, queue, url = topology
    exchange = queue
    mock, adapter = mock_and_adapter()
    mock.sinks.amqp_url, mock.sinks.exchange = url, exchange
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as control:
        answer = await control.post("/_mock/events/emit", json={"days": 3})
    emitted = answer.json()["emitted"]
    assert emitted == len(mock.sinks.log) > 0
    messages = _drain(channel, queue, emitted)
    assert len(messages) == emitted
    events = []
    for method, properties, body in messages:
        assert properties.content_type == "application/cloudevents+json"
        parsed = adapter.parse_message({"content_type": properties.content_type}, body)
        assert method.routing_key == json.loads(body)["type"]
        events.extend(parsed)
        channel.basic_ack(method.delivery_tag)
    # A transaction event and its journal event share one canonical id: half as many ids.
    assert len({e.id for e in events}) == emitted // 2
    assert {e.type for e in events} == {"xsell.ledger.entry.posted"}
    await adapter.aclose()


async def test_binary_mode_events_arrive_with_cloudevents_properties_and_parse_the_same(
    topology: tuple[Any, str, str],
) -> None:
    channel, queue, url = topology
    mock, adapter = mock_and_adapter()
    mock.sinks.amqp_url, mock.sinks.exchange, mock.sinks.mode = url, queue, "binary"
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as control:
        answer = await control.post("/_mock/events/emit", json={"days": 2})
    emitted = answer.json()["emitted"]
    messages = _drain(channel, queue, emitted)
    assert len(messages) == emitted == len(mock.sinks.log) > 0
    for (method, properties, body), event in zip(messages, mock.sinks.log, strict=True):
        assert properties.content_type == "application/json"
        assert properties.headers["cloudEvents_id"] == event["id"]
        assert json.loads(body) == event["data"]
        parsed = adapter.parse_message(
            {"content_type": properties.content_type, "headers": properties.headers}, body
        )
        assert parsed == adapter.parse_message({}, json.dumps(event).encode())
        channel.basic_ack(method.delivery_tag)
    await adapter.aclose()


async def test_a_malformed_event_is_refused_and_kept_in_the_dead_letter_queue(
    topology: tuple[Any, str, str],
) -> None:
    channel, queue, _ = topology
    exchange = queue
    _, adapter = mock_and_adapter()
    bad = json.dumps(
        {
            "specversion": "1.0",
            "id": "x-1",
            "type": "accounts.credit.transactionExecuted",
            "data": {},
        }
    ).encode()
    channel.basic_publish(exchange, "accounts.credit.transactionExecuted", bad)
    [(method, _props, body)] = _drain(channel, queue, 1)
    with pytest.raises(MalformedEventError) as caught:
        adapter.parse_message({}, body)
    assert (caught.value.attribute, caught.value.raw) == ("source", bad)
    channel.basic_nack(method.delivery_tag, requeue=False)
    [(dead, _props, kept)] = _drain(channel, f"{queue}-dlq", 1)
    assert kept == bad
    channel.basic_ack(dead.delivery_tag)
    assert channel.queue_declare(queue, passive=True).method.message_count == 0
    await adapter.aclose()
