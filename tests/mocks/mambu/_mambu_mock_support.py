"""Helpers shared by the Mambu mock tests (imported, not a conftest)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import httpx
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.mambu import MambuMock

MEDIA = "application/vnd.mambu.v2+json"
API_KEY = "test-api-key"
HEADERS = {"apiKey": API_KEY, "Accept": MEDIA}
CUSTOMERS = 60


@cache
def bank(customers: int = CUSTOMERS) -> SyntheticBank:
    """A small bank, shared across tests (the bank never changes)."""
    return SyntheticBank(BankConfig(customers=customers))


def make_mock(customers: int = CUSTOMERS, **options: Any) -> MambuMock:
    """A fresh mock over the shared bank."""
    return MambuMock(bank(customers), **options)


@asynccontextmanager
async def connect(mock: MambuMock, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client with the API key and the v2 Accept header."""
    async with httpx.AsyncClient(
        transport=mock.transport(), base_url=mock.base_url, headers={**HEADERS, **headers}
    ) as client:
        yield client


def basic(user: str, password: str) -> str:
    """An HTTP Basic Authorization header value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def error(response: httpx.Response) -> dict[str, Any]:
    """The single Mambu error of a response."""
    body = response.json()
    assert list(body) == ["errors"]
    assert len(body["errors"]) == 1
    entry: dict[str, Any] = body["errors"][0]
    return entry
