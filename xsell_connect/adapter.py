"""The adapter contract every core-banking platform implements.

An adapter turns one vendor's wire format into the canonical model and back. It
implements *primitives* only: one page of parties, one party, the accounts of a party, one
page of ledger entries, one page of products, the parsing of an inbound webhook or message,
and three idempotent writes. Everything derived from those — iterating every page, an
incremental sync, the Customer 360 — lives once in the core (``xsell_connect.sync``).

An adapter declares what it can do in ``capabilities``. A primitive it does not declare
raises ``CapabilityNotSupportedError``; the class refuses to be defined when a declared
capability has no implementation, or an implemented primitive is not declared. Vendor-only
extras are methods named ``ex_*``. Errors leave the adapter as the tree of
``xsell_connect.errors`` — a missing customer is always ``NotFoundError``.

Example::

    from xsell_connect import create_adapter

    async with create_adapter("mambu") as core:  # settings from XSELL_MAMBU_* variables
        party = await core.get_party("100000042")
        page = await core.list_ledger_entries(account.id, since=a_month_ago)
        receipt = await core.set_next_best_action(nba, idempotency_key=key)

Writes take an ``idempotency_key`` derived by the caller from what caused the write (never
a fresh random value per attempt): a retried call with the same key never creates a second
record in the core. A caller that knows no earlier call with the key can have reached the
core (the outbox drainer, on an effect's first claim) makes the call inside
``first_attempt()``; an adapter whose idempotency rests on looking for the record before
creating it may then skip that look (``is_first_attempt()``), but must look again before
any retry of its own.
"""

from __future__ import annotations

import contextlib
from abc import ABC
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

import httpx

from .errors import CapabilityNotSupportedError, ConfigurationError
from .models import (
    Account,
    AuditRecord,
    CanonicalEvent,
    LedgerEntry,
    NextBestAction,
    Offer,
    Party,
    Product,
    WriteReceipt,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "Capability",
    "CoreBankingAdapter",
    "Page",
    "PageRequest",
    "first_attempt",
    "is_first_attempt",
]

T = TypeVar("T")

#: Page size adapters ask for unless told otherwise (Mambu's convention; reference §7).
DEFAULT_PAGE_SIZE = 200

_FIRST_ATTEMPT: ContextVar[bool] = ContextVar("xsell_first_attempt", default=False)


@contextlib.contextmanager
def first_attempt() -> Iterator[None]:
    """Writes made inside are the first ever made with their idempotency keys (module doc)."""
    token = _FIRST_ATTEMPT.set(True)
    try:
        yield
    finally:
        _FIRST_ATTEMPT.reset(token)


def is_first_attempt() -> bool:
    """Whether the caller said no earlier call with this write's key reached the core."""
    return _FIRST_ATTEMPT.get()


class Capability(StrEnum):
    """What an adapter can do; each value names the primitive that provides it."""

    GET_PARTY = "get_party"
    LIST_PARTIES = "list_parties"
    LIST_ACCOUNTS = "list_accounts"
    LIST_LEDGER_ENTRIES = "list_ledger_entries"
    LIST_PRODUCTS = "list_products"
    PARSE_WEBHOOK = "parse_webhook"
    PARSE_MESSAGE = "parse_message"
    WRITE_OFFER = "write_offer"
    SET_NEXT_BEST_ACTION = "set_next_best_action"
    WRITE_AUDIT_RECORD = "write_audit_record"


@dataclass(frozen=True)
class PageRequest:
    """Which page to read. ``token`` is opaque and comes from the previous ``Page.next``."""

    token: str | None = None
    size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ConfigurationError(f"page size must be at least 1, not {self.size}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of records and how to ask for the next one (None at the end)."""

    items: tuple[T, ...]
    next: PageRequest | None = None


class CoreBankingAdapter(ABC):
    """Base class of every adapter. See the module docstring for the contract.

    Subclasses set ``platform`` and ``capabilities`` and override the primitives they
    declare. ``aclose`` releases the HTTP client; adapters are async context managers.
    """

    platform: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "__abstractmethods__", None) or not hasattr(cls, "platform"):
            return
        implemented = {
            cap
            for cap in Capability
            if getattr(cls, cap.value) is not getattr(CoreBankingAdapter, cap.value)
        }
        missing = sorted(c.value for c in cls.capabilities - implemented)
        undeclared = sorted(c.value for c in implemented - cls.capabilities)
        if missing or undeclared:
            raise TypeError(
                f"{cls.__name__}: capabilities and implementation disagree "
                f"(declared but not implemented: {missing}; implemented but not declared: "
                f"{undeclared})"
            )

    @property
    def event_source(self) -> str:
        """CloudEvents ``source`` of the events this adapter produces."""
        return f"urn:xsell-connect:{self.platform}"

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def _unsupported(self, capability: Capability) -> CapabilityNotSupportedError:
        return CapabilityNotSupportedError(self.platform, capability.value)

    # -- read ---------------------------------------------------------------------------

    async def get_party(self, party_id: str) -> Party:
        """One party by its customer number (or the core's key). Missing → NotFoundError."""
        raise self._unsupported(Capability.GET_PARTY)

    async def list_parties(self, page: PageRequest | None = None) -> Page[Party]:
        """One page of parties, in an order that is stable while the walk runs."""
        raise self._unsupported(Capability.LIST_PARTIES)

    async def list_accounts(self, party_id: str) -> tuple[Account, ...]:
        """Every account the party holds, open or closed. Unknown party → NotFoundError."""
        raise self._unsupported(Capability.LIST_ACCOUNTS)

    async def list_ledger_entries(
        self,
        account_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[LedgerEntry]:
        """One page of an account's postings booked in ``[since, until]``, oldest first.

        Pages may overlap (adapters re-read a few rows to survive drift); callers walk them
        with ``xsell_connect.sync.iter_ledger_entries``, which de-duplicates on entry id.
        """
        raise self._unsupported(Capability.LIST_LEDGER_ENTRIES)

    async def list_products(self, page: PageRequest | None = None) -> Page[Product]:
        """One page of the product catalog."""
        raise self._unsupported(Capability.LIST_PRODUCTS)

    # -- events -------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[CanonicalEvent]:
        """Canonical events from one inbound webhook request, verified by the caller.

        Raises MalformedEventError (with the raw body) when the body is not what the core
        sends. Never performs I/O.
        """
        raise self._unsupported(Capability.PARSE_WEBHOOK)

    def parse_message(self, properties: Mapping[str, Any], body: bytes) -> list[CanonicalEvent]:
        """Canonical events from one queue or stream message (AMQP, Mambu streaming, ...)."""
        raise self._unsupported(Capability.PARSE_MESSAGE)

    # -- write --------------------------------------------------------------------------

    async def write_offer(self, offer: Offer, *, idempotency_key: str) -> WriteReceipt:
        """Record the offer in the core. Same key → the same record, never a second one."""
        raise self._unsupported(Capability.WRITE_OFFER)

    async def set_next_best_action(
        self, nba: NextBestAction, *, idempotency_key: str
    ) -> WriteReceipt:
        """Set the party's Next_Best_Action field (and score / expiry where the core has them)."""
        raise self._unsupported(Capability.SET_NEXT_BEST_ACTION)

    async def write_audit_record(
        self, record: AuditRecord, *, idempotency_key: str
    ) -> WriteReceipt:
        """Append an AI_Interaction_Audit row for the party. Same key → no second row."""
        raise self._unsupported(Capability.WRITE_AUDIT_RECORD)

    # -- lifecycle ----------------------------------------------------------------------

    async def aclose(self) -> None:  # noqa: B027 - optional hook, nothing to release here
        """Release connections. Safe to call twice."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @classmethod
    def from_settings(
        cls, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> Self:
        """Build the adapter from its settings (environment when None) and an optional transport.

        Adapters override this; the transport lets tests and the mock cores run in process.
        """
        raise ConfigurationError(f"{cls.__name__} does not implement from_settings()")
