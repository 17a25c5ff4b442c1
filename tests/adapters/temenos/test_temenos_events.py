"""Transact CloudEvents → canonical events, and malformed ones refused with the raw kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from _temenos_support import MALFORMED
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos.outbound import posting_events
from xsell_connect_temenos import _events_fast as fast
from xsell_connect_temenos import events as events_module
from xsell_connect_temenos.events import parse_cloudevents

from xsell_connect.errors import MalformedEventError
from xsell_connect.models import EventType, LedgerEntry

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _sample() -> list[dict[str, Any]]:
    bank = SyntheticBank(BankConfig(seed=5, customers=3))
    account = bank.accounts_of(0)[0]
    posting = next(p for p in bank.postings(account) if p.direction == "DBIT")
    return posting_events(posting, account, bank.customer(0))


def _parse(event: Any) -> list[Any]:
    return parse_cloudevents(json.dumps(event).encode(), now=lambda: NOW)


def test_a_debit_event_becomes_a_posted_entry_with_a_positive_amount_and_t24_dates() -> None:
    executed = _sample()[0]
    [event] = _parse(executed)
    entry = LedgerEntry.model_validate(event.data)
    data = executed["data"]
    assert event.type == EventType.LEDGER_ENTRY_POSTED
    assert entry.amount == -Decimal(data["transactionAmount"])
    assert entry.credit_debit == "DBIT"
    assert entry.booking_date == datetime.strptime(data["bookingDate"], "%Y%m%d").date()
    assert (entry.id, event.subject) == (data["entryReference"], data["customerId"])


def test_the_transaction_and_its_journal_event_give_one_event_id() -> None:
    executed, journal = _sample()
    assert [e.id for e in _parse(executed)] == [e.id for e in _parse(journal)]


def test_a_batch_gives_one_event_per_item_and_account_created_is_account_opened() -> None:
    opened = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "s",
        "type": "accounts.createAccount.accountCreated",
        "time": "2026-10-02T08:00:00.000Z",
        "data": {"accountId": "76821", "customerId": "100100", "accountOpeningDate": "20261002"},
    }
    events = _parse([_sample()[1], opened])
    assert [e.type for e in events] == [EventType.LEDGER_ENTRY_POSTED, EventType.ACCOUNT_OPENED]
    assert events[1].data["account_id"] == "76821"
    assert events[1].time == datetime(2026, 10, 2, 8, 0, tzinfo=UTC)


def test_a_customer_update_is_party_updated_for_that_customer() -> None:
    update = {
        "specversion": "1.0",
        "id": "u-1",
        "source": "s",
        "type": "party.updateCustomer.customerUpdated",
        "data": {"customerId": "100100"},
    }
    [event] = _parse(update)
    assert (event.type, event.subject, event.time) == (EventType.PARTY_UPDATED, "100100", NOW)


@pytest.mark.parametrize(("change", "attribute"), MALFORMED)
def test_a_malformed_cloudevent_names_the_attribute_and_keeps_the_raw_body(
    change: Any, attribute: str
) -> None:
    event = _sample()[0]
    change(event)
    raw = json.dumps(event).encode()
    with pytest.raises(MalformedEventError) as caught:
        parse_cloudevents(raw, now=lambda: NOW)
    assert caught.value.attribute == attribute
    assert caught.value.raw == raw
    assert attribute.rsplit(".", 1)[-1] in str(caught.value)


def test_a_bad_item_of_a_journal_batch_is_named_by_its_index() -> None:
    journal = _sample()[1]
    journal["data"]["journalEntries"].append(
        {**journal["data"]["journalEntries"][0], "bookingDate": "20261341"}
    )
    with pytest.raises(MalformedEventError) as caught:
        _parse(journal)
    assert caught.value.attribute == "data.journalEntries[1].bookingDate"


def test_an_empty_batch_and_a_batch_item_that_is_not_an_object_are_refused() -> None:
    with pytest.raises(MalformedEventError) as empty:
        parse_cloudevents(b"[]")
    with pytest.raises(MalformedEventError) as scalar:
        parse_cloudevents(b'[{"specversion":"1.0"}, 3]')
    assert (empty.value.attribute, scalar.value.attribute) == ("body", "[0].id")


def test_value_date_falls_back_to_the_booking_date() -> None:
    journal = _sample()[1]
    [event] = _parse(journal)
    entry = LedgerEntry.model_validate(event.data)
    assert entry.value_date == entry.booking_date
    assert isinstance(entry.value_date, date)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: None,
        lambda d: d.update(entryReference=f"  {d['entryReference']} ", currency=" EUR"),
        lambda d: d.update(narratives=[{"narrative": "A"}, {"narrative": ""}, {"narrative": 7}]),
        lambda d: d.update(narratives=[{"narrative": "A"}]),
        lambda d: d.update(transactionAmount="+0.50", valueDate=""),
        lambda d: d.update(customerId=100100, transactionCode=213),  # integers: checked path
    ],
)
def test_the_fast_path_gives_what_the_checked_path_gives(change: Any) -> None:
    for event in _sample():
        data = event["data"]
        change(data["journalEntries"][0] if "journalEntries" in data else data)
        raw = json.dumps(event).encode()
        checked = events_module._one(json.loads(raw), raw, "", lambda: NOW)
        assert parse_cloudevents(raw, now=lambda: NOW) == checked


def test_well_formed_transaction_and_journal_events_take_the_fast_path() -> None:
    for event in _sample():
        assert fast.ledger_events_fast(event, lambda: NOW)
