"""Derived operations, written once over any adapter's primitives.

Every walk goes through ``iterate_pages``, which refuses a page token it has already
seen, so a core that hands back the same token cannot loop us forever. Ledger pages may
overlap (adapters re-read a few rows to survive records changing under the cursor):
``iter_ledger_entries`` de-duplicates on entry id with a bounded window, so memory stays
flat however long the history.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar, cast

from .adapter import DEFAULT_PAGE_SIZE, CoreBankingAdapter, Page, PageRequest
from .http.pagination import iterate_pages
from .models import Account, CanonicalEvent, EventType, LedgerEntry, Party, Product

__all__ = [
    "Customer360",
    "customer_360",
    "iter_ledger_entries",
    "iter_parties",
    "iter_products",
    "sync_events",
]

T = TypeVar("T")
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _walk(fetch: Callable[[PageRequest], Awaitable[Page[T]]], page_size: int) -> AsyncIterator[T]:
    async def fetch_token(token: str | None) -> tuple[Sequence[T], str | None]:
        page = await fetch(PageRequest(token=token, size=page_size))
        return page.items, page.next.token if page.next else None

    return iterate_pages(fetch_token)


def iter_parties(
    adapter: CoreBankingAdapter, *, page_size: int = DEFAULT_PAGE_SIZE
) -> AsyncIterator[Party]:
    """Every party of the core, page by page."""
    return _walk(adapter.list_parties, page_size)


def iter_products(
    adapter: CoreBankingAdapter, *, page_size: int = DEFAULT_PAGE_SIZE
) -> AsyncIterator[Product]:
    """The whole product catalog."""
    return _walk(adapter.list_products, page_size)


async def iter_ledger_entries(
    adapter: CoreBankingAdapter,
    account_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> AsyncIterator[LedgerEntry]:
    """An account's postings in ``[since, until]``, oldest first, each exactly once."""

    async def fetch(page: PageRequest) -> Page[LedgerEntry]:
        return await adapter.list_ledger_entries(account_id, since=since, until=until, page=page)

    # Overlaps are at most one page deep, so remembering two pages' ids is enough.
    recent: deque[str] = deque(maxlen=2 * page_size)
    seen: set[str] = set()
    async for entry in _walk(fetch, page_size):
        if entry.id in seen:
            continue
        if len(recent) == recent.maxlen:
            seen.discard(recent[0])
        recent.append(entry.id)
        seen.add(entry.id)
        yield entry


@dataclass(frozen=True)
class Customer360:
    """What the core knows of one customer at a moment: the party, holdings, recent postings."""

    party: Party
    accounts: tuple[Account, ...]
    entries: dict[str, tuple[LedgerEntry, ...]] = field(default_factory=dict)
    as_of: datetime = field(default_factory=_utcnow)

    def entries_of(self, account_id: str) -> tuple[LedgerEntry, ...]:
        return self.entries.get(account_id, ())


async def customer_360(
    adapter: CoreBankingAdapter,
    party_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    concurrency: int = 4,
    clock: Clock = _utcnow,
) -> Customer360:
    """Assemble the Customer 360 through the adapter, reading accounts' ledgers concurrently.

    The party and its accounts are read at the same time (the accounts read again under
    the party's own id, should the core answer with another one).
    """
    read = await asyncio.gather(
        adapter.get_party(party_id), adapter.list_accounts(party_id), return_exceptions=True
    )
    for outcome in read:  # the party's error first, as when they were read in turn
        if isinstance(outcome, BaseException):
            raise outcome
    party, accounts = cast(Party, read[0]), cast(tuple[Account, ...], read[1])
    if party.id != party_id:
        accounts = await adapter.list_accounts(party.id)
    gate = asyncio.Semaphore(concurrency)

    async def ledger(account: Account) -> tuple[str, tuple[LedgerEntry, ...]]:
        async with gate:
            found = [
                e async for e in iter_ledger_entries(adapter, account.id, since=since, until=until)
            ]
        return account.id, tuple(found)

    pairs = await asyncio.gather(*(ledger(a) for a in accounts))
    return Customer360(party=party, accounts=accounts, entries=dict(pairs), as_of=clock())


def _event(
    adapter: CoreBankingAdapter,
    kind: EventType,
    key: str,
    subject: str | None,
    time: datetime,
    data: Party | Account | LedgerEntry | Product,
) -> CanonicalEvent:
    return CanonicalEvent.wrap(
        type=kind,
        platform=adapter.platform,
        source=adapter.event_source,
        key=key,
        time=time,
        subject=subject,
        data=data,
    )


async def _party_events(
    adapter: CoreBankingAdapter,
    party: Party,
    since: datetime | None,
    until: datetime | None,
    synced_at: datetime,
) -> list[CanonicalEvent]:
    events = [_event(adapter, EventType.PARTY_SYNCED, party.id, party.id, synced_at, party)]
    for account in await adapter.list_accounts(party.id):
        events.append(
            _event(adapter, EventType.ACCOUNT_SYNCED, account.id, party.id, synced_at, account)
        )
        async for entry in iter_ledger_entries(adapter, account.id, since=since, until=until):
            when = entry.booked_at or synced_at
            key = f"{account.id}:{entry.id}"
            events.append(
                _event(adapter, EventType.LEDGER_ENTRY_POSTED, key, party.id, when, entry)
            )
    return events


async def sync_events(
    adapter: CoreBankingAdapter,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    clock: Clock = _utcnow,
) -> AsyncIterator[CanonicalEvent]:
    """Read products, then each party with its accounts and postings, as canonical events.

    Parties are read ``concurrency`` at a time and yielded in the core's order; at most
    that many parties' events are held in memory, so a sync of any size runs in flat memory.
    Event ids are deterministic, so a repeated sync yields the same ids.
    """
    synced_at = clock()
    async for product in iter_products(adapter, page_size=page_size):
        yield _event(adapter, EventType.PRODUCT_SYNCED, product.code, None, synced_at, product)

    window: deque[asyncio.Task[list[CanonicalEvent]]] = deque()
    count = 0
    try:
        async for party in iter_parties(adapter, page_size=page_size):
            if limit is not None and count >= limit:
                break
            count += 1
            window.append(
                asyncio.create_task(_party_events(adapter, party, since, until, synced_at))
            )
            if len(window) >= concurrency:
                for event in await window.popleft():
                    yield event
        while window:
            for event in await window.popleft():
                yield event
    finally:
        for task in window:
            task.cancel()
