"""`SyntheticBank`: one deterministic bank, generated lazily, that every mock core renders.

Everything derives from ``BankConfig`` and an index: customer ``i`` is drawn from its
own random stream, its plan (accounts) from another, its postings from a third (see
`people`, `plan`, `ledger`). Nothing is generated until asked for and nothing
accumulates: a 100,000-customer bank holds only a few bounded LRU caches, so any
customer, account or posting is reachable in constant time and memory.

Identifiers (all digits, stable across runs):

- customer number ``100000000 + index`` (`customer_by_number` inverts it);
- account number ``<customer number><slot>``, slot 01 current, 02 savings, 03 term
  deposit, 04 card, 05 loan, 06 mortgage, 07 loan repaid in the window;
- posting id ``<account number>-<sequence>``.

Example:
    >>> bank = SyntheticBank(BankConfig(seed=7, customers=1000))
    >>> customer = bank.customer(42)
    >>> current = bank.accounts_of(42)[0]
    >>> bank.balance(current) == list(bank.postings(current))[-1].balance_after
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from heapq import merge

from xsell_connect_mocks.bank.catalog import build_catalog
from xsell_connect_mocks.bank.flows import build_ledger
from xsell_connect_mocks.bank.people import NUMBER_BASE, make_customer
from xsell_connect_mocks.bank.plan import Plan, make_plan
from xsell_connect_mocks.bank.specs import (
    AccountSpec,
    BankConfig,
    CustomerSpec,
    PostingSpec,
    ProductSpec,
)
from xsell_connect_mocks.bank.timeline import window_start

__all__ = ["SyntheticBank"]

_Ledger = dict[str, tuple[PostingSpec, ...]]


class SyntheticBank:
    """A seeded bank of customers, accounts, twelve months of postings and a catalog.

    Args:
        config: Seed, size, window and locale; same config, same bank.

    Attributes:
        config: The configuration.
        products: The product catalog, in a fixed order.
    """

    # Cache sizes bound memory (measured): a customer ~1.5 KB, a plan ~4 KB, a ledger
    # (a year of postings) ~370 KB; together at most ~20 MB however large the bank.
    _CUSTOMER_CACHE = 2048
    _PLAN_CACHE = 1024
    _LEDGER_CACHE = 32
    _BALANCE_CACHE = 8192

    def __init__(self, config: BankConfig = BankConfig()) -> None:  # noqa: B008 - frozen
        self.config = config
        self.products: tuple[ProductSpec, ...] = build_catalog(config)
        self._products = {p.code: p for p in self.products}
        # Per-instance caches, so two banks never share (or evict) each other's entries.
        self._customer: Callable[[int], CustomerSpec] = lru_cache(self._CUSTOMER_CACHE)(
            self._make_customer
        )
        self._plan: Callable[[int], Plan] = lru_cache(self._PLAN_CACHE)(self._make_plan)
        self._ledger: Callable[[int], _Ledger] = lru_cache(self._LEDGER_CACHE)(self._make_ledger)
        self._balance: Callable[[int, str], Decimal] = lru_cache(self._BALANCE_CACHE)(
            self._make_balance
        )

    def __len__(self) -> int:
        return self.config.customers

    # Products

    def product(self, code: str) -> ProductSpec:
        """The catalog product `code`.

        Raises:
            KeyError: No such product.
        """
        return self._products[code]

    # Customers

    def customer(self, index: int) -> CustomerSpec:
        """Customer `index` (0-based), generated alone in constant time.

        Raises:
            IndexError: `index` is outside 0..customers-1.
        """
        if not 0 <= index < self.config.customers:
            raise IndexError(f"customer index {index} outside 0..{self.config.customers - 1}")
        return self._customer(index)

    def customers(self, start: int = 0, stop: int | None = None) -> Iterator[CustomerSpec]:
        """Customers `start`..`stop`-1 in index (= creation) order, one at a time."""
        end = self.config.customers if stop is None else min(stop, self.config.customers)
        for index in range(max(start, 0), end):
            yield make_customer(self.config, index)  # bypass the cache: no eviction churn

    def customer_by_number(self, number: str) -> CustomerSpec | None:
        """The customer with this number, or None (numbers are ``100000000 + index``)."""
        index = _index(number, 9)
        return None if index is None or index >= self.config.customers else self._customer(index)

    # Accounts

    def accounts_of(self, index: int) -> tuple[AccountSpec, ...]:
        """Accounts of customer `index`, by account number (the current account first)."""
        self.customer(index)  # range check
        return self._plan(index).accounts

    def account(self, number: str) -> AccountSpec | None:
        """The account with this number, or None."""
        if len(number) != 11:
            return None
        index = _index(number[:9], 9)
        if index is None or index >= self.config.customers:
            return None
        return next((a for a in self._plan(index).accounts if a.number == number), None)

    # Postings

    def postings(self, account: AccountSpec) -> Iterator[PostingSpec]:
        """Postings of `account` in the window, by booking time."""
        return iter(self._ledger(account.customer_index)[account.number])

    def postings_of(self, index: int) -> Iterator[PostingSpec]:
        """All postings of customer `index`, merged by (booking time, id)."""
        ledger = self._ledger(index)
        return merge(*ledger.values(), key=lambda p: (p.booked_at, p.id))

    def postings_between(self, start: datetime, end: datetime) -> Iterator[PostingSpec]:
        """Postings booked in [start, end) across the bank, lazily.

        Ordered by customer index, then by booking time: a global time order would
        need every customer's ledger at once. Sort a short range yourself if needed.
        """
        first = window_start(self.config)
        if end.date() < first or start.date() > self.config.as_of:
            return
        for index in range(self.config.customers):
            for posting in self.postings_of(index):
                if start <= posting.booked_at < end:
                    yield posting

    def balance(self, account: AccountSpec) -> Decimal:
        """Balance at the end of the window (see `ledger` for the sign convention)."""
        return self._balance(account.customer_index, account.number)

    # Cache fillers

    def _make_customer(self, index: int) -> CustomerSpec:
        return make_customer(self.config, index)

    def _make_plan(self, index: int) -> Plan:
        return make_plan(self.config, self._customer(index), self._products)

    def _make_ledger(self, index: int) -> _Ledger:
        return build_ledger(self.config, self._plan(index))

    def _make_balance(self, index: int, number: str) -> Decimal:
        postings = self._ledger(index)[number]
        if postings:
            return postings[-1].balance_after
        return next(a.opening_balance for a in self._plan(index).accounts if a.number == number)


def _index(number: str, width: int) -> int | None:
    if len(number) != width or not number.isdigit():
        return None
    index = int(number) - NUMBER_BASE
    return index if index >= 0 else None
