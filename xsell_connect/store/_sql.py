"""Small dialect-aware statements shared by the store's repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, String, Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["claim_leased", "insert_ignore", "insert_ignore_many", "settle_leased"]

#: The statuses of a leased work queue (the inbox's and the outbox's share them).
PENDING, CLAIMED, FAILED = "pending", "claimed", "failed"


def insert_ignore(
    connection: Connection, table: Table, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """INSERT ... ON CONFLICT (keys) DO NOTHING; True if the row is new.

    ``values`` are plain values (no SQL expressions): they are sent as the parameters of
    one statement built once per dialect, table, columns and keys, so SQLAlchemy's cache
    key and compiled form are reused instead of rebuilt from literal values each call.
    """
    dialect = connection.dialect.name
    shape = (dialect, table, tuple(values), tuple(keys))
    stmt = _INSERT_IGNORE.get(shape)
    if stmt is None:
        module: Any = postgresql if dialect == "postgresql" else sqlite
        # RETURNING, not rowcount: drivers report -1 for an insert that returns rows.
        first = table.primary_key.columns.values()[0]
        stmt = (
            module.insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(first)
        )
        _INSERT_IGNORE[shape] = stmt
    return connection.execute(stmt, values).first() is not None


#: ``insert_ignore``'s statements by shape; the shapes are the store's few call sites.
_INSERT_IGNORE: dict[tuple[str, Table, tuple[str, ...], tuple[str, ...]], Any] = {}


def insert_ignore_many(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    returning: Sequence[str] = (),
) -> set[tuple[Any, ...]]:
    """``insert_ignore`` of many rows at once; the keys of the rows that are new.

    A key that appears twice in ``rows`` is inserted once (``DO NOTHING`` skips the second).
    Every row must have the same columns. PostgreSQL takes the rows as one array per
    column (see ``_insert_unnest``); SQLite as an executemany of the one-row statement.
    ``returning`` names the columns to return instead of the keys (the generated id, say).
    """
    if not rows:
        return set()
    wanted = list(returning or keys)
    if connection.dialect.name == "postgresql":
        return _insert_unnest(connection, table, rows, keys, wanted)
    stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    returned = stmt.returning(*(table.c[k] for k in wanted))
    return {tuple(r) for r in connection.execute(returned, list(rows))}


def _insert_unnest(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    returning: Sequence[str],
) -> set[tuple[Any, ...]]:
    """``INSERT ... SELECT FROM unnest(<an array per column>) ON CONFLICT DO NOTHING``.

    Why not multi-row ``VALUES`` (SQLAlchemy's "insertmanyvalues")? Its text grows with
    the rows, and psycopg spent a third of the AMQP consumer's time converting it; this
    text is the same for any number of rows. The arrays go as binary parameters (``%b``):
    psycopg dumps a text array element by element in Python, escaping each (4x the CPU
    for 1 KB bodies). A column with one value in every row (the source, the status, the
    time of a batch) goes once, as a scalar, not as an array. Values pass through the
    columns' own bind processors first, as SQLAlchemy would apply them (JSON, UTC times).
    """
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    first = rows[0]
    names = list(first)
    same = {n for n in names if n not in keys and all(r[n] == first[n] for r in rows)}
    varying = [n for n in names if n not in same]
    selected = [f"u.{quote(n)}" if n in varying else _param(table, n, dialect) for n in names]
    arrays = ", ".join(_param(table, n, dialect, array=True) for n in varying)
    listed = ", ".join(quote(k) for k in keys)
    # Names from the table's metadata, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"SELECT {', '.join(selected)} FROM unnest({arrays}) "
        f"AS u({', '.join(quote(n) for n in varying)}) "
        f"ON CONFLICT ({listed}) DO NOTHING "
        f"RETURNING {', '.join(quote(k) for k in returning)}"
    )
    params: dict[str, Any] = {}
    for name in names:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if name in same:
            params[name] = first[name] if process is None else process(first[name])
        else:
            values = [row[name] for row in rows]
            params[name] = values if process is None else [process(v) for v in values]
    return {tuple(r) for r in connection.exec_driver_sql(sql, params)}


def _param(table: Table, name: str, dialect: Any, *, array: bool = False) -> str:
    """A binary parameter cast to the column's type (or an array of it): ``%(x)b::TEXT[]``.

    Strings are cast to unbounded ``VARCHAR``: an explicit cast to ``VARCHAR(n)`` would
    silently truncate a longer value, where the insert's own cast refuses it (as ``put``).
    """
    kind = table.c[name].type
    if isinstance(kind, String) and kind.length is not None:
        kind = String()
    return f"%({name})b::{kind.compile(dialect)}{'[]' if array else ''}"


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
