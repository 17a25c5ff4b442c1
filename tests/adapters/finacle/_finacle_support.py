"""Shared helpers of the Finacle adapter tests: field fixtures and a mock-backed adapter."""

from __future__ import annotations

from pathlib import Path

from xsell_connect_finacle import FinacleAdapter
from xsell_connect_mocks.bank import BankConfig
from xsell_connect_mocks.finacle.harness import FinacleHarness

FIXTURES = Path(__file__).parent / "fixtures"
BANK = BankConfig(seed=11, customers=8)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def harness(transport: str = "fihttp") -> FinacleHarness:
    return FinacleHarness(BANK, transport=transport)


def adapter_for(h: FinacleHarness) -> FinacleAdapter:
    built = h.make_adapter()
    assert isinstance(built, FinacleAdapter)
    return built
