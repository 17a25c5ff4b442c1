"""What an adapter's author provides to run the conformance suite: a harness.

The harness knows how to build the adapter against a core (in CI, its mock core in
process) and what that core holds (``BankFacts``), and can show what the core recorded
of writes. The suite never asks "which platform is this?": platform differences are facts
the harness gives, as in fsspec's and SQLAlchemy's shipped suites.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ..adapter import CoreBankingAdapter

__all__ = ["BankFacts", "ConformanceHarness", "WriteKind"]

WriteKind = Literal["offer", "next_best_action", "audit_record"]


@dataclass(frozen=True)
class BankFacts:
    """What the core under test is known to hold.

    Attributes:
        party_count: how many parties a full walk must return.
        party_id: a party holding at least one account with postings in the window.
        missing_party_id: an id no party has.
        account_id: one of ``party_id``'s accounts with postings in the window.
        booked_balance: that account's booked balance now (signed, customer's side).
        window: ``(since, until)`` for ledger reads.
        entries_in_window: how many postings ``account_id`` has in the window.
        product_codes: every product code of the catalog.
        webhooks: sample inbound webhook requests (headers, body) the core sends.
        messages: sample inbound queue/stream messages (properties, body).
    """

    party_count: int
    party_id: str
    missing_party_id: str
    account_id: str
    booked_balance: Decimal
    window: tuple[datetime, datetime]
    entries_in_window: int
    product_codes: frozenset[str]
    webhooks: tuple[tuple[Mapping[str, str], bytes], ...] = ()
    messages: tuple[tuple[Mapping[str, Any], bytes], ...] = ()
    malformed_bodies: tuple[bytes, ...] = field(default=(b"{not json", b"[]", b'"a string"', b""))


class ConformanceHarness(ABC):
    """Builds an adapter against a core and reports what the core recorded."""

    platform: str

    @abstractmethod
    def make_adapter(self) -> CoreBankingAdapter:
        """A new adapter connected to the core (one per test)."""

    @abstractmethod
    def facts(self) -> BankFacts:
        """What the core holds; computed once per harness."""

    @abstractmethod
    def records_written(self, kind: WriteKind, party_id: str) -> int:
        """How many records of ``kind`` the core holds for the party (from its journal)."""

    @abstractmethod
    def lose_next_response(self, kind: WriteKind) -> None:
        """Make the core commit the next write of ``kind`` and then lose the answer."""

    @abstractmethod
    async def read_next_best_action(self, party_id: str) -> str | None:
        """The value the core holds in the party's Next_Best_Action field."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release anything the harness started."""
