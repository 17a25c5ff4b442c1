"""The inbox: every raw event is committed here before the sender gets its 2xx or ack.

At-least-once in, exactly-once effects out: ``put`` deduplicates on (source, event_id),
so a webhook retried by the core or a message redelivered by the broker is stored once.
Workers ``claim`` items under a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that
several listener processes share one store without taking the same item; SQLite's write
lock serialises claims). A worker that dies leaves its lease to expire and the item is
claimed again. ``complete`` and ``fail`` are fenced by the claiming worker's name, so a
worker whose lease was taken over cannot overwrite the new owner's result.

Statuses: ``pending`` → ``claimed`` → ``done``; ``failed`` (claimable again at
``available_at``) → ``dead`` after the last attempt; ``rejected`` (malformed, kept for
inspection, never claimed).

On PostgreSQL the calls that are one statement (``put_many``, ``put_many_claimed``,
``claim``, ``complete_many``) run it in autocommit: the statement is atomic and durable on
its own when its result is in, and the ``BEGIN`` and ``COMMIT`` round trips around it are
saved (two of three; the AMQP consumer commits every round of deliveries this way). On
SQLite they stay in a transaction: a large batch is inserted in several statements.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from xsell_connect.store._sql import claim_leased, insert_ignore, insert_ignore_many, settle_leased
from xsell_connect.store.schema import inbox

__all__ = ["Inbox", "InboxItem", "InboxStatus", "Incoming"]

Clock = Callable[[], datetime]
#: The inbox's deduplication key: one row per (source, event_id).
INBOX_KEY = ("source", "event_id")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class InboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"
    REJECTED = "rejected"


@dataclass(frozen=True)
class InboxItem:
    id: int
    source: str
    event_id: str
    received_at: datetime
    headers: dict[str, str]
    body: bytes
    status: InboxStatus
    attempts: int
    last_error: str | None

    @classmethod
    def from_row(cls, row: Any) -> InboxItem:
        return cls(
            id=row.id,
            source=row.source,
            event_id=row.event_id,
            received_at=row.received_at,
            headers=dict(row.headers),
            body=bytes(row.body),
            status=InboxStatus(row.status),
            attempts=row.attempts,
            last_error=row.last_error,
        )


@dataclass(frozen=True)
class Incoming:
    """One raw event for ``Inbox.put_many``; with ``rejected`` (the reason) it is kept as
    malformed, like ``Inbox.reject``."""

    event_id: str
    body: bytes
    headers: Mapping[str, str]
    rejected: str | None = None


def _row(source: str, item: Incoming, now: datetime) -> dict[str, Any]:
    status = InboxStatus.PENDING if item.rejected is None else InboxStatus.REJECTED
    return {
        "source": source,
        "event_id": item.event_id,
        "received_at": now,
        "headers": dict(item.headers),
        "body": item.body,
        "status": status.value,
        "attempts": 0,
        "available_at": now,
        "last_error": item.rejected,
    }


def _rows(source: str, items: Sequence[Incoming], now: datetime) -> list[dict[str, Any]]:
    return [_row(source, item, now) for item in items]


def _fresh(source: str, items: Sequence[Incoming], new: set[tuple[Any, ...]]) -> list[bool]:
    """Per item, whether its key is in ``new``: the first occurrence of a key only."""
    fresh = []
    for item in items:
        key = (source, item.event_id)
        fresh.append(key in new)
        new.discard(key)  # a second occurrence in ``items`` is a duplicate
    return fresh


class Inbox:
    """Raw events, durable and deduplicated; see the module docstring for the life cycle."""

    def __init__(self, engine: Engine, *, clock: Clock = _utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._autocommit = engine.dialect.name == "postgresql"

    def _one_statement(self) -> contextlib.AbstractContextManager[Connection]:
        """A connection for a call that is one statement (module docstring)."""
        if self._autocommit:
            return self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._engine.begin()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def clock(self) -> Clock:
        return self._clock

    def _insert(self, values: dict[str, Any]) -> bool:
        with self._engine.begin() as connection:
            return insert_ignore(connection, inbox, values, INBOX_KEY)

    def put(
        self,
        source: str,
        event_id: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        received_at: datetime | None = None,
    ) -> bool:
        """Commit a raw event. True if it is new, False if (source, event_id) was stored already."""
        item = Incoming(event_id, body, headers or {})
        return self._insert(_row(source, item, received_at or self._clock()))

    def reject(
        self,
        source: str,
        event_id: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        reason: str,
    ) -> bool:
        """Keep a malformed event for inspection; it is never claimed. True if new."""
        return self._insert(
            _row(source, Incoming(event_id, body, headers or {}, rejected=reason), self._clock())
        )

    def put_many(self, source: str, items: Sequence[Incoming]) -> list[bool]:
        """Commit several raw events (and rejected ones) in one transaction.

        One commit for many events is what lets a consumer keep up with its broker: the
        commit, not the insert, is the cost of ``put``. Returns, per item, True if it is
        new; False if (source, event_id) was stored already or earlier in ``items``.
        """
        if not items:
            return []
        rows = _rows(source, items, self._clock())
        with self._one_statement() as connection:
            new = insert_ignore_many(connection, inbox, rows, INBOX_KEY)
        return _fresh(source, items, new)

    def put_many_claimed(
        self, source: str, items: Sequence[Incoming], *, worker: str, lease: timedelta
    ) -> list[InboxItem | None]:
        """``put_many``, the new events stored already claimed by ``worker`` for ``lease``.

        For a worker in the same process that handles them as soon as this commits, with no
        claim of its own (the listener's AMQP consumer hands them over); should it die
        first, the lease expires and any worker claims them. Per item, the claimed item if
        it is new, else None (stored before or earlier in ``items``, or rejected: kept as
        ``put_many`` keeps it, never claimed).
        """
        if not items:
            return []
        now = self._clock()
        rows = _rows(source, items, now)
        for row in rows:
            claimed = row["status"] == InboxStatus.PENDING.value
            row["claimed_by"] = worker if claimed else None
            row["lease_until"] = now + lease if claimed else None
            if claimed:  # the claim counts the attempt, as claim_leased does
                row.update(status=InboxStatus.CLAIMED.value, attempts=1)
        with self._one_statement() as connection:
            new = insert_ignore_many(
                connection, inbox, rows, INBOX_KEY, returning=("id", *INBOX_KEY)
            )
        ids = {(s, e): ident for ident, s, e in new}
        out: list[InboxItem | None] = []
        for item, row in zip(items, rows, strict=True):
            ident = ids.pop((source, item.event_id), None)  # a second occurrence: None
            if ident is None or item.rejected is not None:
                out.append(None)
                continue
            out.append(
                InboxItem(
                    id=ident,
                    source=source,
                    event_id=item.event_id,
                    received_at=now,
                    headers=row["headers"],
                    body=item.body,
                    status=InboxStatus.CLAIMED,
                    attempts=1,
                    last_error=None,
                )
            )
        return out

    def claim(
        self, worker: str, *, limit: int = 10, lease: timedelta = timedelta(seconds=60)
    ) -> list[InboxItem]:
        """Take up to ``limit`` claimable items, oldest first, for ``lease``."""
        with self._one_statement() as connection:
            rows = claim_leased(
                connection, inbox, worker, now=self._clock(), lease=lease, limit=limit
            )
        return [InboxItem.from_row(r) for r in rows]

    def _settle(self, item_id: int, worker: str, values: dict[str, Any]) -> bool:
        with self._engine.begin() as connection:
            return settle_leased(connection, inbox, item_id, worker, values)

    def complete(self, item_id: int, worker: str) -> bool:
        """Mark a claimed item done. False if ``worker`` no longer holds it."""
        return self._settle(
            item_id, worker, {"status": InboxStatus.DONE.value, "done_at": self._clock()}
        )

    def complete_many(self, item_ids: Sequence[int], worker: str) -> set[int]:
        """``complete`` of several items in one transaction; the ids that were completed.

        An item that ``worker`` no longer holds (taken over after its lease) is left as it
        is and missing from the result, exactly as ``complete`` would have answered False.
        """
        if not item_ids:
            return set()
        c = inbox.c
        stmt = (
            update(inbox)
            .where(
                c.id.in_(list(item_ids)),
                c.status == InboxStatus.CLAIMED.value,
                c.claimed_by == worker,
            )
            .values(lease_until=None, status=InboxStatus.DONE.value, done_at=self._clock())
            .returning(c.id)
        )
        with self._one_statement() as connection:
            return set(connection.execute(stmt).scalars())

    def fail(
        self,
        item: InboxItem,
        worker: str,
        error: str,
        *,
        max_attempts: int = 5,
        retry_in: timedelta = timedelta(seconds=5),
    ) -> InboxStatus | None:
        """Record a failed attempt: retry after ``retry_in``, or ``dead`` after the last attempt.

        Returns the new status, or None if ``worker`` no longer holds the item.
        """
        status = InboxStatus.DEAD if item.attempts >= max_attempts else InboxStatus.FAILED
        values = {
            "status": status.value,
            "last_error": error[:2000],
            "available_at": self._clock() + retry_in,
        }
        return status if self._settle(item.id, worker, values) else None

    def get(self, source: str, event_id: str) -> InboxItem | None:
        stmt = select(inbox).where(inbox.c.source == source, inbox.c.event_id == event_id)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).first()
        return None if row is None else InboxItem.from_row(row)

    def items(self, status: InboxStatus, *, limit: int = 100) -> list[InboxItem]:
        """Items in ``status``, oldest first (e.g. the rejected ones, for inspection)."""
        stmt = select(inbox).where(inbox.c.status == status.value).order_by(inbox.c.id)
        with self._engine.connect() as connection:
            rows = connection.execute(stmt.limit(limit)).all()
        return [InboxItem.from_row(r) for r in rows]

    def depth(self) -> dict[InboxStatus, int]:
        """How many items are in each status (zero for the absent ones)."""
        stmt = select(inbox.c.status, func.count()).group_by(inbox.c.status)
        with self._engine.connect() as connection:
            found = {InboxStatus(s): n for s, n in connection.execute(stmt).all()}
        return {status: found.get(status, 0) for status in InboxStatus}
