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
    [{"platform": "Mambu"}, {"source": ""}, {"time": datetime(2026, 11, 1)}, {"type": ""}],
)
def test_wrapping_a_model_still_validates_the_envelope(changes: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        _wrap(**changes)
