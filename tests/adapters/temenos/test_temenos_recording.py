"""Recording the adapter against the Transact mock served on loopback, then replay.

The cassette must hold no personal data seeded into the bank and no credentials; replay
must give the adapter the same answers without any server.
"""

from __future__ import annotations

from pathlib import Path

from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.temenos import TemenosMock
from xsell_connect_temenos import TemenosAdapter, TemenosSettings

from xsell_connect.testing.recording import COMMON_PII_KEYS, PLACEHOLDER_HOST, ScrubRules, recorder

API_KEY = "rec-secret-key-4711"
#: Transact keys holding personal data beyond the common set: account numbers, post codes.
RULES = ScrubRules(pii_keys=COMMON_PII_KEYS | {"accountId", "postCode"})


async def test_recording_over_loopback_leaves_no_pii_or_secret_and_replays(tmp_path: Path) -> None:
    bank = SyntheticBank(BankConfig(seed=5, customers=12))
    customer = bank.customer(3)
    cassette = tmp_path / "temenos_read.json"
    mock = TemenosMock(bank)
    with (
        ServerThread(mock) as server,
        recorder(cassette, platform="temenos", record_mode="all", rules=RULES),
    ):
        settings = TemenosSettings(base_url=f"{server.url}/api", api_key=API_KEY)
        async with TemenosAdapter.from_settings(settings) as adapter:
            party = await adapter.get_party(customer.number)
            accounts = await adapter.list_accounts(customer.number)
            page = await adapter.list_ledger_entries(accounts[0].id)

    text = cassette.read_text(encoding="utf-8")
    seeded = {
        customer.first_name,
        customer.last_name,
        customer.email,
        customer.address_line,
        customer.city,
        customer.postcode,
        *(a.number for a in bank.accounts_of(3)),
    }
    if customer.birth_date:
        seeded.add(customer.birth_date.isoformat())
    assert sorted(v for v in seeded if v and len(v) >= 3 and v in text) == []
    assert API_KEY not in text
    assert "127.0.0.1" not in text
    assert PLACEHOLDER_HOST in text
    assert page.items, "the recording covers a ledger read"

    with recorder(cassette, platform="temenos", record_mode="none", rules=RULES):
        settings = TemenosSettings(base_url=f"{server.url}/api", api_key="any-key")
        async with TemenosAdapter.from_settings(settings) as adapter:
            replayed = await adapter.get_party(customer.number)
            replayed_accounts = await adapter.list_accounts(customer.number)
    assert replayed.id == party.id == customer.number
    assert replayed.type == party.type
    assert [a.balances for a in replayed_accounts] == [a.balances for a in accounts]
    assert [a.product_code for a in replayed_accounts] == [a.product_code for a in accounts]
