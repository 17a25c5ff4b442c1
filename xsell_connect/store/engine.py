"""Engines for the store: a SQLite file by default, PostgreSQL by URL.

``make_engine`` is the one place that knows dialect quirks:

- SQLite gets WAL, a busy timeout and foreign keys on every connection, and
  ``BEGIN IMMEDIATE`` for write transactions so that two processes sharing the file
  queue for the write lock instead of failing on upgrade from a read lock.
- ``postgresql://`` URLs are driven by psycopg 3 (``pip install 'xsell-connect[postgres]'``).

``one_statement`` is the transaction for a write that is one statement: on PostgreSQL the
statement is its own transaction (autocommit), which spares the BEGIN and COMMIT round
trips; on SQLite it is the usual ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from xsell_connect.errors import ConfigurationError

__all__ = ["DEFAULT_URL", "make_engine", "normalise_url", "one_statement"]

#: The embedded default: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///xsell-connect.db"


def normalise_url(url: str | URL) -> URL:
    """The URL with its driver made explicit (``postgresql`` → ``postgresql+psycopg``).

    Raises:
        ConfigurationError: Not a SQLite or PostgreSQL URL.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the URL in the text
        raise ConfigurationError(f"store URL is not a database URL: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.get_driver_name() in {"psycopg2", "", None} or "+" not in parsed.drivername:
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise ConfigurationError(
        f"store URL must be sqlite:/// or postgresql://, not {parsed.drivername}://"
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | URL = DEFAULT_URL, **options: Any) -> Engine:
    """An engine for the store at ``url`` (see the module docstring for dialect settings)."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **options)


@contextmanager
def one_statement(engine: Engine) -> Iterator[Connection]:
    """A connection for one write statement, committed when the block ends (see above).

    Only for a block that runs a single statement: on PostgreSQL each statement commits
    on its own, so a second one would not be atomic with the first.
    """
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")
