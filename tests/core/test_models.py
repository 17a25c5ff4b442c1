"""Canonical models: frozen, closed, Decimal money, aware timestamps, CloudEvents round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pydantic
import pytest
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.v1.event import CloudEvent

from xsell_connect.models import (
    Account,
    AccountHolder,
    AccountStatus,
    AuditOutcome,
    AuditRecord,
    Balance,
    BalanceType,
    BankTransactionCode,
    CanonicalEvent,
    CashAccountType,
    Channel,
    Consent,
    CreditDebit,
    EventType,
    LedgerEntry,
    Offer,
    Party,
    PartyStatus,
    PartyType,
    ProductFamily,
    event_id,
)
from xsell_connect.models.audit import AUDIT_FIELDS


def _entry(**overrides: object) -> LedgerEntry:
    values: dict[str, object] = {
        "platform": "mambu",
        "source_id": "8a19df6c8f2e41aa018fbb0c1e2a7710",
        "id": "58211",
        "account_id": "DXQK512",
        "amount": Decimal("1200.00"),
        "currency": "EUR",
        "credit_debit": CreditDebit.CRDT,
        "booking_date": date(2024, 10, 25),
        "value_date": date(2024, 10, 25),
        "booked_at": datetime(2024, 10, 25, 8, 15, 3, tzinfo=UTC),
        "bank_transaction_code": BankTransactionCode(
            domain="PMNT", family="RCDT", sub_family="ESCT", proprietary="DEPOSIT"
        ),
        "balance_after": Decimal("3650.50"),
    }
    values.update(overrides)
    return LedgerEntry.model_validate(values)


def test_models_are_frozen() -> None:
    entry = _entry()
    with pytest.raises(pydantic.ValidationError):
        entry.amount = Decimal(1)  # type: ignore[misc]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        _entry(colour="blue")
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_money_stays_decimal_through_json() -> None:
    entry = _entry(amount=Decimal("0.10"))
    again = LedgerEntry.model_validate_json(entry.model_dump_json())
    assert again.amount == Decimal("0.10")
    assert isinstance(again.amount, Decimal)


def test_negative_posting_amount_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        _entry(amount=Decimal("-1"))


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        _entry(booked_at=datetime(2024, 10, 25, 8, 15))
    assert caught.value.errors()[0]["loc"] == ("booked_at",)


def test_currency_must_be_iso_4217() -> None:
    with pytest.raises(pydantic.ValidationError):
        _entry(currency="euro")


def test_signed_amount_follows_credit_debit() -> None:
    assert _entry(credit_debit=CreditDebit.DBIT).signed_amount == Decimal("-1200.00")


def test_account_balance_lookup_by_iso_type() -> None:
    account = Account(
        platform="mambu",
        source_id="k",
        id="DXQK512",
        holders=(AccountHolder(party_id="417023981"),),
        product_code="EVERYDAY_CURRENT",
        family=ProductFamily.CURRENT,
        cash_account_type=CashAccountType.CACC,
        currency="EUR",
        balances=(
            Balance(type=BalanceType.ITBD, amount=Decimal("2450.5"), currency="EUR"),
            Balance(type=BalanceType.ITAV, amount=Decimal("2400"), currency="EUR"),
        ),
        status=AccountStatus.ENAB,
        status_raw="ACTIVE",
    )
    assert (account.booked, account.available) == (Decimal("2450.5"), Decimal("2400"))
    assert account.party_ids == ("417023981",)


def test_party_age_and_consent() -> None:
    party = Party(
        platform="mambu",
        source_id="k",
        id="1",
        type=PartyType.PERSON,
        status=PartyStatus.ACTIVE,
        birth_date=date(1986, 3, 14),
        consents=(Consent(channel=Channel.EMAIL, granted=True),),
    )
    assert party.age_on(date(2026, 3, 13)) == 39
    assert party.age_on(date(2026, 3, 14)) == 40
    assert party.consents_to(Channel.EMAIL)
    assert not party.consents_to(Channel.SMS)


def test_offer_id_is_deterministic() -> None:
    first = Offer.make_id("417023981", "salary_credit", "evt-1")
    assert first == Offer.make_id("417023981", "salary_credit", "evt-1")
    assert first != Offer.make_id("417023981", "salary_credit", "evt-2")
    assert first.startswith("OFR-")
    assert len(first) == 20


def test_audit_row_has_the_project_wide_fields_in_order_without_the_core_reference() -> None:
    record = AuditRecord(
        audit_id="a1",
        party_id="417023981",
        customer_ref="p-1",
        nba_code="OFFER_SAVINGS_PLUS",
        score=Decimal("0.82"),
        model_version="nba-2024.10",
        decided_at=datetime(2024, 11, 4, 8, 30, tzinfo=UTC),
        outcome=AuditOutcome.PRESENTED,
    )
    assert tuple(record.row()) == AUDIT_FIELDS
    assert "417023981" not in record.compact_json()


def _event() -> CanonicalEvent:
    return CanonicalEvent.wrap(
        type=EventType.LEDGER_ENTRY_POSTED,
        platform="mambu",
        source="urn:xsell-connect:mambu",
        key="DXQK512:58211",
        time=datetime(2024, 10, 25, 8, 15, 3, tzinfo=UTC),
        subject="417023981",
        data=_entry(),
    )


def test_event_ids_are_deterministic() -> None:
    assert _event().id == event_id("mambu", EventType.LEDGER_ENTRY_POSTED, "DXQK512:58211")
    assert _event().partitionkey == "417023981"


def test_event_round_trips_through_the_cloudevents_sdk_structured_mode() -> None:
    event = _event()
    message = ce_http.to_structured_event(CloudEvent(event.attributes(), event.data))
    parsed = ce_http.from_http_event(message)
    back = CanonicalEvent.from_attributes(parsed.get_attributes(), parsed.get_data())
    assert back == event
    assert LedgerEntry.model_validate(back.data) == _entry()


def test_event_round_trips_through_the_cloudevents_sdk_binary_mode() -> None:
    event = _event()
    message = ce_http.to_binary_event(CloudEvent(event.attributes(), event.data))
    assert message.headers["ce-platform"] == "mambu"
    parsed = ce_http.from_http_event(message)
    back = CanonicalEvent.from_attributes(parsed.get_attributes(), parsed.get_data())
    assert back == event


def test_event_from_an_sdk_with_wrong_specversion_is_refused() -> None:
    attributes = {**_event().attributes(), "specversion": "0.3"}
    with pytest.raises(pydantic.ValidationError) as caught:
        CanonicalEvent.from_attributes(attributes, {})
    assert caught.value.errors()[0]["loc"] == ("specversion",)


def test_structured_json_leaves_out_absent_attributes_but_keeps_data_nulls() -> None:
    event = _event().model_copy(update={"subject": None, "partitionkey": None})
    text = event.to_json()
    assert '"subject"' not in text
    assert '"dataschema"' not in text
    assert '"reversal":false' in text
    assert CanonicalEvent.model_validate_json(text) == event
