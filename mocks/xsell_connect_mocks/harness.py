"""Conformance harnesses: each adapter wired to its mock core, in process.

Each platform's harness lives beside its mock, in
``xsell_connect_mocks.<platform>.harness``, and is named in ``HARNESSES``;
``harness_for(platform)`` is what ``tests/conformance/`` parametrises over. A registered
adapter with no harness fails the conformance run on purpose: a new adapter is not done
until it passes the suite against its mock.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from xsell_connect.testing.harness import ConformanceHarness
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.bank.specs import AccountSpec, Family

__all__ = ["CONFORMANCE_BANK", "HARNESSES", "conformance_window", "harness_for", "pick_account"]

#: Small enough for a fast suite, large enough for several pages of every list.
CONFORMANCE_BANK = BankConfig(seed=11, customers=40)
WINDOW_DAYS = 60


def conformance_window(bank: SyntheticBank) -> tuple[datetime, datetime]:
    """The last WINDOW_DAYS of the bank's history, as aware UTC bounds."""
    until = datetime.combine(bank.config.as_of, time(23, 59, 59), tzinfo=UTC)
    return until - timedelta(days=WINDOW_DAYS), until


def pick_account(bank: SyntheticBank, since: datetime, until: datetime) -> AccountSpec:
    """The first customer's current account with postings in the window."""
    for customer in bank.customers():
        for account in bank.accounts_of(customer.index):
            if account.family is Family.CURRENT and any(
                since <= p.booked_at <= until for p in bank.postings(account)
            ):
                return account
    raise LookupError("the conformance bank has no current account with postings")


#: Platform -> "module:Class" of its harness, imported on demand (as the mock registry does).
HARNESSES: dict[str, str] = {
    "finacle": "xsell_connect_mocks.finacle.harness:FinacleHarness",
    "mambu": "xsell_connect_mocks.mambu.harness:MambuHarness",
    "flexcube": "xsell_connect_mocks.flexcube.harness:FlexcubeHarness",
    "temenos": "xsell_connect_mocks.temenos.harness:TemenosHarness",
}


def harness_for(platform: str, config: BankConfig = CONFORMANCE_BANK) -> ConformanceHarness:
    """A fresh harness (a new mock core over a new bank built from ``config``)."""
    try:
        target = HARNESSES[platform]
    except KeyError:
        raise LookupError(
            f"adapter {platform!r} has no conformance harness against a mock core"
        ) from None
    module_name, _, class_name = target.partition(":")
    harness_class: Callable[[BankConfig], ConformanceHarness] = getattr(
        importlib.import_module(module_name), class_name
    )
    return harness_class(config)
