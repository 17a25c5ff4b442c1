"""Transact business events (CloudEvents 1.0) → canonical events. Pure functions, no I/O.

Transact emits CloudEvents in structured JSON mode; inside ``data`` the T24 formats survive:
``YYYYMMDD`` dates, ``YYYYMMDDHHmmssSSS`` stamps and signed string amounts (reference §3).
Types are ``[domain.]operation.pastTenseEvent`` and are matched on their last two parts:

- ``credit.transactionExecuted`` / ``debit.transactionExecuted`` and every item of
  ``updateAccountingJournalEntries.accountingJournalEntriesUpdated`` → one
  ``xsell.ledger.entry.posted`` per entry (a ``LedgerEntry``). The event id comes from the
  ``entryReference``, so the transaction event and its journal event give the same id and
  de-duplicate;
- ``createAccount.accountCreated`` → ``xsell.account.opened`` (hints; re-read the core);
- ``updateCustomer.customerUpdated`` and other ``customer*`` events →
  ``xsell.party.updated`` (hints);
- any other type → an id-only ``xsell.account.activity`` / ``xsell.party.activity``.

Binary-mode events (HTTP ``ce-*`` headers, AMQP ``cloudEvents_*`` properties) are read by
``binding`` into the same dict and mapped by the same code.

A body that is not a CloudEvent (bad JSON, a missing required attribute, a ``specversion``
other than ``1.0``, ``data`` that breaks its schema) raises ``MalformedEventError`` naming
the attribute and carrying the raw bytes; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from xsell_connect.errors import MalformedEventError
from xsell_connect.models import (
    CanonicalEvent,
    CreditDebit,
    EventType,
    LedgerEntry,
)

from . import binding
from ._events_fast import AMOUNT, Slow, ledger_events_fast, loads, narrative, t24_day, unknown_code

__all__ = ["parse_cloudevents", "parse_message", "parse_webhook"]

PLATFORM = "temenos"
Clock = Callable[[], datetime]
_REQUIRED = ("specversion", "id", "source", "type")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_webhook(
    headers: Mapping[str, str], body: bytes, *, source: str = PLATFORM, now: Clock = _utcnow
) -> list[CanonicalEvent]:
    """One webhook POST: a structured CloudEvent or batch, or a binary-mode event.

    Binary mode (``ce-*`` headers, ``data`` in the body) is told apart by ``binding``.
    """
    event = binding.from_http(headers, body)
    if event is None:
        return parse_cloudevents(body, source=source, now=now)
    return _event(event, body, "", now)


def parse_message(
    properties: Mapping[str, Any], body: bytes, *, source: str = PLATFORM, now: Clock = _utcnow
) -> list[CanonicalEvent]:
    """One queue message: a structured CloudEvent or batch, or a binary-mode event.

    ``properties`` as ``binding.from_amqp`` reads them (``content_type`` and the
    application properties, e.g. pika's ``headers``).
    """
    event = binding.from_amqp(properties, body)
    if event is None:
        return parse_cloudevents(body, source=source, now=now)
    return _event(event, body, "", now)


def parse_cloudevents(
    body: bytes, *, source: str = PLATFORM, now: Clock = _utcnow
) -> list[CanonicalEvent]:
    """Canonical events of one structured CloudEvent or batch.

    Raises:
        MalformedEventError: see the module docstring; ``attribute`` names the culprit
            (``specversion``, ``data.journalEntries[0].transactionAmount``, ...).
    """
    try:
        payload = loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        raise _bad("body is not valid JSON", body, "body") from None
    if isinstance(payload, list):
        if not payload:
            raise _bad("an empty batch holds no event", body, "body")
        return [e for i, item in enumerate(payload) for e in _event(item, body, f"[{i}].", now)]
    return _event(payload, body, "", now)


def _event(ce: Any, raw: bytes, at: str, now: Clock) -> list[CanonicalEvent]:
    """A transaction event on the fast path; anything else, or off it, on the checked one."""
    try:
        return ledger_events_fast(ce, now)
    except (Slow, ValidationError):
        return _one(ce, raw, at, now)


def _one(ce: Any, raw: bytes, at: str, now: Clock) -> list[CanonicalEvent]:
    if not isinstance(ce, dict):
        raise _bad("a CloudEvent is a JSON object", raw, at.rstrip(".") or "body")
    for name in _REQUIRED:
        value = ce.get(name)
        if not isinstance(value, str) or not value.strip():
            raise _bad(f"required attribute {name!r} is missing or empty", raw, at + name)
    if ce["specversion"] != "1.0":
        raise _bad(f"specversion {ce['specversion']!r} is not 1.0", raw, at + "specversion")
    time = _time(ce.get("time"), raw, at + "time") or now()
    data = ce.get("data")
    if not isinstance(data, dict):
        raise _bad("data is not a JSON object", raw, at + "data")
    kind = ".".join(str(ce["type"]).split(".")[-2:])
    ctx = _Ctx(raw, at + "data.", ce["source"], time, str(ce["id"]))
    if kind in ("credit.transactionExecuted", "debit.transactionExecuted"):
        credit = kind.startswith("credit")
        return [ctx.entry(data, "", CreditDebit.CRDT if credit else CreditDebit.DBIT)]
    if kind == "updateAccountingJournalEntries.accountingJournalEntriesUpdated":
        items = data.get("journalEntries")
        if not isinstance(items, list) or not items:
            raise _bad("journalEntries is missing or empty", raw, ctx.at + "journalEntries")
        return [ctx.entry(e, f"journalEntries[{i}].", None) for i, e in enumerate(items)]
    party = _text(data, "customerId")
    if kind == "createAccount.accountCreated":
        return [ctx.hint(EventType.ACCOUNT_OPENED, data, party, str(ce["type"]))]
    if kind.split(".")[-1].startswith("customer"):
        if party is None:
            raise _bad("a customer event needs customerId", raw, ctx.at + "customerId")
        return [ctx.hint(EventType.PARTY_UPDATED, data, party, str(ce["type"]))]
    fallback = EventType.ACCOUNT_ACTIVITY if _text(data, "accountId") else EventType.PARTY_ACTIVITY
    return [ctx.hint(fallback, data, party, str(ce["type"]))]


class _Ctx:
    """What every event built from one CloudEvent shares."""

    def __init__(self, raw: bytes, at: str, source: str, time: datetime, ce_id: str) -> None:
        self.raw, self.at, self.source, self.time, self.ce_id = raw, at, source, time, ce_id

    def entry(self, d: Any, where: str, direction: CreditDebit | None) -> CanonicalEvent:
        path = self.at + where
        if not isinstance(d, dict):
            raise _bad("an entry is a JSON object", self.raw, path.rstrip("."))
        amount = _amount(d, "transactionAmount", self.raw, path)
        if direction is None:
            indicator = (_text(d, "creditDebitIndicator") or "").upper()
            direction = {"CREDIT": CreditDebit.CRDT, "DEBIT": CreditDebit.DBIT}.get(
                indicator, CreditDebit.DBIT if amount < 0 else CreditDebit.CRDT
            )
        reference = _required(d, "entryReference", self.raw, path)
        account = _text(d, "accountId") or _required(d, "arrangementId", self.raw, path)
        booking = _day(d, "bookingDate", self.raw, path, required=True)
        assert booking is not None
        code = _text(d, "transactionCode")
        try:
            entry = LedgerEntry(
                platform=PLATFORM,
                source_id=_text(d, "transactionReference") or reference,
                id=reference,
                account_id=account,
                amount=abs(amount),
                currency=_required(d, "currency", self.raw, path),
                credit_debit=direction,
                booking_date=booking,
                value_date=_day(d, "valueDate", self.raw, path) or booking,
                bank_transaction_code=unknown_code(code),
                description=narrative(d),
                extra={"ce_id": self.ce_id},
            )
        except ValidationError as exc:  # data that passes the checks but breaks the model
            error = exc.errors()[0]
            key = _SOURCE_KEYS.get(str(error["loc"][0]), str(error["loc"][0]))
            raise _bad(f"{key} breaks the schema: {error['msg']}", self.raw, path + key) from None
        return CanonicalEvent.wrap(
            type=EventType.LEDGER_ENTRY_POSTED, platform=PLATFORM, source=self.source,
            key=f"entry:{reference}", time=self.time, subject=_text(d, "customerId"), data=entry,
        )  # fmt: skip

    def hint(
        self, kind: EventType, data: Mapping[str, Any], party: str | None, name: str
    ) -> CanonicalEvent:
        hints: dict[str, Any] = {
            k: v for k, v in data.items() if isinstance(v, (str, int, bool)) and k in _HINTS
        }
        hints |= {"party_id": party, "account_id": _text(data, "accountId"), "source_event": name}
        return CanonicalEvent.wrap(
            type=kind, platform=PLATFORM, source=self.source, key=f"ce:{self.ce_id}",
            time=self.time, subject=party, data=hints,
        )  # fmt: skip


#: LedgerEntry fields → the data key they come from, to name the culprit.
_SOURCE_KEYS = {"id": "entryReference", "account_id": "accountId",
                "source_id": "transactionReference", "description": "narratives"}  # fmt: skip
_HINTS = frozenset(
    {"productName", "productLine", "productGroup", "accountType", "accountOpeningDate",
     "arrangementId", "companyId", "currency"}
)  # fmt: skip


def _text(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def _required(d: Mapping[str, Any], key: str, raw: bytes, path: str) -> str:
    value = _text(d, key)
    if value is None:
        raise _bad(f"{key} is missing", raw, path + key)
    return value


def _amount(d: Mapping[str, Any], key: str, raw: bytes, path: str) -> Decimal:
    value = d.get(key)
    if not isinstance(value, str) or not AMOUNT.match(value.strip()):
        raise _bad(f"{key} is not a signed decimal string: {value!r}", raw, path + key)
    try:
        return Decimal(value.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise _bad(f"{key} is not a number", raw, path + key) from None


def _day(
    d: Mapping[str, Any], key: str, raw: bytes, path: str, *, required: bool = False
) -> date | None:
    value = _text(d, key)
    if value is None:
        if required:
            raise _bad(f"{key} is missing", raw, path + key)
        return None
    try:
        return t24_day(value)
    except ValueError:
        raise _bad(f"{key} is not a YYYYMMDD date: {value!r}", raw, path + key) from None


def _time(value: Any, raw: bytes, attribute: str) -> datetime | None:
    if value is None:
        return None
    stamp: datetime | None = None
    if isinstance(value, datetime):  # binary mode over AMQP: a native timestamp
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise _bad("time is not an RFC 3339 timestamp", raw, attribute)
    return stamp


def _bad(message: str, raw: bytes, attribute: str) -> MalformedEventError:
    return MalformedEventError(f"temenos: {message}", raw=raw, attribute=attribute)
