"""The ledger fast path: plain-dict reads for well-formed Mambu transactions.

Any record off the normal shape raises ``_Slow`` and goes back through the
``RecordReader`` path in ``mapping.py``, which produces the exact ``MappingError``.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal

from xsell_connect.mapping import country_code
from xsell_connect.models import (
    CreditDebit,
    EntryStatus,
    LedgerEntry,
    ProductFamily,
)

from ._codes import Codes, jsonable, trim

__all__ = ["AccountKind", "Slow", "ledger_entry_fast"]

AccountKind = Literal["deposit", "loan"]


class Slow(Exception):
    """The record is off the happy path: map it again with ``RecordReader`` for the error."""


_SLOW = Slow()
_LEDGER_EXTRA = (
    "externalId",
    "affectedAmounts",
    "originalTransactionKey",
    "adjustmentTransactionKey",
    "parentAccountKey",
)


def ledger_entry_fast(
    raw: dict[str, Any],
    kind: AccountKind,
    account_id: str,
    family: ProductFamily,
    currency: str | None,
    platform: str,
    tz: tzinfo | None,
) -> LedgerEntry:
    """``_ledger_entry`` for a well-formed record, reading the dict directly (hot path).

    It accepts exactly what ``_ledger_entry`` accepts and yields the same entry; anything
    else (a wrong type, a blank required field, a bad date, a failed validation) raises
    ``_Slow`` or pydantic's error, and the caller maps the record again with
    ``RecordReader`` for the precise ``MappingError``. The entry is still validated by
    ``LedgerEntry.model_validate``. Keep the two functions in step.
    """
    get = raw.get
    tx_type = get("type")
    amount = get("amount")
    if type(tx_type) is not str or not tx_type.strip():
        raise _SLOW
    if type(amount) is Decimal:
        if not amount.is_finite():
            raise _SLOW
    elif type(amount) is int:
        amount = Decimal(amount)
    else:
        raise _SLOW
    amount = trim(amount)
    base = tx_type.removesuffix("_ADJUSTMENT")
    adjustment = base != tx_type
    direction = Codes.direction(kind, base)
    if Codes.overdraft_interest(kind, base, get("affectedAmounts")):
        direction = CreditDebit.DBIT
    inferred = direction is None
    if direction is None:
        direction = CreditDebit.DBIT if amount < 0 else CreditDebit.CRDT
    elif adjustment:
        direction = Codes.opposite(direction)
    channel = Codes.channel_id(_text(_sub(get("transactionDetails")), "transactionChannelId"))
    code_direction = Codes.opposite(direction) if adjustment and not inferred else direction
    btc = Codes.transaction_code(tx_type, base, channel, code_direction, family)
    card = _sub(_sub(get("cardTransaction")).get("cardAcceptor"))
    card_fields = _sub(get("_card"))
    mcc = _fast_mcc(card.get("mcc")) or _fast_mcc(card_fields.get("MCC"))
    merchant_country = _text(card, "country") or _text(card_fields, "Merchant_Country")
    created = get("creationDate")
    booked_at = _stamp(created)
    booked_day = _day(booked_at, tz)
    valued = get("valueDate")
    value_day = booked_day if valued == created else _day(_stamp(valued), tz)
    booked = get("bookingDate")
    if booked == created:
        booking_day = booked_day
    elif booked is None or booked == "":  # as _ledger_entry: ``if tz``, not ``is not None``
        booking_day = booked_day if tz is None or tz else booked_at.date()
    else:
        booking_day = _day(_stamp(booked), tz)
    currency = _text(raw, "currencyCode") or currency
    source_id, ident = get("encodedKey"), get("id")
    if currency is None or type(source_id) is not str or type(ident) is not str:
        raise _SLOW
    if not source_id.strip() or not ident.strip():
        raise _SLOW
    extra: dict[str, Any] = {}
    for key in _LEDGER_EXTRA:
        value = get(key)
        if value is not None:
            extra[key] = value if type(value) is str else jsonable(value)
    if inferred:
        extra["direction_from_sign"] = True
    balances = _sub(get("accountBalances"))
    if kind == "loan":
        owed = _number(balances.get("principalBalance"))
        balance_after = None if owed is None else trim(-owed)
    else:
        balance_after = _number(balances.get("totalBalance"))
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": source_id,
        "id": ident,
        "account_id": account_id,
        "amount": abs(amount),
        "currency": currency,
        "credit_debit": direction,
        "status": EntryStatus.INFO if base in Codes.INFO_TYPES else EntryStatus.BOOK,
        "booking_date": booking_day,
        "value_date": value_day,
        "booked_at": booked_at,
        "bank_transaction_code": btc,
        "description": _text(raw, "notes"),
        "counterparty": _text(card, "name") or _fast_counterparty(get("paymentDetails"), direction),
        "merchant_category_code": mcc,
        "merchant_country": country_code(merchant_country),
        "channel": channel,
        "balance_after": balance_after,
        "reversal": adjustment or base in Codes.REVERSAL_TYPES,
        "extra": extra,
    }
    entry: LedgerEntry = _validate_entry(values)
    return entry


_validate_entry = LedgerEntry.__pydantic_validator__.validate_python  # model_validate, less a hop
_EMPTY: dict[str, Any] = {}


def _sub(value: Any) -> dict[str, Any]:
    """A nested object, ``{}`` when absent (what ``RecordReader.obj`` reads)."""
    if value is None:
        return _EMPTY
    if type(value) is not dict:
        raise _SLOW
    return value


def _text(record: dict[str, Any], key: str) -> str | None:
    """An optional string, as ``RecordReader.text`` reads it."""
    value = record.get(key)
    if value is None or type(value) is str:
        return value
    raise _SLOW


def _number(value: Any) -> Decimal | None:
    """An optional amount, as ``amount()`` reads it (trimmed)."""
    if value is None or value == "":
        return None
    if type(value) is Decimal:
        if not value.is_finite():
            raise _SLOW
        return trim(value)
    if type(value) is int:
        return trim(Decimal(value))
    raise _SLOW


def _stamp(value: Any) -> datetime:
    """A required date-time with an offset, as ``RecordReader.timestamp`` reads it."""
    if type(value) is not str:
        raise _SLOW
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise _SLOW from None
    if stamp.tzinfo is None:
        raise _SLOW
    return stamp


def _day(stamp: datetime, tz: tzinfo | None) -> date:
    return (stamp.astimezone(tz) if tz is not None else stamp).date()


def _fast_mcc(value: Any) -> str | None:
    """``_mcc`` for a string or an absent code."""
    if value is None:
        return None
    if type(value) is not str:
        raise _SLOW
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 4:
        raise _SLOW
    return text.zfill(4)


def _fast_counterparty(details: Any, direction: CreditDebit) -> str | None:
    side = _sub(_sub(details).get("debtor" if direction is CreditDebit.CRDT else "creditor"))
    return _text(side, "name")
