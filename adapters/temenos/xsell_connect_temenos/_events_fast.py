"""The fast path of ``events``: plain-dict reads for well-formed transaction events.

A transaction or accounting-journal CloudEvent on the normal shape is mapped here with
direct dict reads. Anything off that shape (a wrong type, a blank field, a bad date or
amount, a failed validation) raises ``Slow`` or pydantic's error, and ``events`` maps the
event again on its checked path, which raises the exact ``MalformedEventError``. Keep the
two in step: this path accepts a subset of what ``events._one`` accepts and yields the
same events. The helpers at the bottom are shared by both paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic_core import from_json

from xsell_connect.models import (
    BankTransactionCode,
    CanonicalEvent,
    CreditDebit,
    EventType,
    LedgerEntry,
)

__all__ = ["AMOUNT", "Slow", "ledger_events_fast", "loads", "narrative", "t24_day", "unknown_code"]

PLATFORM = "temenos"
AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")
_DAY = re.compile(r"^\d{8}$")
_CREDIT, _DEBIT = "credit.transactionExecuted", "debit.transactionExecuted"
_JOURNAL = "updateAccountingJournalEntries.accountingJournalEntriesUpdated"
_CRDT, _DBIT = CreditDebit.CRDT, CreditDebit.DBIT  # enum members read once, not per event
_INDICATORS = {"CREDIT": _CRDT, "DEBIT": _DBIT}
_POSTED = str(EventType.LEDGER_ENTRY_POSTED)


class Slow(Exception):
    """The event is off the happy path: map it again on the checked path for the error."""


_SLOW = Slow()
_validate_entry = LedgerEntry.__pydantic_validator__.validate_python  # LedgerEntry(), less a hop


def loads(body: bytes) -> Any:
    """``json.loads``: the Rust parser first, the standard one for what only it accepts
    (a UTF-8 BOM, lone surrogates) and for the error.

    Raises:
        ValueError: the body is not JSON (``JSONDecodeError``, ``UnicodeDecodeError``).
    """
    try:
        return from_json(body, cache_strings="keys")  # values rarely repeat; keys always do
    except ValueError:
        import json

        return json.loads(body)


def ledger_events_fast(ce: Any, now: Callable[[], datetime]) -> list[CanonicalEvent]:
    """The ``xsell.ledger.entry.posted`` events of one well-formed transaction event."""
    if type(ce) is not dict:
        raise _SLOW
    get = ce.get
    ident, source, kind, stamp = get("id"), get("source"), get("type"), get("time")
    if get("specversion") != "1.0" or type(ident) is not str or type(source) is not str:
        raise _SLOW
    if type(kind) is not str or not ident.strip() or not source.strip() or not kind.strip():
        raise _SLOW
    if stamp is None:
        time = now()
    elif type(stamp) is str:
        try:
            time = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise _SLOW from None
        if time.tzinfo is None:
            raise _SLOW
    else:
        raise _SLOW
    data = get("data")
    if type(data) is not dict:
        raise _SLOW
    last_two = _last_two(kind)
    if last_two == _CREDIT:
        return [_entry(data, _CRDT, source, time, ident)]
    if last_two == _DEBIT:
        return [_entry(data, _DBIT, source, time, ident)]
    if last_two == _JOURNAL:
        items = data.get("journalEntries")
        if type(items) is not list or not items:
            raise _SLOW
        return [_entry(item, None, source, time, ident) for item in items]
    raise _SLOW


def _entry(
    d: Any, direction: CreditDebit | None, source: str, time: datetime, ce_id: str
) -> CanonicalEvent:
    if type(d) is not dict:
        raise _SLOW
    get = d.get
    amount_text, reference, currency, booked = (
        get("transactionAmount"), get("entryReference"), get("currency"), get("bookingDate")
    )  # fmt: skip
    if type(amount_text) is not str or type(reference) is not str:
        raise _SLOW
    if type(currency) is not str or type(booked) is not str:
        raise _SLOW
    amount_text, reference, currency = amount_text.strip(), reference.strip(), currency.strip()
    if not reference or not currency or not AMOUNT.match(amount_text):
        raise _SLOW
    amount = Decimal(amount_text)
    if direction is None:
        indicator = _text(get("creditDebitIndicator"))
        direction = _INDICATORS.get(
            indicator.upper() if indicator else "", _DBIT if amount < 0 else _CRDT
        )
    account = _text(get("accountId")) or _text(get("arrangementId"))
    valued = _text(get("valueDate"))
    if account is None:
        raise _SLOW
    try:
        booking = t24_day(booked.strip())
        value_date = t24_day(valued) if valued else booking
    except ValueError:
        raise _SLOW from None
    values = {
        "platform": PLATFORM,
        "source_id": _text(get("transactionReference")) or reference,
        "id": reference,
        "account_id": account,
        "amount": abs(amount),
        "currency": currency,
        "credit_debit": direction,
        "booking_date": booking,
        "value_date": value_date,
        "bank_transaction_code": unknown_code(_text(get("transactionCode"))),
        "description": _narrative(get("narratives"), d),
        "extra": {"ce_id": ce_id},
    }
    return CanonicalEvent.wrap(
        type=_POSTED, platform=PLATFORM, source=source, key=f"entry:{reference}", time=time,
        subject=_text(get("customerId")), data=_validate_entry(values),
    )  # fmt: skip


def _narrative(items: Any, d: dict[str, Any]) -> str | None:
    """``narrative`` for the usual one-line multi-value, without building a list."""
    if type(items) is list and len(items) == 1 and type(items[0]) is dict:
        text = items[0].get("narrative")
        if type(text) is str and text:
            return text
    return narrative(d)


@lru_cache(maxsize=256)
def _last_two(kind: str) -> str:
    """``[domain.]operation.pastTenseEvent`` → ``operation.pastTenseEvent`` (types repeat)."""
    return ".".join(kind.rsplit(".", 2)[-2:])


def _text(value: Any) -> str | None:
    """``events._text`` for a string or an absent value (an integer goes the checked way)."""
    if value is None:
        return None
    if type(value) is not str:
        raise _SLOW
    return value.strip() or None


# -- shared with the checked path in ``events`` ------------------------------------------


@lru_cache(maxsize=4096)
def t24_day(text: str) -> date:
    """A T24 ``YYYYMMDD`` date (``strptime`` is 10x slower; days repeat, so cached).

    Raises:
        ValueError: not eight digits, or not a calendar day.
    """
    if not _DAY.match(text):
        raise ValueError(text)
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


@lru_cache(maxsize=1024)
def unknown_code(code: str | None) -> BankTransactionCode:
    """ISO's "not available" code with the T24 code beside it (a frozen model: shared)."""
    return BankTransactionCode.unknown(code)


def narrative(d: Mapping[str, Any]) -> str | None:
    """The ``narratives[{narrative}]`` multi-value as one text."""
    items = d.get("narratives")
    if isinstance(items, list):
        texts = [
            str(n.get("narrative")) for n in items if isinstance(n, dict) and n.get("narrative")
        ]
        return " ".join(texts) or None
    return None
