"""Temenos: raw Transact business events (CloudEvents 1.0 bytes) → ``CanonicalEvent``.

The path parses each ``accounts.{credit|debit}.transactionExecuted`` event as the mock
core publishes it (T24 ``YYYYMMDD`` dates, signed string amounts inside ``data``), checks
the envelope and the data, maps it to a ``LedgerEntry`` and wraps it. The floor parses and
validates the same events from already-canonical JSON. Target ≥ 0.5 (a JSON core).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos.outbound import posting_events
from xsell_connect_temenos.events import parse_cloudevents

from xsell_connect.models import CanonicalEvent, LedgerEntry

TARGET = 0.5
__all__ = ["TARGET", "prepare"]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _raw_events(entries: int) -> list[bytes]:
    """``entries`` transaction events, serialised as the mock publishes them."""
    bank = SyntheticBank(BankConfig(seed=3, customers=max(10, entries // 300)))
    out: list[bytes] = []
    for customer in bank.customers():
        for account in bank.accounts_of(customer.index):
            for posting in bank.postings(account):
                out.append(json.dumps(posting_events(posting, account, customer)[0]).encode())
                if len(out) >= entries:
                    return out
    return out


def _path(raw: list[bytes]) -> Callable[[], int]:
    def run() -> int:
        n = 0
        for body in raw:
            n += len(parse_cloudevents(body, now=lambda: NOW))
        return n

    return run


def _floor(raw: list[bytes]) -> Callable[[], int]:
    canonical = [e.model_dump_json().encode() for body in raw for e in parse_cloudevents(body)]

    def run() -> int:
        for blob in canonical:
            event = CanonicalEvent.model_validate_json(blob)
            LedgerEntry.model_validate(event.data)
        return len(canonical)

    return run


def prepare(entries: int) -> tuple[Callable[[], int], Callable[[], int]]:
    """The path and the floor over the same ``entries`` raw Temenos events."""
    raw = _raw_events(entries)
    return _path(raw), _floor(raw)
