"""Shared helpers of the Mambu adapter tests: fixtures on disk, settings, adapters, sleeps."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import respx
from xsell_connect_mambu import MambuAdapter, MambuSettings

from xsell_connect.models import ProductFamily

BASE = "https://acme.sandbox.mambu.com/api"
FIXTURES = Path(__file__).parent / "fixtures"
MEDIA_TYPE = "application/vnd.mambu.v2+json"
API_KEY = "test-api-key"
CREDIT_FAMILIES = frozenset({ProductFamily.CARD, ProductFamily.LOAN, ProductFamily.MORTGAGE})


def fixture(name: str) -> Any:
    """``fixtures/<name>.json``, numbers with a fraction as ``Decimal`` (as the client reads)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(), parse_float=Decimal)


def fixture_bytes(name: str, *, array: bool = False) -> bytes:
    """A fixture's bytes as Mambu would send them; ``array`` wraps one record in a list."""
    text = (FIXTURES / f"{name}.json").read_text()
    return (f"[{text}]" if array else text).encode()


def products_by_key() -> dict[str, Any]:
    """The fixture catalog by ``encodedKey``, as the adapter caches it."""
    rows = fixture("list_depositproducts") + fixture("list_loanproducts")
    return {row["encodedKey"]: row for row in rows}


def mambu_error(reason: str, source: str = "", code: int = 4) -> dict[str, Any]:
    """A Mambu error body."""
    return {"errors": [{"errorCode": code, "errorSource": source, "errorReason": reason}]}


class RecordingSleep:
    """Records the waits asked for and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)


def settings(**overrides: Any) -> MambuSettings:
    values: dict[str, Any] = {"base_url": BASE, "api_key": API_KEY} | overrides
    return MambuSettings(**values)


def respx_adapter(
    router: respx.MockRouter, sleep: RecordingSleep | None = None, **overrides: Any
) -> MambuAdapter:
    """An adapter whose HTTP goes to ``router``."""
    return MambuAdapter.from_settings(
        settings(**overrides),
        transport=httpx.MockTransport(router.async_handler),
        sleep=sleep or RecordingSleep(),
    )


def router() -> respx.MockRouter:
    return respx.MockRouter(base_url=BASE, assert_all_called=False)
