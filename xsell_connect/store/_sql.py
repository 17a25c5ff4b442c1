"""Small dialect-aware statements shared by the store's repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["claim_leased", "insert_ignore", "insert_ignore_many", "settle_leased"]

#: The statuses of a leased work queue (the inbox's and the outbox's share them).
PENDING, CLAIMED, FAILED = "pending", "claimed", "failed"


def insert_ignore(
    connection: Connection, table: Table, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """INSERT ... ON CONFLICT (keys) DO NOTHING; True if the row is new."""
    module: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    # RETURNING, not rowcount: drivers report -1 for an insert that returns rows.
    first = table.primary_key.columns.values()[0]
    return connection.execute(stmt.returning(first)).first() is not None


def insert_ignore_many(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> set[tuple[Any, ...]]:
    """INSERT ... ON CONFLICT (keys) DO NOTHING for many rows; the keys of the new ones.

    One executemany, which SQLAlchemy sends as multi-row INSERTs ("insertmanyvalues"):
    one round trip for a batch instead of one per row. The new rows are told by their
    returned keys, not by position: a skipped row returns nothing.
    """
    if not rows:
        return set()
    module: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    returned = connection.execute(stmt.returning(*(table.c[k] for k in keys)), list(rows))
    return {tuple(row) for row in returned}


def claim_leased(
    connection: Connection,
    table: Table,
    worker: str,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Row[Any]]:
    """Claim up to ``limit`` due rows of a leased work queue, oldest first.

    Due: ``pending`` or ``failed`` with ``available_at`` passed, or ``claimed`` under an
    expired lease (its worker died). ``FOR UPDATE SKIP LOCKED`` on PostgreSQL keeps
    concurrent workers off each other's rows; SQLite's write lock serialises claims.
    """
    c = table.c
    due = or_(
        and_(c.status.in_([PENDING, FAILED]), c.available_at <= now),
        and_(c.status == CLAIMED, c.lease_until < now),
    )
    chosen = (
        select(c.id)
        .where(due)
        .order_by(c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(table)
        .where(c.id.in_(chosen))
        .values(status=CLAIMED, claimed_by=worker, lease_until=now + lease, attempts=c.attempts + 1)
        .returning(*c)
    )
    return sorted(connection.execute(stmt).all(), key=lambda row: row.id)


def settle_leased(
    connection: Connection, table: Table, row_id: int, worker: str, values: dict[str, Any]
) -> bool:
    """Set ``values`` on a claimed row if ``worker`` still holds it (fencing)."""
    c = table.c
    stmt = (
        update(table)
        .where(c.id == row_id, c.status == CLAIMED, c.claimed_by == worker)
        .values(lease_until=None, **values)
    )
    return connection.execute(stmt).rowcount == 1
