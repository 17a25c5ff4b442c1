"""Derived operations over adapter primitives: walks, de-duplication, loop refusal, 360."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from xsell_connect.adapter import Capability, CoreBankingAdapter, Page, PageRequest
from xsell_connect.errors import PaginationLoopError
from xsell_connect.models import (
    Account,
    AccountHolder,
    AccountStatus,
    BankTransactionCode,
    CashAccountType,
    CreditDebit,
    EventType,
    LedgerEntry,
    Party,
    PartyStatus,
    PartyType,
    Product,
    ProductFamily,
)
from xsell_connect.sync import customer_360, iter_ledger_entries, iter_parties, sync_events

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def _party(i: int) -> Party:
    return Party(
        platform="fake", source_id=f"k{i}", id=str(i), type=PartyType.PERSON,
        status=PartyStatus.ACTIVE,
    )  # fmt: skip


def _entry(i: int) -> LedgerEntry:
    return LedgerEntry(
        platform="fake", source_id=f"e{i}", id=f"e{i}", account_id="A1", amount=Decimal(i),
        currency="EUR", credit_debit=CreditDebit.CRDT, booking_date=date(2026, 10, 1),
        value_date=date(2026, 10, 1), bank_transaction_code=BankTransactionCode.unknown(),
    )  # fmt: skip


class Fake(CoreBankingAdapter):
    """Ten parties, one account each; ledger pages of 4 that overlap by 2 (like Mambu's)."""

    platform = "fake"
    capabilities = frozenset(
        {Capability.GET_PARTY, Capability.LIST_PARTIES, Capability.LIST_ACCOUNTS,
         Capability.LIST_LEDGER_ENTRIES, Capability.LIST_PRODUCTS}
    )  # fmt: skip

    def __init__(self, *, loop_token: str | None = None) -> None:
        self.loop_token = loop_token

    async def get_party(self, party_id: str) -> Party:
        return _party(int(party_id))

    async def list_parties(self, page: PageRequest | None = None) -> Page[Party]:
        page = page or PageRequest()
        start = int(page.token or 0)
        items = tuple(_party(i) for i in range(start, min(start + page.size, 10)))
        if self.loop_token is not None:
            return Page(items, PageRequest(self.loop_token, page.size))
        more = start + page.size < 10
        return Page(items, PageRequest(str(start + page.size), page.size) if more else None)

    async def list_accounts(self, party_id: str) -> tuple[Account, ...]:
        return (
            Account(
                platform="fake", source_id="a", id=f"A{party_id}",
                holders=(AccountHolder(party_id=party_id),), product_code="P",
                family=ProductFamily.CURRENT, cash_account_type=CashAccountType.CACC,
                currency="EUR", status=AccountStatus.ENAB,
            ),
        )  # fmt: skip

    async def list_ledger_entries(
        self,
        account_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[LedgerEntry]:
        start = int((page or PageRequest()).token or 0)
        items = tuple(_entry(i) for i in range(start, min(start + 4, 11)))
        more = start + 4 < 11
        return Page(items, PageRequest(str(start + 2)) if more else None)

    async def list_products(self, page: PageRequest | None = None) -> Page[Product]:
        product = Product(
            platform="fake", source_id="p", code="P", name="P", family=ProductFamily.CURRENT,
            currency="EUR",
        )  # fmt: skip
        return Page((product,))


async def test_overlapping_ledger_pages_yield_each_entry_once_in_order() -> None:
    ids = [e.id async for e in iter_ledger_entries(Fake(), "A1")]
    assert ids == [f"e{i}" for i in range(11)]


async def test_walk_visits_every_party_once() -> None:
    assert [p.id async for p in iter_parties(Fake(), page_size=3)] == [str(i) for i in range(10)]


async def test_a_repeated_page_token_stops_the_walk() -> None:
    with pytest.raises(PaginationLoopError):
        _ = [p async for p in iter_parties(Fake(loop_token="3"), page_size=3)]


async def test_customer_360_gathers_accounts_and_their_ledgers() -> None:
    view = await customer_360(Fake(), "3")
    assert view.party.id == "3"
    assert [a.id for a in view.accounts] == ["A3"]
    assert len(view.entries_of("A3")) == 11


async def test_sync_emits_products_then_each_party_in_order_with_deterministic_ids() -> None:
    first = [e async for e in sync_events(Fake(), concurrency=3, clock=lambda: T0)]
    again = [e async for e in sync_events(Fake(), concurrency=3, clock=lambda: T0)]
    assert [e.id for e in first] == [e.id for e in again]
    assert first[0].type == EventType.PRODUCT_SYNCED
    parties = [e.subject for e in first if e.type == EventType.PARTY_SYNCED]
    assert parties == [str(i) for i in range(10)]
    assert sum(e.type == EventType.LEDGER_ENTRY_POSTED for e in first) == 10 * 11
    assert len({e.id for e in first}) == len(first)


async def test_sync_limit_reads_only_that_many_parties() -> None:
    events = [e async for e in sync_events(Fake(), limit=2, clock=lambda: T0)]
    assert [e.subject for e in events if e.type == EventType.PARTY_SYNCED] == ["0", "1"]
