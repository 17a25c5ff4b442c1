"""The ledger fast path: plain-dict reads for well-formed ``holdings/transactions`` rows.

Any row off the normal shape raises ``Slow`` and goes back through the ``RecordReader``
path in ``mapping.py``, which produces the exact ``MappingError``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from xsell_connect.models import BankTransactionCode, CreditDebit, LedgerEntry

__all__ = ["Slow", "ledger_entry_fast"]


class Slow(Exception):
    """The row is off the happy path: map it again with ``RecordReader`` for the error."""


_SLOW = Slow()
_EXTRA = ("transactionReference", "transactionType", "companyId")
_validate_entry = LedgerEntry.__pydantic_validator__.validate_python  # model_validate, less a hop


def ledger_entry_fast(
    raw: dict[str, Any],
    account_id: str,
    platform: str,
    codes: dict[str, tuple[str, str, str]],
    known: dict[str, BankTransactionCode],
) -> LedgerEntry:
    """``_ledger_entry`` for a well-formed row, reading the dict directly (hot path).

    It accepts a subset of what ``_ledger_entry`` accepts and yields the same entry;
    anything else (a wrong type, a blank required field, a date-time where a date is
    expected, a failed validation) raises ``Slow`` or pydantic's error, and the caller maps
    the row again with ``RecordReader`` for the precise ``MappingError``. ``known`` caches
    the (frozen) codes of ``codes`` once built. Keep the two functions in step.
    """
    get = raw.get
    amount: Any = get("amount")
    kind = type(amount)
    signed: Decimal
    if kind is float or kind is int:
        signed = Decimal(str(amount))  # as RecordReader.number: 0.1 is Decimal("0.1")
    elif kind is Decimal:
        signed = amount
    else:
        raise _SLOW
    if not signed.is_finite():
        raise _SLOW
    booking = _day(get("bookingDate"))
    if booking is None:
        raise _SLOW
    code = _text(get("transactionType"))
    btc = known.get(code) if code else None
    if btc is None:
        parts = codes.get(code or "")
        if parts:
            btc = BankTransactionCode(
                domain=parts[0], family=parts[1], sub_family=parts[2], proprietary=code
            )
            known[code or ""] = btc
        else:
            btc = BankTransactionCode.unknown(code)
    ident = get("entryReference")
    currency = get("currencyId")
    if type(ident) is not str or not ident.strip():
        raise _SLOW
    if type(currency) is not str or not currency.strip():
        raise _SLOW
    balance = get("balance")
    if balance is None:
        balance_after = None
    elif type(balance) is float or type(balance) is int:
        balance_after = Decimal(str(balance))
        if not balance_after.is_finite():
            raise _SLOW
    else:
        raise _SLOW
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": _text(get("transactionReference")) or ident,
        "id": ident,
        "account_id": _text(get("accountId")) or account_id,
        "amount": abs(signed),
        "currency": currency,
        "credit_debit": CreditDebit.DBIT if signed < 0 else CreditDebit.CRDT,
        "booking_date": booking,
        "value_date": _day(get("valueDate")) or booking,
        "bank_transaction_code": btc,
        "description": _text(get("narrative")) or _text(get("notes")),
        "balance_after": balance_after,
        "extra": {k: raw[k] for k in _EXTRA if get(k) not in (None, "")},
    }
    entry: LedgerEntry = _validate_entry(values)
    return entry


def _text(value: Any) -> str | None:
    """An optional string, as ``RecordReader.text`` reads it (other types go slow)."""
    if value is None or type(value) is str:
        return value
    raise _SLOW


def _day(value: Any) -> date | None:
    """An optional ``YYYY-MM-DD``, as ``RecordReader.day`` reads it (date-times go slow)."""
    if value is None:
        return None
    if type(value) is not str or "T" in value:
        raise _SLOW
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _SLOW from None
