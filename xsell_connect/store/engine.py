"""Engines for the store: a SQLite file by default, PostgreSQL by URL.

``make_engine`` is the one place that knows dialect quirks:

- SQLite gets WAL, a busy timeout and foreign keys on every connection, and
  ``BEGIN IMMEDIATE`` for write transactions so that two processes sharing the file
  queue for the write lock instead of failing on upgrade from a read lock.
- ``postgresql://`` URLs are driven by psycopg 3 (``pip install 'xsell-connect[postgres]'``).
  A pooled connection that sat idle in the pool is pinged before use, and replaced (the
  pool invalidated) if dead, as ``pool_pre_ping`` does; one checked in a moment ago is
  not (``_ping_when_idle``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from xsell_connect.errors import ConfigurationError

__all__ = ["DEFAULT_URL", "PING_AFTER_IDLE_SECONDS", "make_engine", "normalise_url"]

#: The embedded default: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///xsell-connect.db"
#: A pooled PostgreSQL connection idle longer than this is pinged before it is used.
PING_AFTER_IDLE_SECONDS = 1.0
_USED = "xsell_used_at"
_monotonic = time.monotonic  # a seam for the tests


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


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """``pool_pre_ping`` for the connections that sat idle in the pool over ``seconds``.

    ``pool_pre_ping`` pings at every checkout: a round trip and ~40 µs of CPU per
    transaction, a quarter of a webhook group commit. A connection checked in a moment ago
    is as alive as a ping would find it, and a server that goes away under load fails the
    statements in flight whatever was pinged before them (SQLAlchemy then invalidates the
    pool, and the next checkouts connect afresh). A connection idle for longer (a restart
    or a proxy's idle timeout while the service was quiet) is pinged, and if it is dead
    the pool is invalidated and a new connection made, exactly as ``pool_pre_ping`` does.
    """
    dialect = engine.dialect

    def stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info[_USED] = _monotonic()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        used = record.info.get(_USED)
        if used is not None and _monotonic() - used <= seconds:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:  # the pool connects afresh and calls this again, on the new one
            raise exc.InvalidatePoolError()

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", check)


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
    engine = create_engine(parsed, **options)
    if "pool_pre_ping" not in options:
        _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine
