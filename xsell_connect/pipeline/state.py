"""What the Supervisor reads about the past, and the catalog the Decide stage reads.

``GovernanceState`` is the seam between the decision brain and the store: contact history,
declines, open offers, write-back and response statistics per pattern, fairness tallies and
the kill switch. The store implements it over its tables; ``MemoryGovernanceState`` is the
in-memory version used by tests and shadow runs (it also has the ``record_*`` methods that
the store's outbox and Learn stage fill in for real).

All methods are synchronous and take aware datetimes. ``since`` bounds are inclusive.

    state = MemoryGovernanceState()
    state.record_contact("P1", Channel.EMAIL, "SAV01", at=now)
    state.contacts_since("P1", Channel.EMAIL, now - timedelta(days=30))   # -> 1

``Catalog`` is the product catalog with a version derived from the products' content, so a
decision file names the exact catalog it was taken against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from xsell_connect.models import Channel, Product

__all__ = [
    "Catalog",
    "FairnessDimension",
    "GovernanceState",
    "GroupTally",
    "MemoryGovernanceState",
    "PatternStats",
]

FairnessDimension = Literal["age_band", "segment"]


@dataclass(frozen=True)
class PatternStats:
    """What happened to one pattern's decisions in a window (for circuit breakers).

    ``writebacks``/``writeback_errors`` count calls to the core (an error is a call that
    failed after its retries or answered 5xx/timeout); ``offers`` counts offers delivered,
    ``complaints`` and ``opt_outs`` the responses of those kinds.
    """

    writebacks: int = 0
    writeback_errors: int = 0
    offers: int = 0
    complaints: int = 0
    opt_outs: int = 0


@dataclass(frozen=True)
class GroupTally:
    """Decisions taken and offers made for one group (an age band or a segment)."""

    group: str
    decisions: int
    offers: int

    @property
    def rate(self) -> float:
        return self.offers / self.decisions if self.decisions else 0.0


@runtime_checkable
class GovernanceState(Protocol):
    """The history the Supervisor consults. Implementations must be cheap to call per decision."""

    def contacts_since(self, party_id: str, channel: Channel, since: datetime) -> int:
        """How many times the party was contacted on ``channel`` at or after ``since``."""
        ...

    def last_decline(self, party_id: str, product_code: str) -> datetime | None:
        """When the party last declined an offer of ``product_code``, or None."""
        ...

    def has_open_offer(self, party_id: str, product_code: str) -> bool:
        """True while an offer of ``product_code`` to the party awaits a response."""
        ...

    def pattern_stats(self, pattern: str, since: datetime) -> PatternStats:
        """Write-back and response counts of ``pattern`` at or after ``since``."""
        ...

    def fairness_tallies(
        self, dimension: FairnessDimension, since: datetime
    ) -> tuple[GroupTally, ...]:
        """Decisions and offers per group of ``dimension`` at or after ``since``, by group."""
        ...

    def kill_switch_engaged(self, pattern: str) -> bool:
        """True when an operator stopped ``pattern`` (or every pattern) at run time."""
        ...


@dataclass
class _Event:
    at: datetime
    key: tuple[str, ...]


@dataclass
class MemoryGovernanceState:
    """``GovernanceState`` in memory, with ``record_*`` methods to fill it."""

    _contacts: list[_Event] = field(default_factory=list)
    _declines: dict[tuple[str, str], datetime] = field(default_factory=dict)
    _open: set[tuple[str, str]] = field(default_factory=set)
    _pattern: list[tuple[datetime, str, str]] = field(default_factory=list)
    _decisions: list[tuple[datetime, str, str, bool]] = field(default_factory=list)
    _killed: set[str] = field(default_factory=set)

    # --- reads (the protocol) ---
    def contacts_since(self, party_id: str, channel: Channel, since: datetime) -> int:
        key = (party_id, str(channel))
        return sum(1 for c in self._contacts if c.key == key and c.at >= since)

    def last_decline(self, party_id: str, product_code: str) -> datetime | None:
        return self._declines.get((party_id, product_code))

    def has_open_offer(self, party_id: str, product_code: str) -> bool:
        return (party_id, product_code) in self._open

    def pattern_stats(self, pattern: str, since: datetime) -> PatternStats:
        counts = {"writeback": 0, "writeback_error": 0, "offer": 0, "complaint": 0, "opt_out": 0}
        for at, name, kind in self._pattern:
            if name == pattern and at >= since:
                counts[kind] += 1
        return PatternStats(
            writebacks=counts["writeback"] + counts["writeback_error"],
            writeback_errors=counts["writeback_error"],
            offers=counts["offer"],
            complaints=counts["complaint"],
            opt_outs=counts["opt_out"],
        )

    def fairness_tallies(
        self, dimension: FairnessDimension, since: datetime
    ) -> tuple[GroupTally, ...]:
        decided: dict[str, int] = {}
        offered: dict[str, int] = {}
        for at, band, segment, was_offered in self._decisions:
            if at < since:
                continue
            group = band if dimension == "age_band" else segment
            decided[group] = decided.get(group, 0) + 1
            offered[group] = offered.get(group, 0) + int(was_offered)
        return tuple(GroupTally(g, decided[g], offered[g]) for g in sorted(decided))

    def kill_switch_engaged(self, pattern: str) -> bool:
        return "*" in self._killed or pattern in self._killed

    # --- writes (what the outbox and the Learn stage record) ---
    def record_contact(
        self, party_id: str, channel: Channel, product_code: str, *, at: datetime
    ) -> None:
        """An offer reached the party on ``channel``: counts toward contact limits, opens it."""
        self._contacts.append(_Event(at, (party_id, str(channel))))
        self._open.add((party_id, product_code))

    def record_response(
        self, party_id: str, product_code: str, kind: str, *, pattern: str, at: datetime
    ) -> None:
        """A response (``accepted|declined|expired|complained|opted_out``) closes the offer."""
        self._open.discard((party_id, product_code))
        if kind == "declined":
            self._declines[(party_id, product_code)] = at
        elif kind == "complained":
            self._pattern.append((at, pattern, "complaint"))
        elif kind == "opted_out":
            self._pattern.append((at, pattern, "opt_out"))

    def record_writeback(self, pattern: str, *, ok: bool, at: datetime) -> None:
        self._pattern.append((at, pattern, "writeback" if ok else "writeback_error"))

    def record_offer(self, pattern: str, *, at: datetime) -> None:
        self._pattern.append((at, pattern, "offer"))

    def record_decision(self, *, age_band: str, segment: str, offered: bool, at: datetime) -> None:
        """A decision reached governance for a party of ``age_band``/``segment``."""
        self._decisions.append((at, age_band, segment, offered))

    def engage_kill_switch(self, pattern: str = "*") -> None:
        self._killed.add(pattern)

    def release_kill_switch(self, pattern: str = "*") -> None:
        self._killed.discard(pattern)


@dataclass(frozen=True)
class Catalog:
    """The product catalog, keyed by code, with a content-derived ``version``."""

    products: Mapping[str, Product]
    version: str

    @classmethod
    def of(cls, products: Iterable[Product]) -> Catalog:
        """Build from products; the version is a digest of their canonical JSON, in code order."""
        by_code = {p.code: p for p in products}
        digest = hashlib.sha256()
        for code in sorted(by_code):
            digest.update(by_code[code].model_dump_json().encode())
            digest.update(b"\n")
        return cls(products=by_code, version="cat-" + digest.hexdigest()[:16])

    def get(self, code: str) -> Product | None:
        return self.products.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self.products

    def __len__(self) -> int:
        return len(self.products)

    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.products))
