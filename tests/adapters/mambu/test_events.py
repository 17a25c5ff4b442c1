"""Webhooks and Streaming API batches → canonical events; malformed input refused."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from xsell_connect_mambu.events import parse_message, parse_webhook

from xsell_connect.errors import MalformedEventError
from xsell_connect.models import CanonicalEvent, EventType, event_id

NOW = datetime(2024, 10, 25, 8, 15, 5, tzinfo=UTC)
EID = "4b0e6c1a-93f2-4c6d-8d7e-2f1a0c9b5e31"
HEADERS = {
    "Content-Type": "application/json",
    "X-Xsell-Webhook-Secret": "s3cret",
    "X-Notifications-Idempotency-Key": EID,
}
TEMPLATE = {
    "source": "mambu",
    "event": "SAVINGS_DEPOSIT",
    "accountId": "DXQK512",
    "clientId": "417023981",
    "nba": "OFFER_SAVINGS_PLUS",
}


def body(**changes: Any) -> bytes:
    values = {**TEMPLATE, **changes}
    return json.dumps({k: v for k, v in values.items() if v is not ...}).encode()


def webhook(headers: dict[str, str], raw: bytes) -> list[CanonicalEvent]:
    return parse_webhook(headers, raw, now=lambda: NOW)


def batch(*events: dict[str, Any]) -> bytes:
    cursor = {
        "partition": "shardId-000000000000",
        "offset": "49590338271490256608559692538361571095921575989136588898",
        "event_type": "MIXED",
        "cursor_token": "7f1c7a52-6d0e-4a3e-9f5b-0b9c2e7d1a44",
    }
    return json.dumps({"cursor": cursor, "events": list(events)}).encode()


def stream_event(eid: str = EID, text: Any = None, **metadata: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "eid": eid,
            "occurred_at": "2024-10-25T08:15:03.599Z",
            "content_type": "application/json; charset=UTF-8",
            "category": "DATA",
            "event_type": "mrn.event.acme.streamingapi.savings_deposit",
            **metadata,
        },
        "template_name": "savings_deposit",
        "body": body().decode() if text is None else text,
    }


# -- webhooks -----------------------------------------------------------------------------


def test_account_webhook_becomes_an_account_activity_event() -> None:
    (event,) = webhook(HEADERS, body())

    assert event == CanonicalEvent(
        id=event_id("mambu", EventType.ACCOUNT_ACTIVITY, f"eid:{EID}"),
        source="mambu",
        type="xsell.account.activity",
        time=NOW,
        subject="417023981",
        platform="mambu",
        partitionkey="417023981",
        data={
            "nba": "OFFER_SAVINGS_PLUS",
            "account_id": "DXQK512",
            "party_id": "417023981",
            "source_event": "SAVINGS_DEPOSIT",
        },
    )


def test_client_webhook_becomes_a_party_activity_event() -> None:
    (event,) = webhook(HEADERS, body(event="CLIENT_ACTIVITY", accountId=""))

    assert event.type == EventType.PARTY_ACTIVITY
    assert event.subject == "417023981"
    assert event.data["account_id"] is None


def test_redelivered_webhook_keeps_its_event_id() -> None:
    first = webhook(HEADERS, body())
    again = parse_webhook(HEADERS, body(nba=""), now=lambda: datetime.now(UTC))

    assert [e.id for e in first] == [e.id for e in again]


def test_without_idempotency_header_the_id_is_a_digest_of_the_body() -> None:
    headers = {"Content-Type": "application/json"}
    raw = body()

    (event,) = webhook(headers, raw)
    (other,) = webhook(headers, body(accountId="DXQK999"))

    digest = hashlib.sha256(raw).hexdigest()
    assert event.id == event_id("mambu", EventType.ACCOUNT_ACTIVITY, f"body:{digest}")
    assert other.id != event.id


def test_empty_and_unrendered_placeholders_are_no_ids() -> None:
    (event,) = webhook(HEADERS, body(clientId="{CLIENT_ID}"))

    assert event.subject is None
    assert event.data["party_id"] is None


def test_webhook_and_stream_of_one_fact_share_the_event_id() -> None:
    (pushed,) = webhook(HEADERS, body())
    (streamed,) = parse_message({}, batch(stream_event()))

    assert pushed.id == streamed.id


# -- streaming ----------------------------------------------------------------------------


def test_stream_batch_with_a_string_body_becomes_events() -> None:
    events = parse_message(
        {"X-Mambu-StreamId": "9a1f"}, batch(stream_event(), stream_event(eid="e-2"))
    )

    assert [e.type for e in events] == [EventType.ACCOUNT_ACTIVITY] * 2
    assert events[0].time == datetime(2024, 10, 25, 8, 15, 3, 599000, tzinfo=UTC)
    assert events[0].data["account_id"] == "DXQK512"
    assert events[1].id == event_id("mambu", EventType.ACCOUNT_ACTIVITY, "eid:e-2")


def test_stream_event_name_falls_back_to_the_template_name() -> None:
    inner = json.dumps({"accountId": "DXQK512", "amount": "1200"})

    (event,) = parse_message({}, batch(stream_event(text=inner)))

    assert event.data == {
        "amount": "1200",
        "account_id": "DXQK512",
        "party_id": None,
        "source_event": "SAVINGS_DEPOSIT",
    }


def test_keep_alive_batch_gives_no_events() -> None:
    keep_alive = {"cursor": {"partition": "0", "offset": "1", "event_type": "MIXED"}}

    assert parse_message({}, json.dumps(keep_alive).encode()) == []
    assert parse_message({}, json.dumps({**keep_alive, "events": []}).encode()) == []


# -- malformed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "attribute"),
    [
        (b"{not json", "body"),
        (b"", "body"),
        (b"\xff\xfe{}", "body"),
        (b"[]", "body"),
        (b'"a string"', "body"),
        (body(event=...), "event"),
        (body(event=""), "event"),
        (body(source="temenos"), "source"),
        (body(accountId=...), "accountId"),
        (body(accountId=["DXQK512"]), "accountId"),
        (body(event="CLIENT_APPROVED", clientId=""), "clientId"),
    ],
)
def test_malformed_webhook_names_the_attribute(raw: bytes, attribute: str) -> None:
    with pytest.raises(MalformedEventError) as caught:
        webhook(HEADERS, raw)

    assert caught.value.attribute == attribute
    assert caught.value.raw == raw


@pytest.mark.parametrize(
    ("raw", "attribute"),
    [
        (b"{not json", "body"),
        (b"[]", "body"),
        (json.dumps({"events": {"metadata": {}}}).encode(), "events"),
        (batch("event"), "events[0]"),  # type: ignore[arg-type]
        (batch({"body": "{}"}), "events[0].metadata"),
        (batch(stream_event(eid="")), "events[0].metadata.eid"),
        (batch(stream_event(occurred_at="yesterday")), "events[0].metadata.occurred_at"),
        (batch(stream_event(text={"accountId": "DXQK512"})), "events[0].body"),
        (batch(stream_event(text="{not json")), "events[0].body"),
        (batch(stream_event(), stream_event(text="[1]")), "events[1].body"),
        (batch(stream_event(text=json.dumps({"event": "CLIENT_X"}))), "events[0].body.clientId"),
    ],
)
def test_malformed_stream_line_names_the_attribute(raw: bytes, attribute: str) -> None:
    with pytest.raises(MalformedEventError) as caught:
        parse_message({}, raw)

    assert caught.value.attribute == attribute
    assert caught.value.raw == raw
