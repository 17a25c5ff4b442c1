"""Small dialect-aware statements shared by the store's repositories."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    LargeBinary,
    Row,
    String,
    Table,
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import Null

__all__ = [
    "claim_leased",
    "insert_ignore",
    "insert_ignore_many",
    "settle_leased",
    "unnest_insert",
]

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
    column (see ``unnest_insert``); SQLite as multi-row ``VALUES`` (``_insert_values``).
    ``returning`` names the columns to return instead of the keys (the generated id, say).
    """
    if not rows:
        return set()
    if connection.dialect.name == "postgresql":
        sql, params = unnest_insert(connection.dialect, table, rows, keys, returning)
        return {tuple(r) for r in connection.exec_driver_sql(sql, params)}
    return _insert_values(connection, table, rows, keys, returning)


#: Parameters in one SQLite statement: SQLITE_MAX_VARIABLE_NUMBER before SQLite 3.32.
_SQLITE_MAX_PARAMETERS = 999


def _insert_values(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    returning: Sequence[str] = (),
) -> set[tuple[Any, ...]]:
    """SQLite's ``insert_ignore_many``: ``INSERT ... VALUES (...), (...) ON CONFLICT DO
    NOTHING RETURNING keys`` (or ``returning``), the statement SQLAlchemy's executemany
    sends, with numbered parameters so that a column with one value in every row (the
    source, the status, the time of a batch) is sent, and converted, once (SQLAlchemy runs
    every column's bind processor on every row). The text is built once per shape and
    number of rows.
    """
    dialect = connection.dialect
    first = rows[0]
    names = tuple(first)
    varying = _varying(rows, names, keys)
    processors = _bind_processors(table, dialect)
    constants = [
        first[n] if processors[n] is None else processors[n](first[n])
        for n in names
        if n not in varying
    ]
    per_statement = max(1, (_SQLITE_MAX_PARAMETERS - len(constants)) // len(varying))
    new: set[tuple[Any, ...]] = set()
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params = list(constants)
        for row in chunk:
            for name in varying:
                process = processors[name]
                params.append(row[name] if process is None else process(row[name]))
        sql = _values_sql(
            table, dialect, names, varying, tuple(keys), tuple(returning or keys), len(chunk)
        )
        new.update(tuple(r) for r in connection.exec_driver_sql(sql, tuple(params)))
    return new


@functools.lru_cache(maxsize=256)
def _values_sql(
    table: Table,
    dialect: Any,
    names: tuple[str, ...],
    varying: tuple[str, ...],
    keys: tuple[str, ...],
    returning: tuple[str, ...],
    count: int,
) -> str:
    """The text of ``_insert_values`` for ``count`` rows: ``?1``... the constants first."""
    quote = dialect.identifier_preparer.quote
    constant = [n for n in names if n not in varying]
    slots: dict[str, int] = {n: i + 1 for i, n in enumerate(constant)}
    values = []
    for row in range(count):
        base = len(constant) + row * len(varying)
        slot = {n: base + i + 1 for i, n in enumerate(varying)}
        values.append("(" + ", ".join(f"?{slots.get(n) or slot[n]}" for n in names) + ")")
    listed = ", ".join(quote(k) for k in keys)
    # Names from the table's metadata, quoted; every value is a parameter.
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES {', '.join(values)} ON CONFLICT ({listed}) DO NOTHING "
        f"RETURNING {', '.join(quote(k) for k in returning)}"
    )


def _varying(
    rows: Sequence[dict[str, Any]], names: tuple[str, ...], keys: Sequence[str]
) -> tuple[str, ...]:
    """The columns sent per row: the keys, and those whose value is not the same in all."""
    count = len(rows)
    return tuple(
        n for n in names if n in keys or (count > 1 and _column(rows, n).count(rows[0][n]) != count)
    )


def _column(rows: Sequence[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]


def unnest_insert(
    dialect: Any,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    returning: Sequence[str] = (),
) -> tuple[str, dict[str, Any]]:
    """PostgreSQL's ``insert_ignore_many``, as psycopg text and parameters: ``INSERT ...
    SELECT FROM unnest(<an array per column>) ON CONFLICT (keys) DO NOTHING RETURNING keys``
    (or ``returning``).

    Why not multi-row ``VALUES`` (SQLAlchemy's "insertmanyvalues")? Its text grows with
    the rows, and psycopg spent a third of the AMQP consumer's time converting it; this
    text is the same for any number of rows (and built once per shape, ``_unnest_sql``).
    The arrays go as binary parameters (``%b``): psycopg dumps a text array element by
    element in Python, escaping each (4x the CPU for 1 KB bodies). A column with one
    value in every row (the source, the status, the time of a batch) goes once, as a
    scalar, not as an array. Values pass through the columns' own bind processors first,
    as SQLAlchemy would apply them (JSON, UTC times).
    """
    count = len(rows)
    names = tuple(rows[0])
    processors = _unnest_processors(table, dialect)
    params: dict[str, Any] = {}
    varying = []
    for name in names:
        process = processors[name]
        values = _column(rows, name)
        if name in keys or (count > 1 and values.count(values[0]) != count):
            varying.append(name)
            params[name] = values if process is None else [process(v) for v in values]
        else:
            params[name] = values[0] if process is None else process(values[0])
    sql = _unnest_sql(table, dialect, names, tuple(varying), tuple(keys), tuple(returning or keys))
    return sql, params


@functools.lru_cache(maxsize=64)
def _unnest_processors(table: Table, dialect: Any) -> dict[str, Any]:
    """``_bind_processors`` for ``unnest_insert``, minus two wrappers psycopg only unwraps.

    SQLAlchemy hands psycopg a ``bytes`` value as ``psycopg.Binary(value)`` and a JSON one
    as ``psycopg.types.json.Json(value)``; psycopg's dumpers take the wrapper off and send
    the same bytes as for ``bytes`` itself, and the text of the dialect's JSON serializer.
    Here binary values go as they are, and JSON values as that text (cast to the column's
    type in the statement: text to JSON keeps it as written), one call per row instead of
    three.
    """
    processors = dict(_bind_processors(table, dialect))
    for column in table.columns:
        if isinstance(column.type, LargeBinary):
            processors[column.name] = None
        elif isinstance(column.type, JSON) and not isinstance(column.type, postgresql.JSONB):
            processors[column.name] = _json_text(column.type, dialect)
    return processors


def _json_text(kind: JSON, dialect: Any) -> Any:
    """SQLAlchemy's JSON bind processor, returning the serializer's text (see above)."""
    dumps = getattr(dialect, "_json_serializer", None) or json.dumps

    def process(value: Any) -> str | None:
        if value is JSON.NULL:
            value = None
        elif isinstance(value, Null) or (value is None and kind.none_as_null):
            return None
        text: str = dumps(value)
        return text

    return process


@functools.lru_cache(maxsize=64)
def _unnest_sql(
    table: Table,
    dialect: Any,
    names: tuple[str, ...],
    varying: tuple[str, ...],
    keys: tuple[str, ...],
    returning: tuple[str, ...],
) -> str:
    """The text of ``unnest_insert``: the columns in ``varying`` as arrays, the rest once."""
    quote = dialect.identifier_preparer.quote
    selected = [f"u.{quote(n)}" if n in varying else _param(table, n, dialect) for n in names]
    arrays = ", ".join(_param(table, n, dialect, array=True) for n in varying)
    listed = ", ".join(quote(k) for k in keys)
    # Names from the table's metadata, quoted; every value is a parameter.
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"SELECT {', '.join(selected)} FROM unnest({arrays}) "
        f"AS u({', '.join(quote(n) for n in varying)}) "
        f"ON CONFLICT ({listed}) DO NOTHING "
        f"RETURNING {', '.join(quote(k) for k in returning)}"
    )


@functools.lru_cache(maxsize=64)
def _bind_processors(table: Table, dialect: Any) -> dict[str, Any]:
    """Each column's bind processor for ``dialect`` (None: the value goes as it is)."""
    return {c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns}


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
