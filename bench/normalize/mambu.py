"""Mambu: raw ``POST /deposits/transactions:search`` pages → ``CanonicalEvent``.

The path parses the raw bytes as the mock core serves them, with the adapter's own
decoder (``xsell_connect_mambu.client.loads``: Decimal amounts), maps each
record to ``LedgerEntry`` and wraps it into a ``CanonicalEvent``. The floor parses and
validates the same events from already-canonical JSON. Target ≥ 0.5 (a JSON core).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
from xsell_connect_mambu.client import loads
from xsell_connect_mambu.mapping import to_ledger_entry
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.models import CanonicalEvent, EventType, LedgerEntry, ProductFamily

TARGET = 0.5
__all__ = ["TARGET", "prepare"]
HEADERS = {"Accept": "application/vnd.mambu.v2+json", "apiKey": "test-api-key"}


async def _raw_pages(entries: int) -> list[bytes]:
    """Raw Mambu transaction pages (bytes, as on the wire) holding ``entries`` postings."""
    bank = SyntheticBank(BankConfig(seed=3, customers=max(10, entries // 300)))
    mock = MambuMock(bank)
    pages: list[bytes] = []
    total = 0
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as client:
        for customer in bank.customers():
            for account in bank.accounts_of(customer.index):
                if account.family.value not in {"CURRENT", "SAVINGS", "TERM_DEPOSIT"}:
                    continue
                body = {
                    "filterCriteria": [
                        {"field": "parentAccountID", "operator": "EQUALS", "value": account.number}
                    ],
                    "sortingCriteria": {"field": "creationDate", "order": "ASC"},
                }
                for offset in range(0, 10_000, 1000):
                    response = await client.post(
                        "/api/deposits/transactions:search",
                        params={"offset": offset, "limit": 1000, "detailsLevel": "FULL"},
                        json=body,
                        headers=HEADERS,
                    )
                    response.raise_for_status()
                    count = len(response.json())
                    if count:
                        pages.append(response.content)
                        total += count
                    if count < 1000 or total >= entries:
                        break
                if total >= entries:
                    return pages
    return pages


def _path(pages: list[bytes]) -> Callable[[], int]:
    tz = ZoneInfo("Europe/Paris")
    now = datetime(2026, 11, 1, tzinfo=UTC)

    def run() -> int:
        n = 0
        for page in pages:
            for raw in loads(page):
                entry = to_ledger_entry(
                    raw, "deposit", raw["parentAccountKey"], family=ProductFamily.CURRENT, tz=tz
                )
                CanonicalEvent.wrap(
                    type=EventType.LEDGER_ENTRY_POSTED,
                    platform="mambu",
                    source="urn:xsell-connect:mambu",
                    key=f"{entry.account_id}:{entry.id}",
                    time=entry.booked_at or now,
                    subject=None,
                    data=entry,
                )
                n += 1
        return n

    return run


def _floor(pages: list[bytes]) -> Callable[[], int]:
    tz = ZoneInfo("Europe/Paris")
    canonical: list[bytes] = []
    for page in pages:
        for raw in json.loads(page, parse_float=Decimal):
            entry = to_ledger_entry(
                raw, "deposit", raw["parentAccountKey"], family=ProductFamily.CURRENT, tz=tz
            )
            event = CanonicalEvent.wrap(
                type=EventType.LEDGER_ENTRY_POSTED,
                platform="mambu",
                source="urn:xsell-connect:mambu",
                key=entry.id,
                time=entry.booked_at or datetime(2026, 11, 1, tzinfo=UTC),
                subject=None,
                data=entry,
            )
            canonical.append(event.model_dump_json().encode())

    def run() -> int:
        for blob in canonical:
            event = CanonicalEvent.model_validate_json(blob)
            LedgerEntry.model_validate(event.data)
        return len(canonical)

    return run


def prepare(entries: int) -> tuple[Callable[[], int], Callable[[], int]]:
    """The path and the floor over the same ``entries`` raw Mambu postings."""
    pages = asyncio.run(_raw_pages(entries))
    return _path(pages), _floor(pages)
