"""Which mock cores exist, and how to build one over a synthetic bank.

Mocks are named by import path and imported on demand, so listing them costs nothing
and a broken mock does not break the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultRule, MockCore

__all__ = ["MOCKS", "available_mocks", "create_mock"]

MOCKS: dict[str, str] = {
    "finacle": "xsell_connect_mocks.finacle:FinacleMock",
    "mambu": "xsell_connect_mocks.mambu:MambuMock",
    "flexcube": "xsell_connect_mocks.flexcube:FlexcubeMock",
    "temenos": "xsell_connect_mocks.temenos:TemenosMock",
}


def available_mocks() -> list[str]:
    """Platform names that `create_mock` accepts, sorted."""
    return sorted(MOCKS)


def create_mock(
    platform: str,
    *,
    customers: int = 1000,
    seed: int = 7,
    faults: Sequence[FaultRule] = (),
    **bank_options: Any,
) -> MockCore:
    """Build the mock core of `platform` over a fresh synthetic bank.

    Args:
        platform: A name from `available_mocks`, e.g. "mambu".
        customers: Number of customers in the bank.
        seed: Bank seed (also seeds the fault draws).
        faults: Fault rules armed from the start.
        **bank_options: Other `BankConfig` fields (months, as_of, currency, ...).

    Raises:
        ValueError: Unknown platform.
    """
    try:
        target = MOCKS[platform.lower()]
    except KeyError:
        known = ", ".join(available_mocks())
        raise ValueError(f"unknown mock platform {platform!r}; known: {known}") from None
    module_name, _, class_name = target.partition(":")
    mock_class: type[MockCore] = getattr(importlib.import_module(module_name), class_name)
    bank = SyntheticBank(BankConfig(seed=seed, customers=customers, **bank_options))
    return mock_class(bank, faults=faults, fault_seed=seed)
