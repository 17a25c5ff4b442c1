"""Small dialect-aware statements shared by the store's repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["insert_ignore"]


def insert_ignore(
    connection: Connection, table: Table, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """INSERT ... ON CONFLICT (keys) DO NOTHING; True if the row is new."""
    module: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    # RETURNING, not rowcount: drivers report -1 for an insert that returns rows.
    first = table.primary_key.columns.values()[0]
    return connection.execute(stmt.returning(first)).first() is not None
