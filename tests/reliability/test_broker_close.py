"""The broker closes the consumer's connection in the middle of 5,000 messages.

The oracle of RabbitMQ's own Jepsen tests: publish with confirms, inject the fault, drain,
then count lost messages (must be 0) and duplicates (allowed, absorbed by the inbox).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pika
import pytest

from xsell_connect.listener.amqp import Consumer, declare_topology
from xsell_connect.listener.ingest import Accepted, Ingestor, Outcome
from xsell_connect.listener.settings import AmqpSettings, SourceSettings
from xsell_connect.store import InboxStatus, Store

pytestmark = pytest.mark.services

MESSAGES = 5000
RABBITMQCTL = shutil.which("rabbitmqctl")


class CountingIngestor(Ingestor):
    def __init__(self, store: Store) -> None:
        super().__init__(store.inbox)
        self.outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def accept(self, *args: Any, **kwargs: Any) -> Accepted:
        accepted = super().accept(*args, **kwargs)
        self.outcomes[accepted.outcome] += 1
        return accepted

    def accept_many(self, *args: Any, **kwargs: Any) -> list[Accepted]:
        batch = super().accept_many(*args, **kwargs)
        for accepted in batch:
            self.outcomes[accepted.outcome] += 1
        return batch


def close_connections(name: str) -> int:
    assert RABBITMQCTL is not None
    """Close, from the broker's side, the connections whose connection_name is ``name``."""
    listing = subprocess.run(
        [RABBITMQCTL, "-q", "--no-table-headers", "list_connections", "pid", "client_properties"],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    closed = 0
    for line in listing.stdout.splitlines():
        pid, _, properties = line.partition("\t")
        if f'{{"connection_name","{name}"}}' in properties:
            subprocess.run(
                [RABBITMQCTL, "close_connection", pid, "reliability test"],
                check=True,
                capture_output=True,
                timeout=60,
            )
            closed += 1
    return closed


@pytest.fixture
def amqp(rabbitmq: str) -> Iterator[AmqpSettings]:
    name = f"listener-test-{uuid.uuid4().hex[:10]}"
    yield AmqpSettings(
        url=rabbitmq,  # type: ignore[arg-type]
        source="bank",
        queue=name,
        dead_letter_exchange=f"{name}.dlx",
        prefetch=200,
        connection_name=name,
    )
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    channel = connection.channel()
    for queue in (name, f"{name}.dead"):
        channel.queue_delete(queue)
    channel.exchange_delete(f"{name}.dlx")
    connection.close()


def test_no_message_is_lost_when_the_broker_closes_the_connection(
    rabbitmq: str, amqp: AmqpSettings, tmp_path: Path
) -> None:
    if RABBITMQCTL is None:
        pytest.skip("rabbitmqctl is not installed here: cannot close a connection broker-side")
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    channel = connection.channel()
    declare_topology(channel, amqp)
    channel.confirm_delivery()
    for n in range(MESSAGES):
        body = json.dumps(
            {
                "specversion": "1.0",
                "id": f"evt-{n}",
                "source": "https://core.bank.example",
                "type": "xsell.party.activity",
                "time": "2026-11-21T09:00:00Z",
                "platform": "bank",
                "data": {},
            }
        ).encode()
        channel.basic_publish("", amqp.queue, body, pika.BasicProperties(delivery_mode=2))
    connection.close()

    store = Store.open(f"sqlite:///{tmp_path / 'broker.db'}")
    ingestor = CountingIngestor(store)
    source = SourceSettings(name="bank", verification="none", allow_ips=["127.0.0.1/32"])  # type: ignore[arg-type, list-item]
    consumer = Consumer(amqp, source, ingestor)
    consumer.start()
    try:
        deadline = time.monotonic() + 60
        while sum(ingestor.outcomes.values()) < MESSAGES // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert close_connections(amqp.connection_name) == 1
        deadline = time.monotonic() + 120
        while store.inbox.depth()[InboxStatus.PENDING] < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.1)
        assert consumer.connected.wait(30)
    finally:
        consumer.stop()
    assert consumer.reconnects >= 1
    assert store.inbox.depth()[InboxStatus.PENDING] == MESSAGES  # none lost, each stored once
    assert ingestor.outcomes[Outcome.STORED] == MESSAGES
    check = pika.BlockingConnection(pika.URLParameters(rabbitmq))
    left = check.channel().queue_declare(amqp.queue, passive=True).method.message_count
    check.close()
    assert left == 0
    store.close()
