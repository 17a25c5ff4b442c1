"""``Inbox.put_many`` on the event loop, for PostgreSQL: what the webhook group commit uses.

The sync ``put_many`` runs in a worker thread: a pool checkout, ``BEGIN``, the insert and
``COMMIT``, each round trip a hand-over of the GIL between that thread and the event loop
serving the HTTP requests. Here the same statement (``_sql.unnest_insert``) goes over
psycopg's asyncio connections in autocommit: one round trip per batch, PostgreSQL's
implicit transaction making the one statement atomic and durable by the time its result
is in. Nothing else changes: the same rows, keys and outcomes as ``put_many``.

Connections (at most one per concurrent ``put_many``) are opened on first use, with the
engine's own connection arguments, and kept for the next batch. One that sat idle for
over ``PING_AFTER_IDLE_SECONDS`` is pinged first and replaced if dead, as the engine's
pool does; one that fails is dropped. psycopg's errors are raised as SQLAlchemy's (an
``OperationalError`` for a store that is down, ...), as the sync path raises them, with
the parameters (the bodies) kept out of their text.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from xsell_connect.store import engine as _engine
from xsell_connect.store._sql import unnest_insert
from xsell_connect.store.inbox import INBOX_KEY, Inbox, Incoming, _fresh, _rows
from xsell_connect.store.schema import inbox

if TYPE_CHECKING:
    from psycopg import AsyncConnection, AsyncCursor

    _Held = tuple[AsyncConnection[Any], AsyncCursor[Any]]

__all__ = ["AsyncInboxWriter"]


class AsyncInboxWriter:
    """``put_many`` for an inbox on PostgreSQL, awaited on the event loop (module docstring)."""

    def __init__(self, store_inbox: Inbox) -> None:
        import psycopg  # the PostgreSQL driver: present wherever such an engine is

        engine = store_inbox.engine
        if engine.dialect.name != "postgresql":
            raise ValueError("AsyncInboxWriter needs a PostgreSQL store")
        self._psycopg = psycopg
        self._inbox = store_inbox
        self._dialect = engine.dialect
        self._connect_args = engine.dialect.create_connect_args(engine.url)
        #: Connections ready for the next batch, each with its cursor (made once: making
        #: one copies the connection's adapters) and when it was last used.
        self._idle: list[tuple[AsyncConnection[Any], AsyncCursor[Any], float]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def put_many(self, source: str, items: Sequence[Incoming]) -> list[bool]:
        """``Inbox.put_many``: per item, True if it is new; committed when this returns."""
        if not items:
            return []
        rows = _rows(source, items, self._inbox.clock())
        sql, params = unnest_insert(self._dialect, inbox, rows, INBOX_KEY)
        connection: AsyncConnection[Any] | None = None
        try:
            connection, cursor = await self._connection()
            await cursor.execute(sql, params)
            new = {tuple(row) for row in await cursor.fetchall()}
        except self._psycopg.Error as error:
            invalidated = connection is None or connection.broken or connection.closed
            raise DBAPIError.instance(
                sql,
                None,
                error,
                self._psycopg.Error,
                hide_parameters=True,
                connection_invalidated=invalidated,
                dialect=self._dialect,
            ) from error
        except BaseException:  # cancelled mid-statement: the connection's state is unknown
            if connection is not None:
                await _close(connection)
            raise
        finally:
            if connection is not None:
                if connection.broken:
                    await _close(connection)
                elif not connection.closed:
                    self._idle.append((connection, cursor, _engine._monotonic()))
        return _fresh(source, items, new)

    async def aclose(self) -> None:
        """Close the idle connections (the lifespan's end); the next use opens new ones."""
        idle, self._idle = self._idle, []
        if self._loop is asyncio.get_running_loop():
            for connection, _, _ in idle:
                await _close(connection)

    async def _connection(self) -> _Held:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # connections belong to the loop they were opened in
            self._idle, self._loop = [], loop
        while self._idle:
            connection, cursor, used = self._idle.pop()
            if _engine._monotonic() - used <= _engine.PING_AFTER_IDLE_SECONDS:
                return connection, cursor
            try:
                await connection.execute("SELECT 1")
            except self._psycopg.Error:
                await _close(connection)
                continue
            return connection, cursor
        args, kwargs = self._connect_args
        fresh: AsyncConnection[Any] = await self._psycopg.AsyncConnection.connect(
            *args, autocommit=True, **kwargs
        )
        return fresh, fresh.cursor()


async def _close(connection: AsyncConnection[Any]) -> None:
    with contextlib.suppress(Exception):  # a broken connection: nothing left to close
        await connection.close()
