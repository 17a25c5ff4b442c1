"""The hot path of statement rows: a ``transactionDetails`` element straight to a LedgerEntry.

Statements are the bulk of what a sync reads, so rows are read from the lxml element
directly: one pass over each level's children keyed by their qualified tag (no dict
conversion, no per-field reader, no XPath, no tag slicing). Any surprise — a missing
element, an unparseable value, a canonical validation error — falls back to
`xsell_connect_finacle.mapping.to_ledger_entry`, which raises the ``MappingError`` with the
path; so both give the same entry or the same error.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

import pydantic
from lxml import etree

from xsell_connect.models import CreditDebit, LedgerEntry

from .mapping import _transaction_code, entry_id, record, to_ledger_entry

__all__ = ["ledger_entries", "ledger_entry_from_element"]

_Q = "{http://www.finacle.com/fixml}"
_ROW = _Q + "transactionDetails"
_SUMMARY, _AMOUNT, _BALANCE = _Q + "transactionSummary", _Q + "txnAmt", _Q + "txnBalance"
_VALUE, _CCY = _Q + "amountValue", _Q + "currencyCode"
_PSTD, _TDATE, _VDATE = _Q + "pstdDate", _Q + "txnDate", _Q + "valueDate"
_TID, _SRL, _CAT = _Q + "txnId", _Q + "txnSrlNo", _Q + "txnCat"
_TYPE, _DESC, _INSTR = _Q + "txnType", _Q + "txnDesc", _Q + "instrumentId"
_DIRECTION = {"C": CreditDebit.CRDT, "D": CreditDebit.DBIT}
_VALIDATE = LedgerEntry.__pydantic_validator__.validate_python
_FALLBACK = (KeyError, TypeError, ValueError, ArithmeticError, pydantic.ValidationError)


def _fast(row: Any, acid: str, currency: str, tz: tzinfo) -> LedgerEntry:
    # One ``.tag`` per child: lxml builds the ``{ns}name`` string on every access.
    f = {c.tag: c for c in row}
    s = {c.tag: c for c in f[_SUMMARY]}
    amount = {c.tag: c.text for c in s[_AMOUNT]}
    direction = _DIRECTION[(s[_TYPE].text or "").strip()]
    tran_id, serial = f[_TID].text or "", f[_SRL].text or ""
    if not tran_id.strip():
        raise ValueError("no txnId")  # the reader names the missing field
    tran_text, value_text = s[_TDATE].text, f[_VDATE].text
    if "T" not in tran_text or (value_text and "T" not in value_text):
        raise ValueError("a date without a time")  # the reader's date rule
    tran_date = datetime.fromisoformat(tran_text).date()
    balance = {c.tag: c.text for c in f[_BALANCE]}.get(_VALUE)
    if not balance:
        raise ValueError("no txnBalance")  # the reader decides what an empty one means
    category = f[_CAT].text or ""
    description = (s[_DESC].text or "").rstrip()
    values = {
        "platform": "finacle",
        "source_id": f"{tran_id.strip()}/{serial.strip()}",
        "id": entry_id(acid, tran_date, tran_id, serial),
        "account_id": acid,
        "amount": Decimal(amount[_VALUE]),
        "currency": ((amount.get(_CCY) or "").strip() or currency).upper(),
        "credit_debit": direction,
        "booking_date": tran_date,
        "value_date": datetime.fromisoformat(value_text).date() if value_text else tran_date,
        "booked_at": datetime.fromisoformat(f[_PSTD].text).replace(tzinfo=tz),
        "bank_transaction_code": _transaction_code(category.strip() or None),
        "description": description or None,
        "balance_after": Decimal(balance),
        "extra": {"txnId": tran_id, "txnSrlNo": serial, "txnCat": category,
                  "instrumentId": s[_INSTR].text or ""},
    }  # fmt: skip
    entry: LedgerEntry = _VALIDATE(values)
    return entry


def ledger_entry_from_element(
    row: etree._Element, acid: str, currency: str, tz: tzinfo
) -> LedgerEntry:
    """A ``transactionDetails`` element → ``LedgerEntry`` (padding trimmed, raw kept)."""
    try:
        return _fast(row, acid, currency, tz)
    except _FALLBACK:
        return to_ledger_entry(record(row), acid, currency, tz)


def ledger_entries(
    statement: etree._Element, acid: str, currency: str, tz: tzinfo
) -> list[LedgerEntry]:
    """A ``PaginatedAccountStatement``'s rows (newest first on the wire), oldest first."""
    rows = statement.findall(_ROW)
    return [ledger_entry_from_element(r, acid, currency, tz) for r in reversed(rows)]
