"""Small dialect-aware statements shared by the store's repositories."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Row, Table, and_, or_, select, update
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
    """INSERT ... ON CONFLICT (keys) DO NOTHING for many rows in one statement; their keys.

    Returns the keys of the rows that were new (a skipped row returns nothing, so they are
    told by key, not by position). Every row has the same columns.

    On PostgreSQL (psycopg) this is one ``INSERT ... SELECT FROM ROWS FROM (unnest(...))``
    with one array parameter per column, sent in binary: the statement's text does not
    change with the number of rows, and no value is escaped into an array literal. The
    multi-row ``VALUES`` that SQLAlchemy's "insertmanyvalues" writes (what SQLite gets)
    is new text for each batch size, and psycopg caches the parsing of no statement with
    over 50 parameters: it split that text with its regular expression again on every
    batch, which was half of the CPU of a webhook's commit.
    """
    if not rows:
        return set()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        columns = tuple(rows[0])
        sql = _unnest_insert(connection.dialect, table, columns, tuple(keys))
        params = _arrays(connection.dialect, table, columns, rows)
        return {tuple(row) for row in connection.exec_driver_sql(sql, params)}
    module: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = module.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    returned = connection.execute(insert.returning(*(table.c[k] for k in keys)), list(rows))
    return {tuple(row) for row in returned}


@functools.lru_cache(maxsize=32)
def _unnest_insert(
    dialect: Dialect, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> str:
    """The statement, with psycopg placeholders: ``%(name)b`` asks for a binary parameter."""
    quote = dialect.identifier_preparer.quote
    # ROWS FROM zips one set-returning function per column: unnest() of a typed array, or
    # json_array_elements() of one JSON array (as text) for a JSON column.
    sources = ", ".join(
        f"json_array_elements(CAST(%({name})s AS JSON))"
        if isinstance(table.c[name].type, JSON)
        else f"unnest(CAST(%({name})b AS {table.c[name].type.compile(dialect=dialect)}[]))"
        for name in columns
    )
    keys_list = ", ".join(quote(k) for k in keys)
    # Identifiers come from the Table and are quoted; every value is a bound parameter.
    return (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "  # noqa: S608
        f"({', '.join(quote(name) for name in columns)}) SELECT * FROM ROWS FROM ({sources}) "
        f"ON CONFLICT ({keys_list}) DO NOTHING RETURNING {keys_list}"
    )


def _arrays(
    dialect: Dialect, table: Table, columns: tuple[str, ...], rows: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """One array per column, each value bound as its column binds it (UTC datetimes...)."""
    arrays: dict[str, Any] = {}
    for name in columns:
        values = [row[name] for row in rows]
        if isinstance(table.c[name].type, JSON):
            arrays[name] = json.dumps(values)
            continue
        bind = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        arrays[name] = [bind(v) for v in values] if bind is not None else values
    return arrays


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
