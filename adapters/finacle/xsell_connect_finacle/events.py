"""ESB alert messages → canonical events. Pure functions, no I/O (reference §3).

Finacle publishes no event or alert schema. Project convention: the bank's ESB sends one
small JSON object per alert, on RabbitMQ (``parse_message``) or over HTTPS with the
project's shared-secret HMAC header, checked by the listener (``parse_webhook``)::

    {"eventId": "c3a7e2f0-...", "eventType": "TXN_POSTED", "occurredAt": "2024-10-25T18:48:32.000",
     "bankId": "01", "solId": "0115", "custId": "8011501010000214", "acid": "1007710010000223",
     "tranId": "S531564", "partTranSrlNum": "6", "tranType": "C", "amount": "5500.00",
     "currency": "INR"}

``TXN_POSTED`` becomes ``xsell.ledger.entry.posted`` with a ``LedgerEntry`` whose id is
the one the ledger read gives; ``CUST_MODIFIED``, ``ACCT_OPENED``, ``ACCT_CLOSED`` and
``BAL_THRESHOLD`` become id-only notices. Event ids derive from ``eventId``, so a
redelivered alert de-duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from xsell_connect.errors import MalformedEventError
from xsell_connect.models import (
    BankTransactionCode,
    CanonicalEvent,
    CreditDebit,
    EventType,
    LedgerEntry,
)

from .mapping import entry_id

__all__ = ["NOTICE_TYPES", "parse_alert"]

PLATFORM = "finacle"
NOTICE_TYPES: dict[str, EventType] = {
    "CUST_MODIFIED": EventType.PARTY_UPDATED,
    "ACCT_OPENED": EventType.ACCOUNT_OPENED,
    "ACCT_CLOSED": EventType.ACCOUNT_CLOSED,
    "BAL_THRESHOLD": EventType.BALANCE_CHANGED,
}
_TXN_FIELDS = ("acid", "tranId", "tranType", "amount", "currency")


def _field(alert: Mapping[str, Any], name: str, raw: bytes) -> str:
    value = alert.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MalformedEventError(
            f"alert field {name!r} is missing or not a string", raw=raw, attribute=name
        )
    return value.strip()


def _occurred(alert: Mapping[str, Any], raw: bytes, tz: tzinfo) -> datetime:
    text = _field(alert, "occurredAt", raw)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedEventError(
            f"occurredAt {text!r} is not a date-time", raw=raw, attribute="occurredAt"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _entry(alert: Mapping[str, Any], raw: bytes, when: datetime) -> LedgerEntry:
    acid, tran_id, kind, amount_text, currency = (_field(alert, f, raw) for f in _TXN_FIELDS)
    serial = str(alert.get("partTranSrlNum") or "").strip()
    if kind not in ("C", "D"):
        raise MalformedEventError(f"tranType {kind!r} is not C or D", raw=raw, attribute="tranType")
    try:
        amount = Decimal(amount_text)
    except InvalidOperation:
        raise MalformedEventError(
            f"amount {amount_text!r} is not a number", raw=raw, attribute="amount"
        ) from None
    if not amount.is_finite() or amount < 0:
        raise MalformedEventError("amount must be a positive number", raw=raw, attribute="amount")
    return LedgerEntry(
        platform=PLATFORM,
        source_id=f"{tran_id}/{serial}",
        id=entry_id(acid, when.date(), tran_id, serial),
        account_id=acid,
        amount=amount,
        currency=currency.upper(),
        credit_debit=CreditDebit.CRDT if kind == "C" else CreditDebit.DBIT,
        booking_date=when.date(),
        value_date=when.date(),
        booked_at=when,
        bank_transaction_code=BankTransactionCode.unknown(),
    )


def parse_alert(body: bytes, *, source: str, tz: tzinfo) -> list[CanonicalEvent]:
    """The canonical event of one ESB alert body.

    Raises:
        MalformedEventError: not a JSON object, an unknown ``eventType`` or a bad field;
            ``raw`` is the body and ``attribute`` names the culprit.
    """
    try:
        alert = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedEventError("alert body is not JSON", raw=body) from None
    if not isinstance(alert, dict):
        raise MalformedEventError("alert body is not a JSON object", raw=body)
    event_id = _field(alert, "eventId", body)
    kind = _field(alert, "eventType", body)
    when = _occurred(alert, body, tz)
    customer = str(alert.get("custId") or "").strip() or None
    if kind == "TXN_POSTED":
        entry = _entry(alert, body, when)
        return [
            CanonicalEvent.wrap(
                type=EventType.LEDGER_ENTRY_POSTED,
                platform=PLATFORM,
                source=source,
                key=event_id,
                time=when,
                subject=customer,
                data=entry,
            )
        ]
    if kind not in NOTICE_TYPES:
        raise MalformedEventError(f"unknown eventType {kind!r}", raw=body, attribute="eventType")
    hints = {
        k: v
        for k in ("custId", "acid", "solId", "bankId")
        if isinstance(v := alert.get(k), str) and v
    }
    return [
        CanonicalEvent.wrap(
            type=NOTICE_TYPES[kind],
            platform=PLATFORM,
            source=source,
            key=event_id,
            time=when,
            subject=customer,
            data={"eventType": kind, **hints},
        )
    ]
