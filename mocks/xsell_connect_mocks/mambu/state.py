"""The Mambu mock's view of the bank: lookups by id or encodedKey, and the write overlay.

The bank never changes; what clients wrote lives in the framework's `MockStore`:

- ``clients``: customer number -> ``{"_xsell": {...}, "modified": datetime, "seq": int}``
- ``postings``: account number -> ``{"postings": [PostingSpec, ...]}`` (API-made postings)
- ``tasks``, ``comments``: their rendered records.

``encodedKey`` is a one-way hash, so reverse lookups use a registry filled as records are
rendered, and fall back to one scan of the bank for keys never rendered before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from xsell_connect_mocks.bank import SyntheticBank
from xsell_connect_mocks.bank.specs import (
    AccountSpec,
    CustomerSpec,
    PostingSpec,
    ProductSpec,
)
from xsell_connect_mocks.framework import MockStore
from xsell_connect_mocks.mambu import render, render_ledger
from xsell_connect_mocks.mambu.errors import MambuError
from xsell_connect_mocks.mambu.wire import encoded_key

__all__ = ["EPOCH", "FAR_FUTURE", "Keys", "MambuState"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class Keys:
    """``encodedKey`` derivation with a bounded reverse registry (key -> id).

    When the registry is full it is emptied; later lookups fall back to a scan.
    """

    CAPACITY: ClassVar[int] = 1_000_000

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._reverse: dict[str, str] = {}

    def key(self, kind: str, ident: str) -> str:
        """The encodedKey of (kind, id), remembered for `resolve`."""
        value = encoded_key(self._seed, kind, ident)
        if len(self._reverse) >= self.CAPACITY:
            self._reverse.clear()
        self._reverse[value] = ident
        return value

    def resolve(self, value: str) -> str | None:
        """The id a known encodedKey was derived from."""
        return self._reverse.get(value)

    def scan(self, kind: str, idents: Iterable[str], value: str) -> str | None:
        """Derive keys for `idents` until one equals `value` (registering them all)."""
        with self._lock:
            for ident in idents:
                if self.key(kind, ident) == value:
                    return ident
        return None


class MambuState:
    """Bank lookups, rendering and the write overlay, shared by every route module.

    Args:
        bank: The synthetic bank.
        store: The mock's write store.
        tenant_timezone: IANA zone of the tenant.
    """

    def __init__(self, bank: SyntheticBank, store: MockStore, tenant_timezone: str) -> None:
        self.bank = bank
        self.store = store
        self.tz: tzinfo = ZoneInfo(tenant_timezone)
        self.keys = Keys(bank.config.seed)
        self.ctx = render.RenderContext(tz=self.tz, key=self.keys.key, as_of=bank.config.as_of)
        self._posting_accounts: dict[str, str] = {}
        self._last_stamp = datetime.combine(bank.config.as_of + timedelta(days=1), time(), self.tz)

    # -- clock ------------------------------------------------------------------------

    def now(self) -> datetime:
        """Wall-clock time, never before the end of the bank's history, never repeating."""
        with self.store.lock:
            stamp = max(datetime.now(UTC), self._last_stamp + timedelta(microseconds=1))
            self._last_stamp = stamp
            return stamp

    def today(self) -> date:
        """Today in the tenant zone."""
        return datetime.now(self.tz).date()

    # -- clients ----------------------------------------------------------------------

    def client(self, ident: str) -> CustomerSpec:
        """The customer whose client id or encodedKey is `ident`.

        Raises:
            MambuError: 404 ``OBJECT_NOT_FOUND``.
        """
        spec = self.bank.customer_by_number(ident)
        if spec is None:
            number = self.keys.resolve(ident) or self.keys.scan(
                "client", (c.number for c in self.bank.customers()), ident
            )
            spec = self.bank.customer_by_number(number) if number else None
        if spec is None:
            raise MambuError("OBJECT_NOT_FOUND", f"client {ident}")
        return spec

    def overlay(self, number: str) -> dict[str, Any] | None:
        """What was written on a client, if anything."""
        return self.store.get("clients", number)

    def xsell(self, number: str) -> dict[str, str]:
        """The client's ``_xsell`` values (a copy)."""
        written = self.overlay(number)
        return dict(written["_xsell"]) if written else {}

    def write_xsell(self, number: str, values: dict[str, str]) -> None:
        """Replace the client's ``_xsell`` values and stamp ``lastModifiedDate``."""
        with self.store.lock:
            self.store.put(
                "clients",
                number,
                {
                    "_xsell": dict(values),
                    "modified": self.now(),
                    "seq": self.store.next_id("client_modifications"),
                },
            )

    def modified_desc(self) -> list[str]:
        """Numbers of clients changed through the API, latest change first."""
        rows = list(self.store.collection("clients").items())
        rows.sort(key=lambda item: (item[1]["modified"], item[1]["seq"]), reverse=True)
        return [number for number, _ in rows]

    def render_client(self, spec: CustomerSpec, *, details: bool) -> dict[str, Any]:
        """A client as Mambu renders it, with what was written on it."""
        written = self.overlay(spec.number)
        return render.client(
            spec,
            self.ctx,
            details=details,
            xsell=written["_xsell"] if written else None,
            modified=written["modified"] if written else None,
        )

    # -- accounts ---------------------------------------------------------------------

    def all_accounts(self) -> Iterator[AccountSpec]:
        """Every account of the bank, by customer index (a full scan)."""
        for index in range(self.bank.config.customers):
            yield from self.bank.accounts_of(index)

    def account(self, ident: str, *, loans: bool | None = None) -> AccountSpec:
        """The account whose id or encodedKey is `ident`.

        Args:
            ident: Account id or encodedKey.
            loans: True for loan accounts only, False for deposits only, None for both.

        Raises:
            MambuError: 404 ``OBJECT_NOT_FOUND``.
        """
        spec = self.bank.account(ident)
        if spec is None:
            number = self.keys.resolve(ident) or self.keys.scan(
                "account", (a.number for a in self.all_accounts()), ident
            )
            spec = self.bank.account(number) if number else None
        if (
            spec is None
            or not self.rendered(spec)
            or (loans is not None and self.is_loan(spec) != loans)
        ):
            raise MambuError("OBJECT_NOT_FOUND", f"account {ident}")
        return spec

    @staticmethod
    def is_loan(spec: AccountSpec | ProductSpec) -> bool:
        """Whether Mambu holds this account or product as a loan."""
        return spec.family in render.LOAN_FAMILIES

    @staticmethod
    def rendered(spec: AccountSpec | ProductSpec) -> bool:
        """Whether Mambu can hold this family at all (insurance it cannot)."""
        return spec.family in render.LOAN_FAMILIES or spec.family in render.DEPOSIT_FAMILIES

    def balance(self, spec: AccountSpec) -> Decimal:
        """The bank balance plus API-made postings."""
        extras = self.extra_postings(spec.number)
        return extras[-1].balance_after if extras else self.bank.balance(spec)

    def render_account(self, spec: AccountSpec) -> dict[str, Any]:
        """A deposit or loan account as Mambu renders it."""
        product = self.bank.product(spec.product_code)
        holder = self.bank.customer(spec.customer_index)
        build = render.loan if self.is_loan(spec) else render.deposit
        return build(spec, product, holder, self.balance(spec), self.ctx)

    # -- products ---------------------------------------------------------------------

    def products(self, *, loans: bool) -> list[ProductSpec]:
        """The catalogue's deposit or loan products."""
        return [p for p in self.bank.products if self.rendered(p) and self.is_loan(p) == loans]

    def product(self, ident: str, *, loans: bool) -> ProductSpec:
        """A product by id (code) or encodedKey.

        Raises:
            MambuError: 404 ``OBJECT_NOT_FOUND``.
        """
        for product in self.products(loans=loans):
            if ident in (product.code, self.keys.key("product", product.code)):
                return product
        raise MambuError("OBJECT_NOT_FOUND", f"product {ident}")

    # -- postings ---------------------------------------------------------------------

    def extra_postings(self, number: str) -> list[PostingSpec]:
        """Postings made through the API on an account, oldest first."""
        row = self.store.get("postings", number)
        return list(row["postings"]) if row else []

    def add_posting(
        self, spec: AccountSpec, make: Callable[[Decimal, str], PostingSpec]
    ) -> PostingSpec:
        """Append a posting built by `make(balance_before, id)` atomically."""
        with self.store.lock:
            ident = str(self.store.next_id("transactions", start=900_000_001))
            posting = make(self.balance(spec), ident)
            extras = [*self.extra_postings(spec.number), posting]
            self.store.put("postings", spec.number, {"postings": extras})
            self._remember(posting.id, spec.number)
            return posting

    def _remember(self, posting_id: str, number: str) -> None:
        if len(self._posting_accounts) >= Keys.CAPACITY:
            self._posting_accounts.clear()
        self._posting_accounts[posting_id] = number

    def postings(self, spec: AccountSpec) -> Iterator[PostingSpec]:
        """The account's postings, bank ones then API-made ones, oldest first."""
        yield from self.bank.postings(spec)
        yield from self.extra_postings(spec.number)

    def postings_between(self, start: datetime, end: datetime) -> Iterator[PostingSpec]:
        """Every posting booked in [start, end), bank ones then API-made ones."""
        yield from self.bank.postings_between(start, end)
        for row in list(self.store.collection("postings").values()):
            yield from (p for p in row["postings"] if start <= p.booked_at < end)

    def all_postings(self) -> Iterator[PostingSpec]:
        """Every posting (a full scan)."""
        return self.postings_between(EPOCH, FAR_FUTURE)

    def render_posting(
        self, posting: PostingSpec, spec: AccountSpec | None = None
    ) -> dict[str, Any]:
        """A transaction as Mambu renders it."""
        spec = spec or self.bank.account(posting.account_number)
        assert spec is not None
        self._remember(posting.id, spec.number)
        record = render_ledger.transaction(posting, spec, self.ctx, is_loan=self.is_loan(spec))
        external = self.store.get("external_ids", posting.id)
        if external is not None:
            record["externalId"] = external["externalId"]
        return record

    def posting(self, ident: str, *, loans: bool) -> tuple[PostingSpec, AccountSpec]:
        """A transaction by id or encodedKey.

        Raises:
            MambuError: 404 ``OBJECT_NOT_FOUND``.
        """
        ident = self.keys.resolve(ident) or ident
        # Bank posting ids are "<account number>-<sequence>": try that account first.
        number = self._posting_accounts.get(ident) or ident.partition("-")[0]
        candidates: Iterable[PostingSpec]
        if number is not None and (spec := self.bank.account(number)) is not None:
            candidates = self.postings(spec)
        else:
            candidates = self.all_postings()
        for posting in candidates:
            if ident in (posting.id, self.keys.key("transaction", posting.id)):
                account = self.bank.account(posting.account_number)
                if account is not None and self.is_loan(account) == loans:
                    return posting, account
                break
        raise MambuError("OBJECT_NOT_FOUND", f"transaction {ident}")

    def holder_number(self, spec: AccountSpec) -> str:
        """The client id of an account's holder."""
        return self.bank.customer(spec.customer_index).number
