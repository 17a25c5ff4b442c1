"""Enrich: the Customer 360 through the adapter, cached per decision, bounded concurrency."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from _brain_support import CURRENT, NOW, PARTY, account, party

from xsell_connect.adapter import Capability, CoreBankingAdapter, Page, PageRequest
from xsell_connect.errors import NotFoundError
from xsell_connect.models import Account, Channel, LedgerEntry, Party, ProductFamily
from xsell_connect.pipeline.enrich import Enricher, contact_history
from xsell_connect.pipeline.state import MemoryGovernanceState
from xsell_connect.policy import Policy


class Slow(CoreBankingAdapter):
    """Counts concurrent party reads; party "missing" does not exist."""

    platform = "fake"
    capabilities = frozenset(
        {Capability.GET_PARTY, Capability.LIST_ACCOUNTS, Capability.LIST_LEDGER_ENTRIES}
    )

    def __init__(self) -> None:
        self.active = self.peak = self.calls = 0

    async def get_party(self, party_id: str) -> Party:
        self.calls += 1
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(0.01)
        self.active -= 1
        if party_id == "missing":
            raise NotFoundError("party", party_id)
        return party(id=party_id)

    async def list_accounts(self, party_id: str) -> tuple[Account, ...]:
        return (account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "100"),)

    async def list_ledger_entries(
        self,
        account_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[LedgerEntry]:
        return Page(items=())


async def test_the_360_is_cached_per_decision_key() -> None:
    core = Slow()
    enricher = Enricher(core)
    first, again = await asyncio.gather(
        enricher.customer_360(PARTY, key="evt-1", now=NOW),
        enricher.customer_360(PARTY, key="evt-1", now=NOW),
    )
    assert first is again
    assert core.calls == 1
    await enricher.customer_360(PARTY, key="evt-2", now=NOW)
    assert core.calls == 2
    assert first.as_of == NOW


async def test_concurrency_is_bounded() -> None:
    core = Slow()
    enricher = Enricher(core, concurrency=3)
    await asyncio.gather(*(enricher.customer_360(str(i), key="k", now=NOW) for i in range(12)))
    assert core.peak == 3
    assert enricher.reads == 12


async def test_a_failed_read_is_not_cached() -> None:
    core = Slow()
    enricher = Enricher(core)
    for _ in range(2):
        with pytest.raises(NotFoundError):
            await enricher.customer_360("missing", key="k", now=NOW)
    assert core.calls == 2


def test_contact_history_counts_per_channel_in_the_policy_windows() -> None:
    state = MemoryGovernanceState()
    state.record_contact(PARTY, Channel.EMAIL, "X", at=NOW - timedelta(days=3))
    state.record_contact(PARTY, Channel.EMAIL, "Y", at=NOW - timedelta(days=45))
    history = contact_history(state, PARTY, Policy.load(), NOW)
    assert history == {"EMAIL": 1, "PHONE": 0, "PUSH": 0, "SMS": 0}
