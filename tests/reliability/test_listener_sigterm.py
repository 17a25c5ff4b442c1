"""SIGTERM while the AMQP consumer is busy: the listener stops by itself, every message is
either committed to the inbox and acked or left on the queue, and a restart takes the rest.

Bounded: 10,000 messages, each wait capped; the queue and the database are removed after.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pika
import pytest
from reliability_helpers import free_port, listener

from xsell_connect.listener.amqp import declare_topology
from xsell_connect.listener.settings import AmqpSettings
from xsell_connect.models import CanonicalEvent, EventType
from xsell_connect.store import InboxStatus, Store

pytestmark = pytest.mark.services

MESSAGES = 10_000


@pytest.fixture
def queue(rabbitmq: str) -> Iterator[str]:
    name = f"sigterm-test-{uuid.uuid4().hex[:10]}"
    yield name
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    channel = connection.channel()
    for each in (name, f"{name}.dead"):
        channel.queue_delete(each)
    channel.exchange_delete(f"{name}.dlx")
    connection.close()


def _config(directory: Path, store_url: str, amqp: str, queue: str) -> Path:
    path = directory / "bank.toml"
    path.write_text(
        f"""
store_url = "{store_url}"
[[sources]]
name = "bus"
verification = "none"
allow_ips = ["127.0.0.0/8"]
[amqp]
url = "{amqp}"
source = "bus"
queue = "{queue}"
dead_letter_exchange = "{queue}.dlx"
prefetch = 50
connection_name = "{queue}"
[workers]
count = 1
retry_seconds = 0
lease_seconds = 5
[pipeline]
sink = "xsell_connect.listener.ports:JournalSink"
options = {{ path = "{directory / "journal.jsonl"}" }}
"""
    )
    return path


def _stored(store: Store) -> int:
    return sum(store.inbox.depth().values())


def _waiting(amqp: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp))
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        count: int = declared.method.message_count
        return count
    finally:
        connection.close()


def test_sigterm_mid_stream_loses_nothing_and_a_restart_takes_the_rest(
    postgres_url: str, rabbitmq: str, queue: str, tmp_path: Path
) -> None:
    config = _config(tmp_path, postgres_url, rabbitmq, queue)
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    events = [
        CanonicalEvent.wrap(type=EventType.PARTY_ACTIVITY, platform="mambu",
                            source="urn:xsell-connect:mambu", key=f"sigterm-{n}", time=now,
                            subject=f"P{n:05d}", data={})
        for n in range(MESSAGES)
    ]  # fmt: skip
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    channel = connection.channel()
    settings = AmqpSettings(url=rabbitmq, source="bus", queue=queue,
                            dead_letter_exchange=f"{queue}.dlx")  # fmt: skip
    declare_topology(channel, settings)
    channel.confirm_delivery()
    for event in events:
        props = pika.BasicProperties(delivery_mode=2, message_id=event.id)
        channel.basic_publish("", queue, event.to_json().encode(), props)
    connection.close()

    store = Store.open(postgres_url)
    try:
        with listener(config, free_port(), tmp_path / "first.log") as process:
            deadline = time.monotonic() + 60
            while _stored(store) < 200 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _stored(store) >= 200, "the consumer committed messages before the signal"
            process.send_signal(signal.SIGTERM)
            # uvicorn shuts down gracefully, then re-raises the signal it caught (as an init
            # system expects); the log says the shutdown completed.
            assert process.wait(30) in (0, -signal.SIGTERM)
        log = (tmp_path / "first.log").read_text()
        assert "listener stopped" in log
        assert "Application shutdown complete" in log
        stored, waiting = _stored(store), _waiting(rabbitmq, queue)
        # Graceful: each message was committed and acked, or nacked back to the queue.
        assert stored < MESSAGES, "the signal came mid-stream"
        assert stored + waiting == MESSAGES

        with listener(config, free_port(), tmp_path / "second.log"):
            deadline = time.monotonic() + 120
            while store.inbox.depth()[InboxStatus.DONE] < MESSAGES:
                assert time.monotonic() < deadline, "the restarted listener drained the queue"
                time.sleep(0.2)
        assert store.inbox.depth()[InboxStatus.DONE] == MESSAGES
        assert _stored(store) == MESSAGES
        assert _waiting(rabbitmq, queue) == 0
    finally:
        store.close()
