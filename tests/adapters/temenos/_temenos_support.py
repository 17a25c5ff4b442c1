"""Shared builders for the Temenos adapter tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


#: One change that spoils a transaction event, and the attribute the error must name.
MALFORMED: list[tuple[Callable[[dict[str, Any]], object], str]] = [
    (lambda e: e.pop("id"), "id"),
    (lambda e: e.pop("source"), "source"),
    (lambda e: e.pop("type"), "type"),
    (lambda e: e.update(specversion="0.3"), "specversion"),
    (lambda e: e.update(time="yesterday"), "time"),
    (lambda e: e.update(data="not an object"), "data"),
    (lambda e: e["data"].update(transactionAmount="12,50"), "data.transactionAmount"),
    (lambda e: e["data"].update(transactionAmount=-12.5), "data.transactionAmount"),
    (lambda e: e["data"].update(bookingDate="2026-10-02"), "data.bookingDate"),
    (lambda e: e["data"].pop("entryReference"), "data.entryReference"),
    (lambda e: e["data"].update(currency="usd"), "data.currency"),  # breaks LedgerEntry
]
