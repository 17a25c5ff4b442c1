"""The hot path of statement rows: a ``transactionDetails`` element straight to a LedgerEntry.

Statements are the bulk of what a sync reads, so rows are read from the lxml element
directly (no dict conversion, no per-field reader). Any surprise — a missing element, an
unparseable value, a canonical validation error — falls back to
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

__all__ = ["ledger_entry_from_element"]

_Q = "{http://www.finacle.com/fixml}"
_N = len(_Q)
_DIRECTION = {"C": CreditDebit.CRDT, "D": CreditDebit.DBIT}
_VALIDATE = LedgerEntry.__pydantic_validator__.validate_python


class _Slow(Exception):
    pass


def _children(element: Any) -> dict[str, Any]:
    return {c.tag[_N:]: c for c in element if type(c.tag) is str}


def _fast(row: Any, acid: str, currency: str, tz: tzinfo) -> LedgerEntry:
    f = _children(row)
    s = _children(f["transactionSummary"])
    amount_el, balance_el = s["txnAmt"], f["txnBalance"]
    direction = _DIRECTION[(s["txnType"].text or "").strip()]
    posted = datetime.fromisoformat(f["pstdDate"].text).replace(tzinfo=tz)
    tran_date = datetime.fromisoformat(s["txnDate"].text).date()
    value_text = f["valueDate"].text
    tran_id, serial = f["txnId"].text or "", f["txnSrlNo"].text or ""
    if not tran_id.strip():
        raise _Slow
    amount_text, amount_ccy = amount_el[0].text, amount_el[1].text
    balance_text = balance_el[0].text
    category = f["txnCat"].text or ""
    description = (s["txnDesc"].text or "").rstrip()
    values = {
        "platform": "finacle",
        "source_id": f"{tran_id.strip()}/{serial.strip()}",
        "id": entry_id(acid, tran_date, tran_id, serial),
        "account_id": acid,
        "amount": Decimal(amount_text),
        "currency": (amount_ccy or currency).strip().upper(),
        "credit_debit": direction,
        "booking_date": tran_date,
        "value_date": datetime.fromisoformat(value_text).date() if value_text else tran_date,
        "booked_at": posted,
        "bank_transaction_code": _transaction_code(category.strip() or None),
        "description": description or None,
        "balance_after": Decimal(balance_text) if balance_text else None,
        "extra": {"txnId": tran_id, "txnSrlNo": serial, "txnCat": category,
                  "instrumentId": s["instrumentId"].text or ""},
    }  # fmt: skip
    entry: LedgerEntry = _VALIDATE(values)
    return entry


def ledger_entry_from_element(
    row: etree._Element, acid: str, currency: str, tz: tzinfo
) -> LedgerEntry:
    """A ``transactionDetails`` element → ``LedgerEntry`` (padding trimmed, raw kept)."""
    try:
        return _fast(row, acid, currency, tz)
    except (_Slow, KeyError, IndexError, TypeError, ValueError, ArithmeticError,
            pydantic.ValidationError):  # fmt: skip
        return to_ledger_entry(record(row), acid, currency, tz)
