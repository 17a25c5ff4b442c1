"""The Supervisor's memory on the store: ``GovernanceState`` over the pipeline's tables.

Reads answer the Supervisor (contact limits, suppression, open offers, breaker stats,
fairness tallies, the kill switch); the ``record_*`` writes are what the runner, the
outbox drainer and the Learn stage fill in. Writes that belong to a decision take the
caller's connection (``*_in``) so that they commit with the decision file.

A decision asks a dozen questions about one party (contacts per channel, open offers and
declines per candidate, the kill switch): ``for_party`` answers them all from ONE query,
read before the decision (``PartyGovernance``). The window aggregates (breaker statistics
over hours, fairness tallies over days) cover every party and grow with the store; with
``aggregate_seconds`` set, they are read at most that often and shared by the decisions
in between (0, the default: read on every call).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)

from xsell_connect.models import Channel
from xsell_connect.pipeline.state import FairnessDimension, GroupTally, PatternStats
from xsell_connect.store._sql import insert_ignore
from xsell_connect.store.schema import (
    contact_history,
    fairness_tallies,
    kill_switches,
    offer_responses,
    pattern_events,
    suppressions,
)

__all__ = ["OPEN", "PartyGovernance", "StoreGovernanceState"]

#: contact_history.status of an offer still awaiting a response.
OPEN = "open"


@dataclass
class _Cached:
    since: datetime
    read_at: float  # monotonic
    value: Any


class StoreGovernanceState:
    """``xsell_connect.pipeline.state.GovernanceState`` backed by the store.

    Args:
        engine: The store.
        aggregate_seconds: How long a window aggregate (``pattern_stats``,
            ``fairness_tallies``) may be reused, for a window that moved by no more than
            that; 0 reads it on every call.
        monotonic: The clock of that reuse (tests pass a fake one).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        aggregate_seconds: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self.aggregate_seconds = aggregate_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: dict[tuple[str, str], _Cached] = {}

    def _aggregate(self, key: tuple[str, str], since: datetime, read: Callable[[], Any]) -> Any:
        """``read()``, or its value from less than ``aggregate_seconds`` ago."""
        ttl = self.aggregate_seconds
        if ttl <= 0:
            return read()
        now = self._monotonic()
        with self._lock:
            hit = self._cached.get(key)
        if (
            hit is not None
            and now - hit.read_at < ttl
            and abs((since - hit.since).total_seconds()) < ttl
        ):
            return hit.value
        value = read()
        with self._lock:
            self._cached[key] = _Cached(since, now, value)
        return value

    def for_party(self, party_id: str) -> PartyGovernance:
        """The party's contacts, declines and the kill switches, in one query.

        Contacts are the party's non-holdout contact-history rows; declines, the latest
        per product.
        """
        with self._engine.connect() as connection:
            rows = connection.execute(_PARTY_GOVERNANCE, {"party_id": party_id}).all()
        return PartyGovernance(
            self,
            party_id,
            contacts=[(str(r.a), str(r.b), str(r.c), r.at) for r in rows if r.kind == "contact"],
            declines={str(r.b): r.at for r in rows if r.kind == "decline"},
            killed=frozenset(str(r.a) for r in rows if r.kind == "kill"),
        )

    def _scalar(self, stmt: Any) -> Any:
        with self._engine.connect() as connection:
            return connection.execute(stmt).scalar()

    # --- reads (the protocol) ---
    def contacts_since(self, party_id: str, channel: Channel, since: datetime) -> int:
        stmt = select(func.count()).where(
            contact_history.c.party_id == party_id,
            contact_history.c.channel == str(channel),
            contact_history.c.contacted_at >= since,
            contact_history.c.holdout.is_(False),
        )
        return int(self._scalar(stmt))

    def last_decline(self, party_id: str, product_code: str) -> datetime | None:
        stmt = select(func.max(offer_responses.c.at)).where(
            offer_responses.c.party_id == party_id,
            offer_responses.c.product_code == product_code,
            offer_responses.c.kind == "declined",
        )
        value: datetime | None = self._scalar(stmt)
        return value

    def has_open_offer(self, party_id: str, product_code: str) -> bool:
        stmt = select(func.count()).where(
            contact_history.c.party_id == party_id,
            contact_history.c.product_code == product_code,
            contact_history.c.status == OPEN,
            contact_history.c.holdout.is_(False),
        )
        return int(self._scalar(stmt)) > 0

    def pattern_stats(self, pattern: str, since: datetime) -> PatternStats:
        stats: PatternStats = self._aggregate(
            ("pattern", pattern), since, lambda: self._pattern_stats(pattern, since)
        )
        return stats

    def _pattern_stats(self, pattern: str, since: datetime) -> PatternStats:
        stmt = (
            select(pattern_events.c.kind, func.count())
            .where(pattern_events.c.pattern == pattern, pattern_events.c.at >= since)
            .group_by(pattern_events.c.kind)
        )
        with self._engine.connect() as connection:
            counts = {kind: int(n) for kind, n in connection.execute(stmt).all()}
        return PatternStats(
            writebacks=counts.get("writeback", 0) + counts.get("writeback_error", 0),
            writeback_errors=counts.get("writeback_error", 0),
            offers=counts.get("offer", 0),
            complaints=counts.get("complaint", 0),
            opt_outs=counts.get("opt_out", 0),
        )

    def fairness_tallies(
        self, dimension: FairnessDimension, since: datetime
    ) -> tuple[GroupTally, ...]:
        tallies: tuple[GroupTally, ...] = self._aggregate(
            ("fairness", dimension), since, lambda: self._fairness_tallies(dimension, since)
        )
        return tallies

    def _fairness_tallies(
        self, dimension: FairnessDimension, since: datetime
    ) -> tuple[GroupTally, ...]:
        column = (
            fairness_tallies.c.age_band if dimension == "age_band" else fairness_tallies.c.segment
        )
        # CASE, not CAST: PostgreSQL casts boolean to integer but not to bigint.
        offered = func.sum(case((fairness_tallies.c.offered, 1), else_=0))
        stmt = (
            select(column, func.count(), offered)
            .where(fairness_tallies.c.at >= since)
            .group_by(column)
            .order_by(column)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(stmt).all()
        return tuple(GroupTally(str(g), int(n), int(o or 0)) for g, n, o in rows)

    def kill_switch_engaged(self, pattern: str) -> bool:
        stmt = select(func.count()).where(kill_switches.c.pattern.in_(["*", pattern]))
        return int(self._scalar(stmt)) > 0

    # --- writes ---
    def record_event_in(
        self, connection: Connection, pattern: str, kind: str, at: datetime
    ) -> None:
        """A breaker input: writeback, writeback_error, offer, complaint or opt_out."""
        connection.execute(insert(pattern_events), {"pattern": pattern, "kind": kind, "at": at})

    def record_writeback(self, pattern: str, *, ok: bool, at: datetime) -> None:
        with self._engine.begin() as connection:
            self.record_event_in(connection, pattern, "writeback" if ok else "writeback_error", at)

    def record_writebacks_in(
        self, connection: Connection, calls: list[tuple[str, bool, datetime]]
    ) -> None:
        """``record_writeback`` of many ``(pattern, ok, at)`` calls, in one statement."""
        if calls:
            rows = [
                {"pattern": p, "kind": "writeback" if ok else "writeback_error", "at": at}
                for p, ok, at in calls
            ]
            connection.execute(insert(pattern_events), rows)

    def record_decision_in(
        self, connection: Connection, *, age_band: str, segment: str, offered: bool, at: datetime
    ) -> None:
        connection.execute(
            insert(fairness_tallies),
            {"age_band": age_band, "segment": segment, "offered": offered, "at": at},
        )

    def record_contact_in(self, connection: Connection, values: dict[str, Any]) -> bool:
        """One contact (an offer made, or a holdout's would-be offer); False if known."""
        row = {"status": OPEN, "followed_up": False, "holdout": False, **values}
        return insert_ignore(connection, contact_history, row, ["offer_id"])

    def suppress_in(
        self,
        connection: Connection,
        party_id: str,
        product_code: str,
        *,
        reason: str,
        since: datetime,
        until: datetime | None,
    ) -> None:
        """Suppress a product for a party until ``until`` (None: until lifted)."""
        connection.execute(
            delete(suppressions).where(
                suppressions.c.party_id == party_id, suppressions.c.product_code == product_code
            )
        )
        connection.execute(
            insert(suppressions).values(
                party_id=party_id,
                product_code=product_code,
                reason=reason,
                since=since,
                until=until,
            )
        )

    def engage_kill_switch(self, pattern: str = "*", *, by: str, at: datetime) -> None:
        with self._engine.begin() as connection:
            insert_ignore(
                connection,
                kill_switches,
                {"pattern": pattern, "engaged_at": at, "engaged_by": by},
                ["pattern"],
            )

    def release_kill_switch(self, pattern: str = "*") -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(kill_switches).where(kill_switches.c.pattern == pattern))

    def close_contact_in(
        self, connection: Connection, offer_id: str, status: str, at: datetime
    ) -> bool:
        stmt = (
            update(contact_history)
            .where(contact_history.c.offer_id == offer_id, contact_history.c.status == OPEN)
            .values(status=status, responded_at=at)
        )
        return connection.execute(stmt).rowcount == 1


class PartyGovernance:
    """``GovernanceState`` for a decision about one party, read by ``for_party``.

    Its answers about the party come from the rows read then; about another party, and the
    window aggregates, from the store (``StoreGovernanceState``).
    """

    def __init__(
        self,
        store: StoreGovernanceState,
        party_id: str,
        *,
        contacts: list[tuple[str, str, str, datetime]],  # channel, product, status, at
        declines: dict[str, datetime],
        killed: frozenset[str],
    ) -> None:
        self._store, self.party_id = store, party_id
        self._contacts, self._declines, self._killed = contacts, declines, killed

    def contacts_since(self, party_id: str, channel: Channel, since: datetime) -> int:
        if party_id != self.party_id:
            return self._store.contacts_since(party_id, channel, since)
        wanted = str(channel)
        return sum(1 for c, _, _, at in self._contacts if c == wanted and at >= since)

    def last_decline(self, party_id: str, product_code: str) -> datetime | None:
        if party_id != self.party_id:
            return self._store.last_decline(party_id, product_code)
        return self._declines.get(product_code)

    def has_open_offer(self, party_id: str, product_code: str) -> bool:
        if party_id != self.party_id:
            return self._store.has_open_offer(party_id, product_code)
        return any(p == product_code and s == OPEN for _, p, s, _ in self._contacts)

    def pattern_stats(self, pattern: str, since: datetime) -> PatternStats:
        return self._store.pattern_stats(pattern, since)

    def fairness_tallies(
        self, dimension: FairnessDimension, since: datetime
    ) -> tuple[GroupTally, ...]:
        return self._store.fairness_tallies(dimension, since)

    def kill_switch_engaged(self, pattern: str) -> bool:
        return "*" in self._killed or pattern in self._killed


def _party_governance() -> Any:
    """``for_party``'s one query, built once; the party is the ``party_id`` parameter."""
    party_id = bindparam("party_id", type_=String())
    ch, resp, kill = contact_history.c, offer_responses.c, kill_switches.c
    text = String()
    contacts = select(
        literal("contact", text).label("kind"),
        ch.channel.label("a"),
        ch.product_code.label("b"),
        ch.status.label("c"),
        ch.contacted_at.label("at"),
    ).where(ch.party_id == party_id, ch.holdout.is_(False))
    declines = (
        select(
            literal("decline", text),
            null().cast(text),
            resp.product_code,
            null().cast(text),
            func.max(resp.at),
        )
        .where(resp.party_id == party_id, resp.kind == "declined")
        .group_by(resp.product_code)
    )
    switches = select(
        literal("kill", text), kill.pattern, null().cast(text), null().cast(text),
        null().cast(ch.contacted_at.type),
    )  # fmt: skip
    return union_all(contacts, declines, switches)


_PARTY_GOVERNANCE = _party_governance()
