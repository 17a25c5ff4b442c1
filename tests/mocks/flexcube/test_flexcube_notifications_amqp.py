"""Notifications published on a real RabbitMQ queue reach the adapter as canonical events."""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from xsell_connect_flexcube import FlexcubeAdapter, FlexcubeSettings
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube.notify import Notifier, publish

from xsell_connect.models import EventType

pika = pytest.importorskip("pika")
URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


@pytest.fixture
def queue() -> str:
    name = f"flexcube-test-{uuid.uuid4().hex[:12]}"
    try:
        connection = pika.BlockingConnection(pika.URLParameters(URL + "?socket_timeout=5"))
    except pika.exceptions.AMQPConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("RabbitMQ is not reachable on 127.0.0.1:5672 (CI=true)")
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    yield name
    connection.channel().queue_delete(queue=name)
    connection.close()


@pytest.mark.services
def test_posting_notifications_travel_the_queue_unchanged(queue: str) -> None:
    bank = SyntheticBank(BankConfig(seed=5, customers=2))
    account = bank.accounts_of(0)[0]
    posting = next(iter(bank.postings(account)))
    sent = list(Notifier(bank).posting(posting, account))
    assert publish(sent, url=URL, queue=queue, timeout=5) == 2
    connection = pika.BlockingConnection(pika.URLParameters(URL + "?socket_timeout=5"))
    try:
        channel = connection.channel()
        received = []
        for _ in range(2):
            method, properties, body = channel.basic_get(queue=queue, auto_ack=True)
            assert method is not None
            assert properties.content_type == "text/xml"
            received.append(body)
    finally:
        connection.close()
    assert received == sent
    adapter = FlexcubeAdapter.from_settings(
        FlexcubeSettings(gateway_url="http://flexcube.mock"),
        transport=httpx.MockTransport(lambda _: httpx.Response(500)),
    )
    events = [e for body in received for e in adapter.parse_message({}, body)]
    assert [e.type for e in events] == [EventType.LEDGER_ENTRY_POSTED, EventType.BALANCE_CHANGED]
