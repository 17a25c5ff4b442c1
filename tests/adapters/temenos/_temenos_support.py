"""Shared builders for the Temenos adapter tests."""

from __future__ import annotations

from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos import TemenosMock
from xsell_connect_temenos import TemenosAdapter, TemenosSettings

BASE = "https://iris.bank.example/api"
HEADERS = {"apikey": "test-api-key", "companyId": "GB0010001"}


async def no_wait(_: float) -> None:
    return None


def settings(base_url: str = BASE, **extra: object) -> TemenosSettings:
    return TemenosSettings(base_url=base_url, api_key="test-api-key", **extra)


def mock_and_adapter(customers: int = 12, **extra: object) -> tuple[TemenosMock, TemenosAdapter]:
    mock = TemenosMock(SyntheticBank(BankConfig(seed=5, customers=customers)))
    adapter = TemenosAdapter.from_settings(
        settings(f"{mock.base_url}/api", **extra), transport=mock.transport(), sleep=no_wait
    )
    return mock, adapter
