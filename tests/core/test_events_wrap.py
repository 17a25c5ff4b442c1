"""CanonicalEvent.wrap's cheaper route: same ids, same data, the envelope still validated."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pydantic
import pytest

from xsell_connect.models import (
    BankTransactionCode,
    CanonicalEvent,
    CreditDebit,
    EventType,
    LedgerEntry,
)
from xsell_connect.models.events import EVENT_NAMESPACE, event_id

WHEN = datetime(2026, 11, 1, tzinfo=UTC)
SET_BY_WRAP = {"id", "source", "type", "time", "subject", "platform", "partitionkey", "data"}


@pytest.mark.parametrize("key", ["", "DXQK512:58211", "é€😀:x", "a" * 300])
def test_event_id_is_the_uuid5_of_platform_type_and_key(key: str) -> None:
    name = f"mambu:{EventType.LEDGER_ENTRY_POSTED}:{key}"
    expected = str(uuid.uuid5(EVENT_NAMESPACE, name))
    assert event_id("mambu", EventType.LEDGER_ENTRY_POSTED, key) == expected


def _entry() -> LedgerEntry:
    return LedgerEntry(
        platform="mambu",
        source_id="k1",
        id="1",
        account_id="A1",
        amount=Decimal("12.5"),
        currency="EUR",
        credit_debit=CreditDebit.DBIT,
        booking_date=date(2026, 10, 1),
        value_date=date(2026, 10, 1),
        booked_at=WHEN,
        bank_transaction_code=BankTransactionCode.unknown("X"),
        extra={"n": 1},
    )


def _wrap(**changes: object) -> CanonicalEvent:
    values: dict[str, object] = {
        "type": EventType.LEDGER_ENTRY_POSTED,
        "platform": "mambu",
        "source": "urn:xsell-connect:mambu",
        "key": "A1:1",
        "time": WHEN,
        "subject": "P1",
        "data": _entry(),
    }
    return CanonicalEvent.wrap(**{**values, **changes})  # type: ignore[arg-type]


def test_wrapping_a_model_gives_its_json_dump_as_data() -> None:
    event = _wrap()
    assert event.data == _entry().model_dump(mode="json")
    assert event == CanonicalEvent.model_validate_json(event.model_dump_json())
    assert "data" in event.model_fields_set


@pytest.mark.parametrize(
    "changes",
    [
        {"platform": "Mambu"},
        {"platform": 7},
        {"source": ""},
        {"source": ["urn:x"]},
        {"time": datetime(2026, 11, 1)},
        {"type": ""},
        {"subject": 5},
    ],
)
def test_wrapping_a_model_still_validates_the_envelope(changes: dict[str, object]) -> None:
    for _ in range(2):  # the second time past the envelope cache
        with pytest.raises(pydantic.ValidationError):
            _wrap(**changes)


def test_wrapped_events_equal_validated_ones_and_stay_apart() -> None:
    first, second = _wrap(key="A1:1", subject="P1"), _wrap(key="A1:2", subject=None)
    for event in (first, second):
        validated = CanonicalEvent.model_validate(event.model_dump())
        assert event == validated
        assert event.model_fields_set == SET_BY_WRAP
    assert (first.subject, first.partitionkey, second.subject, second.partitionkey) == (
        "P1",
        "P1",
        None,
        None,
    )
    assert first.id == event_id("mambu", EventType.LEDGER_ENTRY_POSTED, "A1:1") != second.id
    moved = first.model_copy(update={"subject": "P2"})  # each event has its own fields set
    assert moved.subject == "P2"
    assert first.subject == "P1"
    assert "subject" in second.model_fields_set


def test_a_time_given_as_text_is_still_parsed_by_the_validator() -> None:
    event = _wrap(time="2026-11-01T00:00:00+00:00")
    assert event == _wrap()
    assert event.model_fields_set == SET_BY_WRAP  # the validator's route sets the same
