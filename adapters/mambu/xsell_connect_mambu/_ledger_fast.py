"""The ledger fast path: plain-dict reads for well-formed Mambu transactions.

Any record off the normal shape raises ``_Slow`` and goes back through the
``RecordReader`` path in ``mapping.py``, which produces the exact ``MappingError``.

The entry is built without running ``LedgerEntry``'s validator (about half of this
path's cost): every value is read here with its exact type, and the few constraints the
reads do not already guarantee (the currency, country and platform patterns, a non-blank
account id) are checked here. Anything else raises ``_Slow``. The tests pin both halves:
on every fixture and mock record, and on records mutated at random, the validator
accepts what this path builds and the ``RecordReader`` path builds the same entry; and a
digest of ``LedgerEntry``'s JSON Schema, so that a change to the model fails the tests
until these checks are looked at again.
"""

from __future__ import annotations

import re
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
from xsell_connect.models._base import prechecked

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

    For a record on the happy path it yields the entry ``_ledger_entry`` yields; anything
    else (a wrong type, a blank required field, a bad date, a value the canonical model
    would refuse) raises ``_Slow``, and the caller maps the record again with
    ``RecordReader`` for the precise ``MappingError``. The entry is built without the
    validator (see the module's docstring). Keep the two functions in step.
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
    direction = Codes.direction(kind, base, get("affectedAmounts"))
    inferred = direction is None
    if direction is None:
        direction = CreditDebit.DBIT if amount < 0 else CreditDebit.CRDT
    elif adjustment:
        direction = Codes.opposite(direction)
    channel_id = _text(_sub(get("transactionDetails")), "transactionChannelId")
    channel = _CHANNELS.get(channel_id) if channel_id is not None else None
    if channel is None and channel_id is not None:
        channel = Codes.channel_id(channel_id)
        if channel is not None and len(_CHANNELS) < 1024:  # ids come from the tenant: bounded
            _CHANNELS[channel_id] = channel
    code_direction = Codes.opposite(direction) if adjustment and not inferred else direction
    btc = Codes.transaction_code(tx_type, base, channel, code_direction, family)
    card = _sub(_sub(get("cardTransaction")).get("cardAcceptor"))
    card_fields = _sub(get("_card"))
    if card is _EMPTY and card_fields is _EMPTY:  # not a card payment: no card fields
        mcc = merchant_country = card_name = None
    else:
        mcc = _fast_mcc(card.get("mcc")) or _fast_mcc(card_fields.get("MCC"))
        merchant_country = _text(card, "country") or _text(card_fields, "Merchant_Country")
        card_name = _text(card, "name")
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
    if currency not in _CURRENCIES:
        _remember(_CURRENCIES, _CURRENCY, currency)
    if type(source_id) is not str or type(ident) is not str:
        raise _SLOW
    if not source_id.strip() or not ident.strip():
        raise _SLOW
    if type(account_id) is not str or not account_id:
        raise _SLOW
    if platform not in _PLATFORMS:
        _remember(_PLATFORMS, _PLATFORM, platform)
    if merchant_country is not None:
        merchant_country = country_code(merchant_country)
        if merchant_country is not None and merchant_country not in _COUNTRIES:
            _remember(_COUNTRIES, _COUNTRY, merchant_country)
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
    values: dict[str, Any] = {  # every field of LedgerEntry, in the model's order
        "platform": platform,
        "source_id": source_id,
        "extra": extra,
        "id": ident,
        "account_id": account_id,
        "amount": abs(amount),
        "currency": currency,
        "credit_debit": direction,
        "status": EntryStatus.INFO if base in Codes.INFO_TYPES else EntryStatus.BOOK,
        "status_raw": None,
        "booking_date": booking_day,
        "value_date": value_day,
        "booked_at": booked_at,
        "bank_transaction_code": btc,
        "description": _text(raw, "notes"),
        "counterparty": card_name or _fast_counterparty(get("paymentDetails"), direction),
        "merchant_category_code": mcc,
        "merchant_country": merchant_country,
        "channel": channel,
        "balance_after": balance_after,
        "reversal": adjustment or base in Codes.REVERSAL_TYPES,
    }
    return prechecked(LedgerEntry, values, _GIVEN)


#: The fields the validator would record as given: all but ``status_raw``, which the
#: RecordReader path leaves to its default.
_GIVEN = frozenset(LedgerEntry.model_fields) - {"status_raw"}
_EMPTY: dict[str, Any] = {}
#: The patterns of ``LedgerEntry.currency``, ``merchant_country`` and ``platform`` (as
#: ``fullmatch``: pydantic's ``$`` does not match before a final newline, Python's does).
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_PLATFORM = re.compile(r"[a-z][a-z0-9_]*")
#: Values already seen to match, so a stream checks each distinct one once (bounded).
_CURRENCIES: set[str] = set()
#: ``Codes.channel_id`` of the channel ids seen (bounded): one dict read per record.
_CHANNELS: dict[str, str] = {}
_COUNTRIES: set[str] = set()
_PLATFORMS: set[str] = set()


def _remember(seen: set[str], pattern: re.Pattern[str], value: Any) -> None:
    """Note ``value`` as valid, or raise ``_Slow`` when it does not match ``pattern``."""
    if type(value) is not str or pattern.fullmatch(value) is None:
        raise _SLOW
    if len(seen) < 1024:
        seen.add(value)


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
    if type(value) is Decimal:  # first: ``Decimal == str`` asks numbers.Number (an ABC)
        if not value.is_finite():
            raise _SLOW
        return trim(value)
    if value is None or value == "":
        return None
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
