"""The ledger fast path: plain-dict reads for well-formed ``Acc-Txn-Full`` rows.

Statement rows arrive as text (:mod:`.reply`). A row off the normal shape raises ``Slow``
(or pydantic's error) and goes back through the ``RecordReader`` path in ``mapping.py``,
which produces the exact ``MappingError``. Keep the two functions in step.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from xsell_connect.models import LedgerEntry

__all__ = ["Slow", "ledger_entry_fast"]


class Slow(Exception):
    """The row is off the happy path: map it again with ``RecordReader`` for the error."""


_SLOW = Slow()
_DIRECTIONS = {"C": "CRDT", "D": "DBIT"}
_NOT_AVAILABLE = {"domain": "XTND", "family": "NTAV", "sub_family": "NTAV"}
_EXTRA = ("EVENT", "MODULE", "AC_BRANCH")
_OPTIONAL = ("TRN_CODE", "TRN_DTTM", "NARRATIVE", "MCC", "MERCHANT_COUNTRY", "CHANNEL", "REVERSAL")
_validate_entry = LedgerEntry.__pydantic_validator__.validate_python  # model_validate, less a hop


def _required(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if type(value) is not str or not value.strip():
        raise _SLOW
    return value


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise _SLOW
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise _SLOW from None
    if not number.is_finite():
        raise _SLOW
    return number


def _day(raw: dict[str, Any], key: str) -> date:
    text = _required(raw, key)
    if "T" in text:
        raise _SLOW
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _SLOW from None


def ledger_entry_fast(raw: dict[str, Any], tz: ZoneInfo) -> LedgerEntry:
    """``_ledger_entry`` for a row of text leaves, reading the dict directly (hot path)."""
    get = raw.get
    indicator = get("DRCR_IND")
    direction = _DIRECTIONS.get(indicator) if type(indicator) is str else None
    if direction is None:
        raise _SLOW
    for key in _OPTIONAL:
        value = get(key)
        if value is not None and type(value) is not str:
            raise _SLOW
    amount = _number(get("FCY_AMOUNT")) or _number(get("LCY_AMOUNT"))
    if amount is None:
        raise _SLOW
    stamp = get("TRN_DTTM")
    try:
        booked_at = datetime.fromisoformat(stamp).replace(tzinfo=tz) if stamp else None
    except ValueError:
        raise _SLOW from None
    ident = _required(raw, "TRN_REF_NO")
    code = {**_NOT_AVAILABLE, "proprietary": get("TRN_CODE")}  # BankTransactionCode.unknown
    values: dict[str, Any] = {
        "platform": "flexcube",
        "source_id": ident,
        "id": ident,
        "account_id": _required(raw, "AC_NO"),
        "amount": amount,
        "currency": _required(raw, "AC_CCY"),
        "credit_debit": direction,
        "booking_date": _day(raw, "TRN_DT"),
        "value_date": _day(raw, "VALUE_DT"),
        "booked_at": booked_at,
        "bank_transaction_code": code,
        "description": get("NARRATIVE"),
        "merchant_category_code": get("MCC"),
        "merchant_country": get("MERCHANT_COUNTRY"),
        "channel": get("CHANNEL"),
        "reversal": get("REVERSAL") == "Y",
        "extra": {k: raw[k] for k in _EXTRA if get(k)},
    }
    entry: LedgerEntry = _validate_entry(values)
    return entry
