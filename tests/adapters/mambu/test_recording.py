"""Recording an adapter against a real server (the Mambu mock over loopback), then replay.

The cassette must hold no personal data seeded into the bank and no credentials; replay
must give the adapter the same answers without any server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from xsell_connect_mambu import MambuAdapter, MambuSettings
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.bank.specs import CustomerSpec
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.sync import iter_ledger_entries
from xsell_connect.testing.recording import PLACEHOLDER_HOST, recorder

API_KEY = "rec-secret-key-4711"


def _seeded_pii(bank: SyntheticBank, customer: CustomerSpec) -> set[str]:
    values = {
        customer.first_name,
        customer.last_name,
        customer.email,
        customer.mobile,
        customer.address_line,
        customer.postcode,
        customer.city,
    }
    if customer.birth_date:
        values.add(customer.birth_date.isoformat())
    values |= {a.number for a in bank.accounts_of(customer.index)}
    return {v for v in values if v and len(v) >= 3}


async def _read(adapter: MambuAdapter, party_id: str, until: datetime) -> dict[str, object]:
    party = await adapter.get_party(party_id)
    accounts = await adapter.list_accounts(party_id)
    entries = [
        e
        async for e in iter_ledger_entries(
            adapter, accounts[0].id, since=until - timedelta(days=30), until=until
        )
    ]
    return {
        "party": party.model_dump(mode="json", exclude={"extra"}),
        "accounts": [a.model_dump(mode="json") for a in accounts],
        "entries": [e.model_dump(mode="json") for e in entries],
    }


@pytest.fixture
def bank() -> SyntheticBank:
    return SyntheticBank(BankConfig(seed=5, customers=12))


async def test_recording_over_loopback_leaves_no_pii_or_secret_and_replays(
    bank: SyntheticBank, tmp_path: Path
) -> None:
    cassette = tmp_path / "mambu_read.json"
    customer = bank.customer(3)
    until = datetime.combine(bank.config.as_of, datetime.max.time(), tzinfo=UTC)
    mock = MambuMock(bank, api_keys={API_KEY})

    with ServerThread(mock) as server, recorder(cassette, platform="mambu", record_mode="all"):
        settings = MambuSettings(base_url=f"{server.url}/api", api_key=API_KEY)
        async with MambuAdapter.from_settings(settings) as adapter:
            recorded = await _read(adapter, customer.number, until)

    text = cassette.read_text(encoding="utf-8")
    leaked = sorted(v for v in _seeded_pii(bank, customer) if v in text)
    assert leaked == []
    assert API_KEY not in text
    assert "127.0.0.1" not in text
    assert PLACEHOLDER_HOST in text
    assert recorded["entries"], "the recording must cover ledger reads"

    # Replay with no server at all: the port is closed now.
    with recorder(cassette, platform="mambu", record_mode="none"):
        settings = MambuSettings(base_url=f"{server.url}/api", api_key="any-key")
        async with MambuAdapter.from_settings(settings) as adapter:
            first_party = await adapter.get_party(customer.number)
            replayed_accounts = await adapter.list_accounts(customer.number)
    assert first_party.id == customer.number
    assert first_party.given_name != customer.first_name  # pseudonymised
    assert len(replayed_accounts) == len(recorded["accounts"])  # type: ignore[arg-type]
    assert [a.balances for a in replayed_accounts] == [
        a.balances for a in (await _accounts_via_mock(bank, customer.number))
    ]


async def _accounts_via_mock(bank: SyntheticBank, party_id: str) -> tuple:  # type: ignore[type-arg]
    mock = MambuMock(bank)
    settings = MambuSettings(base_url=f"{mock.base_url}/api", api_key="test-api-key")
    async with MambuAdapter.from_settings(settings, transport=mock.transport()) as adapter:
        return await adapter.list_accounts(party_id)
