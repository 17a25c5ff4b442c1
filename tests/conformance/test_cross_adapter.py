"""The cross-adapter invariant (DESIGN §4).

Every mock core renders the same synthetic bank in its own vendor's wire format, so
reading that bank through any adapter must give the same canonical facts: the same
parties, holdings and booked balances, postings and catalog, up to platform ids. Mambu
is the reference; each other installed adapter is compared with it, field by field.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from xsell_connect_mocks.bank import BankConfig
from xsell_connect_mocks.harness import harness_for

from xsell_connect.models import BalanceType, CreditDebit, PartyType, ProductFamily
from xsell_connect.registry import available_adapters
from xsell_connect.sync import iter_ledger_entries, iter_parties, iter_products
from xsell_connect.testing import ConformanceHarness

#: Its own seed, so that the invariant is not tuned to the conformance bank.
INVARIANT_BANK = BankConfig(seed=23, customers=12)
REFERENCE = "mambu"

PartyFacts = tuple[PartyType, str | None, str | None, str | None, date | None]
HoldingFacts = tuple[str, ProductFamily, str, Decimal | None]
PostingFacts = tuple[date, Decimal, CreditDebit, str]
ProductFacts = tuple[str, ProductFamily, str]


@dataclass(frozen=True)
class BankView:
    """What an adapter says about the bank, with every platform id left out."""

    parties: tuple[PartyFacts, ...]
    holdings: tuple[tuple[HoldingFacts, ...], ...]  # per party, in party order
    postings: tuple[tuple[PostingFacts, ...], ...]  # per holding, in holding order
    products: tuple[ProductFacts, ...]


async def read_view(harness: ConformanceHarness) -> BankView:
    since, until = harness.facts().window
    async with harness.make_adapter() as adapter:
        parties = [p async for p in iter_parties(adapter)]
        parties.sort(key=lambda p: (p.family_name or "", p.given_name or "", p.birth_date or 0))
        holdings: list[tuple[HoldingFacts, ...]] = []
        postings: list[tuple[PostingFacts, ...]] = []
        for party in parties:
            accounts = sorted(
                await adapter.list_accounts(party.id),
                key=lambda a: (a.product_code, a.opened_on or date.min, a.currency),
            )
            holdings.append(
                tuple(
                    (a.product_code, a.family, a.currency, a.balance(BalanceType.ITBD))
                    for a in accounts
                )
            )
            for account in accounts:
                entries = iter_ledger_entries(adapter, account.id, since=since, until=until)
                found = [
                    (e.booking_date, e.amount, e.credit_debit, e.currency) async for e in entries
                ]
                postings.append(tuple(sorted(found)))
        products = sorted([(p.code, p.family, p.currency) async for p in iter_products(adapter)])
    return BankView(
        parties=tuple(
            (p.type, p.given_name, p.family_name, p.legal_name, p.birth_date) for p in parties
        ),
        holdings=tuple(holdings),
        postings=tuple(postings),
        products=tuple(products),
    )


def _platforms() -> list[str]:
    return [info.name for info in available_adapters() if info.installed]


def view_of(platform: str) -> BankView:
    harness = harness_for(platform, INVARIANT_BANK)
    try:
        return asyncio.run(read_view(harness))
    finally:
        harness.close()


@pytest.fixture(scope="module")
def reference_view() -> BankView:
    return view_of(REFERENCE)


def test_the_reference_view_covers_the_whole_bank(reference_view: BankView) -> None:
    assert len(reference_view.parties) == INVARIANT_BANK.customers
    assert len(reference_view.holdings) == INVARIANT_BANK.customers
    assert all(reference_view.holdings), "every customer holds at least one account"
    assert sum(len(p) for p in reference_view.postings) > INVARIANT_BANK.customers
    assert reference_view.products


@pytest.mark.parametrize("platform", _platforms())
def test_every_adapter_reads_the_same_bank(platform: str, reference_view: BankView) -> None:
    view = view_of(platform)
    # Compared part by part, so that a failure says which facts differ.
    assert view.products == reference_view.products
    assert view.parties == reference_view.parties
    assert view.holdings == reference_view.holdings
    assert view.postings == reference_view.postings
