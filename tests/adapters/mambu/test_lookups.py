"""The adapter's lookups: cached once, and bounded, so a backfill does not grow with the bank."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _support import API_KEY, RecordingSleep, settings
from xsell_connect_mambu import MambuAdapter
from xsell_connect_mambu._lookups import LruCache
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.sync import sync_events


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: LruCache[int] = LruCache(size=2)
    cache["a"], cache["b"] = 1, 2
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache["c"] = 3

    assert ("a" in cache, "b" in cache, "c" in cache) == (True, False, True)
    assert len(cache) == 2


def test_a_missing_key_is_none() -> None:
    assert LruCache[str]().get("nobody") is None


@pytest.fixture
def mock() -> MambuMock:
    return MambuMock(SyntheticBank(BankConfig(customers=12, months=1)))


@pytest.fixture
async def adapter(mock: MambuMock) -> AsyncIterator[MambuAdapter]:
    core = MambuAdapter.from_settings(
        settings(base_url=f"{mock.base_url}/api", api_key=API_KEY),
        transport=mock.transport(),
        sleep=RecordingSleep(),
    )
    yield core
    await core.aclose()


async def _event_ids(adapter: MambuAdapter) -> list[str]:
    return [event.id async for event in sync_events(adapter, concurrency=2)]


async def test_a_sync_keeps_no_more_lookups_than_the_caches_hold(
    mock: MambuMock, adapter: MambuAdapter
) -> None:
    adapter.lookups.accounts.size = adapter.lookups.clients.size = 3

    await _event_ids(adapter)

    assert len(adapter.lookups.accounts) == 3
    assert len(adapter.lookups.clients) == 3


async def test_a_sync_through_small_caches_yields_the_same_events(
    mock: MambuMock, adapter: MambuAdapter
) -> None:
    expected = await _event_ids(adapter)
    small = MambuAdapter.from_settings(
        settings(base_url=f"{mock.base_url}/api", api_key=API_KEY),
        transport=mock.transport(),
        sleep=RecordingSleep(),
    )
    small.lookups.accounts.size = small.lookups.clients.size = 1
    async with small:
        assert await _event_ids(small) == expected


async def test_accounts_of_a_listed_client_are_read_without_reading_the_client_again(
    mock: MambuMock, adapter: MambuAdapter
) -> None:
    page = await adapter.list_parties()
    mock.journal.clear()

    accounts = await adapter.list_accounts(page.items[0].id)

    assert accounts
    assert mock.journal.entries(path_prefix="/api/clients") == []
    assert [e.path for e in mock.journal.entries(method="GET") if "products" not in e.path] == [
        "/api/deposits",
        "/api/loans",
    ]


async def test_accounts_of_a_client_not_met_yet_read_the_client_first(
    mock: MambuMock, adapter: MambuAdapter
) -> None:
    party_id = mock.bank.customer(3).number

    await adapter.list_accounts(party_id)

    paths = [e.path for e in mock.journal.entries() if "products" not in e.path]
    assert paths == [f"/api/clients/{party_id}", "/api/deposits", "/api/loans"]
