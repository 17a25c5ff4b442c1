"""Binary-mode CloudEvents (HTTP ``ce-*`` headers, AMQP ``cloudEvents_*`` properties) parse
exactly like structured mode, including what the official ``cloudevents`` SDK produces."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from _temenos_support import MALFORMED
from cloudevents.core.bindings import amqp as ce_amqp
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.v1.event import CloudEvent
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos.outbound import (
    account_created,
    binary_amqp,
    binary_http,
    customer_updated,
    posting_events,
)
from xsell_connect_temenos.events import parse_cloudevents, parse_message, parse_webhook

from xsell_connect.errors import MalformedEventError
from xsell_connect.models import CanonicalEvent

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _events() -> list[dict[str, Any]]:
    """A transaction event, its journal event, an account opening and a customer update."""
    bank = SyntheticBank(BankConfig(seed=5, customers=3))
    account = bank.accounts_of(0)[0]
    posting = next(p for p in bank.postings(account) if p.direction == "DBIT")
    opened = account_created(account, bank.customer(0), "Current Account")
    return [*posting_events(posting, account, bank.customer(0)), opened,
            customer_updated(bank.customer(0).number, 4, NOW)]  # fmt: skip


def _structured(event: dict[str, Any]) -> list[CanonicalEvent]:
    return parse_cloudevents(json.dumps(event).encode(), now=lambda: NOW)


def _sdk_event(event: dict[str, Any]) -> CloudEvent:
    attributes = {k: v for k, v in event.items() if k != "data"}
    attributes["time"] = datetime.fromisoformat(attributes["time"])
    return CloudEvent(attributes, event["data"])


def _webhook(headers: dict[str, str], body: bytes) -> list[CanonicalEvent]:
    return parse_webhook(headers, body, now=lambda: NOW)


def _message(properties: dict[str, Any], body: bytes) -> list[CanonicalEvent]:
    return parse_message(properties, body, now=lambda: NOW)


@pytest.mark.parametrize("index", range(4))
def test_a_binary_http_request_from_the_cloudevents_sdk_parses_like_structured_mode(
    index: int,
) -> None:
    event = _events()[index]
    message = ce_http.to_binary_event(_sdk_event(event))
    assert message.headers["ce-type"] == event["type"]
    assert "ce-data" not in message.headers
    parsed = _webhook(message.headers, message.body)
    assert parsed == _structured(event)
    assert parsed


def test_a_structured_http_request_from_the_sdk_still_parses() -> None:
    event = _events()[0]
    message = ce_http.to_structured_event(_sdk_event(event))
    assert message.headers["content-type"].startswith("application/cloudevents+json")
    assert _webhook(message.headers, message.body) == _structured(event)


def test_header_names_are_case_insensitive_and_values_percent_decoded() -> None:
    event = _events()[0] | {"source": 'urn:bank:Agence Château "Nord" 100%'}
    headers, body = binary_http(event)
    assert headers["ce-source"] == "urn:bank:Agence%20Ch%C3%A2teau%20%22Nord%22%20100%25"
    shouted = {name.upper(): value for name, value in headers.items()}
    [parsed] = _webhook(shouted, body)
    assert parsed.source == event["source"]
    assert [parsed] == _structured(event)


@pytest.mark.parametrize("index", range(4))
def test_a_binary_amqp_message_from_the_cloudevents_sdk_parses_like_structured_mode(
    index: int,
) -> None:
    event = _events()[index]
    message = ce_amqp.to_binary_event(_sdk_event(event))
    assert isinstance(message.application_properties["cloudEvents_time"], int)  # epoch ms
    properties = {**message.properties, "application_properties": message.application_properties}
    assert _message(properties, message.application_data) == _structured(event)


def test_a_rabbitmq_binding_message_from_the_sdk_parses_like_structured_mode() -> None:
    event = _events()[1]
    message = ce_rabbitmq.to_binary_event(_sdk_event(event))
    properties = {"content_type": message.content_type, "headers": message.headers}
    assert _message(properties, message.body) == _structured(event)


def test_the_colon_separator_and_a_native_pika_timestamp_are_read() -> None:
    event = _events()[0]
    headers, content_type, body = binary_amqp(event)
    colon = {name.replace("_", ":", 1): value for name, value in headers.items()}
    colon["cloudEvents:time"] = datetime(2025, 11, 1, 17, 20, 43)  # pika: naive, in UTC
    [parsed] = _message({"content_type": content_type, "headers": colon}, body)
    assert parsed.time == datetime(2025, 11, 1, 17, 20, 43, tzinfo=UTC)
    assert parsed.id == _structured(event)[0].id


def test_a_message_mixing_the_two_separators_is_refused() -> None:
    headers, content_type, body = binary_amqp(_events()[0])
    headers["cloudEvents:subject"] = headers.pop("cloudEvents_subject")
    with pytest.raises(MalformedEventError) as caught:
        _message({"content_type": content_type, "headers": headers}, body)
    assert (caught.value.attribute, caught.value.raw) == ("subject", body)


def test_a_structured_content_type_wins_over_attribute_properties() -> None:
    event = _events()[0]
    headers, _, _ = binary_amqp(event)
    body = json.dumps(event).encode()
    properties = {"content_type": "application/cloudevents+json", "headers": headers}
    assert _message(properties, body) == _structured(event)


@pytest.mark.parametrize("binding", ["http", "amqp"])
@pytest.mark.parametrize(("change", "attribute"), MALFORMED)
def test_a_malformed_binary_event_names_the_attribute_as_structured_mode_does(
    binding: str, change: Any, attribute: str
) -> None:
    event = _events()[0]
    change(event)
    if binding == "http":
        headers, body = binary_http(event)
        call = lambda: _webhook(headers, body)  # noqa: E731
    else:
        table, content_type, body = binary_amqp(event)
        call = lambda: _message({"content_type": content_type, "headers": table}, body)  # noqa: E731
    with pytest.raises(MalformedEventError) as caught:
        call()
    assert (caught.value.attribute, caught.value.raw) == (attribute, body)


@pytest.mark.parametrize(
    ("content_type", "body", "attribute"),
    [
        ("application/json", b"<entry/>", "data"),
        ("application/json", b"", "data"),
        ("application/xml", b"<entry/>", "datacontenttype"),
    ],
)
def test_binary_data_that_is_not_a_json_object_is_refused(
    content_type: str, body: bytes, attribute: str
) -> None:
    headers, _ = binary_http(_events()[0])
    headers["content-type"] = content_type
    with pytest.raises(MalformedEventError) as caught:
        _webhook(headers, body)
    assert (caught.value.attribute, caught.value.raw) == (attribute, body)


def test_a_header_that_is_not_percent_encoded_utf8_is_refused() -> None:
    headers, body = binary_http(_events()[0])
    headers["ce-source"] = "urn:bank:%C3"
    with pytest.raises(MalformedEventError) as caught:
        _webhook(headers, body)
    assert caught.value.attribute == "source"
