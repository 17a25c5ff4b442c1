"""ESB alert messages → canonical events (project convention, reference §3)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from _finacle_support import BANK, adapter_for, harness
from xsell_connect_mocks.bank import SyntheticBank
from xsell_connect_mocks.finacle.events import alert_for, publish_alerts

from xsell_connect.adapter import PageRequest
from xsell_connect.errors import MalformedEventError
from xsell_connect.models import EventType, LedgerEntry

ALERT = {
    "eventId": "c3a7e2f0-5d41-4b8e-9a61-0f2d7c9b4e18",
    "eventType": "TXN_POSTED",
    "occurredAt": "2024-10-25T18:48:32.000",
    "bankId": "01",
    "solId": "0115",
    "custId": "8011501010000214",
    "acid": "1007710010000223",
    "tranId": "S531564",
    "partTranSrlNum": "6",
    "tranType": "C",
    "amount": "5500.00",
    "currency": "INR",
}


def test_a_posting_alert_becomes_a_ledger_event_with_the_ledger_id() -> None:
    adapter = adapter_for(harness())
    (event,) = adapter.parse_message({}, json.dumps(ALERT).encode())
    entry = LedgerEntry.model_validate(event.data)
    assert event.type == EventType.LEDGER_ENTRY_POSTED
    assert event.subject == "8011501010000214"
    assert entry.id == "1007710010000223:20241025:S531564:6"
    assert (entry.amount, entry.currency) == (Decimal("5500.00"), "INR")


def test_notices_carry_ids_only() -> None:
    adapter = adapter_for(harness())
    body = json.dumps({**ALERT, "eventType": "ACCT_OPENED"}).encode()
    (event,) = adapter.parse_webhook({}, body)
    assert event.type == EventType.ACCOUNT_OPENED
    assert event.data == {
        "eventType": "ACCT_OPENED",
        "custId": "8011501010000214",
        "acid": "1007710010000223",
        "solId": "0115",
        "bankId": "01",
    }


@pytest.mark.parametrize(
    ("change", "attribute"),
    [
        ({"eventType": "SOMETHING"}, "eventType"),
        ({"amount": "12,00"}, "amount"),
        ({"tranType": "X"}, "tranType"),
        ({"eventId": ""}, "eventId"),
    ],
)
def test_bad_alerts_are_refused_naming_the_field(change: dict[str, str], attribute: str) -> None:
    body = json.dumps({**ALERT, **change}).encode()
    with pytest.raises(MalformedEventError) as caught:
        adapter_for(harness()).parse_message({}, body)
    assert caught.value.attribute == attribute
    assert caught.value.raw == body


async def test_the_alert_id_matches_what_the_ledger_read_gives() -> None:
    h = harness()
    bank = SyntheticBank(BANK)
    account = bank.accounts_of(2)[0]
    posting = list(bank.postings(account))[-1]
    (event,) = adapter_for(h).parse_message(
        {}, json.dumps(alert_for(bank, account, posting)).encode()
    )
    async with adapter_for(h) as adapter:
        page = await adapter.list_ledger_entries(
            event.data["account_id"], page=PageRequest(size=500)
        )
    assert event.data["id"] in {e.id for e in page.items}


@pytest.mark.services
def test_alerts_published_on_rabbitmq_parse_into_events(rabbit_queue: tuple[Any, str]) -> None:
    channel, queue = rabbit_queue
    bank = SyntheticBank(BANK)
    account = bank.accounts_of(1)[0]
    alerts = [alert_for(bank, account, p) for p in list(bank.postings(account))[-3:]]
    assert publish_alerts(channel, queue, alerts) == 3
    adapter = adapter_for(harness())
    events = []
    for _ in range(3):
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        assert method is not None, "the broker lost an alert"
        events += adapter.parse_message({"content_type": properties.content_type}, body)
        channel.basic_ack(method.delivery_tag)
    assert [e.id for e in events] == [
        e.id for a in alerts for e in adapter.parse_message({}, json.dumps(a).encode())
    ]
    assert all(e.type == EventType.LEDGER_ENTRY_POSTED for e in events)
