"""The Supervisor's memory on the store: ``GovernanceState`` over the pipeline's tables.

Reads answer the Supervisor (contact limits, suppression, open offers, breaker stats,
fairness tallies, the kill switch); the ``record_*`` writes are what the runner, the
outbox drainer and the Learn stage fill in. Writes that belong to a decision take the
caller's connection (``*_in``) so that they commit with the decision file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, delete, func, insert, select, update

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

__all__ = ["OPEN", "StoreGovernanceState"]

#: contact_history.status of an offer still awaiting a response.
OPEN = "open"


class StoreGovernanceState:
    """``xsell_connect.pipeline.state.GovernanceState`` backed by the store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

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
        connection.execute(insert(pattern_events).values(pattern=pattern, kind=kind, at=at))

    def record_writeback(self, pattern: str, *, ok: bool, at: datetime) -> None:
        with self._engine.begin() as connection:
            self.record_event_in(connection, pattern, "writeback" if ok else "writeback_error", at)

    def record_decision_in(
        self, connection: Connection, *, age_band: str, segment: str, offered: bool, at: datetime
    ) -> None:
        connection.execute(
            insert(fairness_tallies).values(
                age_band=age_band, segment=segment, offered=offered, at=at
            )
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
