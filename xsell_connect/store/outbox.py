"""The outbox: write-backs committed with their decision, performed later by a drainer.

Statuses: ``held`` (waits for a human approval) → ``pending`` → ``claimed`` → ``done``;
``failed`` (claimable again at ``available_at``, after a backoff); ``dead`` (a fatal error,
or the last attempt failed: parked with the reason for an operator); ``cancelled``
(rejected, or recalled inside the guarded tier's window). A guarded offer is ``pending``
with ``available_at`` at the end of its recall window, so a recall can still cancel it.

``idempotency_key`` is unique: queueing the same effect twice (a replayed event, a batch
resumed after a crash) stores it once, and the core receives the same key on every try.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from xsell_connect.pipeline.types import EffectKind
from xsell_connect.store._sql import claim_leased, insert_ignore_many, settle_leased
from xsell_connect.store.schema import outbox

__all__ = ["Effect", "OutboxItem", "OutboxStatus", "OutboxStore"]

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxStatus(StrEnum):
    HELD = "held"
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Effect:
    """One write-back to queue: what, with which key, carrying which payload."""

    kind: EffectKind
    idempotency_key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class OutboxItem:
    id: int
    decision_id: str
    kind: EffectKind
    idempotency_key: str
    pattern: str
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    last_error: str | None
    receipt: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: Any) -> OutboxItem:
        return cls(
            id=row.id,
            decision_id=row.decision_id,
            kind=EffectKind(row.kind),
            idempotency_key=row.idempotency_key,
            pattern=row.pattern,
            payload=dict(row.payload),
            status=OutboxStatus(row.status),
            attempts=row.attempts,
            last_error=row.last_error,
            receipt=None if row.receipt is None else dict(row.receipt),
        )


class OutboxStore:
    """Durable effects; see the module docstring for the life cycle."""

    def __init__(self, engine: Engine, *, clock: Clock = _utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def enqueue_in(
        self,
        connection: Connection,
        decision_id: str,
        pattern: str,
        effects: Iterable[Effect],
        *,
        held: bool = False,
        available_at: datetime | None = None,
    ) -> int:
        """Queue effects inside the caller's transaction; how many were new."""
        now = self._clock()
        status = OutboxStatus.HELD if held else OutboxStatus.PENDING
        rows = [
            {
                "decision_id": decision_id,
                "kind": effect.kind.value,
                "idempotency_key": effect.idempotency_key,
                "pattern": pattern,
                "payload": effect.payload,
                "status": status.value,
                "attempts": 0,
                "available_at": available_at or now,
                "created_at": now,
            }
            for effect in effects
        ]
        return len(insert_ignore_many(connection, outbox, rows, ["idempotency_key"]))

    def enqueue_claimed_in(
        self,
        connection: Connection,
        decision_id: str,
        pattern: str,
        effects: Iterable[Effect],
        *,
        worker: str,
        lease: timedelta,
    ) -> list[OutboxItem]:
        """Queue effects due now already claimed by ``worker``: as if it had just claimed them.

        For a drainer in the same process that performs them as soon as the transaction
        commits, with no claim of its own; should it die first, the lease expires and any
        drainer claims them. Returns the effects that are new (none for a replay).
        """
        now = self._clock()
        values = {
            "decision_id": decision_id,
            "pattern": pattern,
            "status": OutboxStatus.CLAIMED.value,
            "attempts": 1,  # the claim counts the attempt, as claim_leased does
            "available_at": now,
            "created_at": now,
            "claimed_by": worker,
            "lease_until": now + lease,
        }
        listed = list(effects)
        rows = [
            {
                "kind": e.kind.value,
                "idempotency_key": e.idempotency_key,
                "payload": e.payload,
                **values,
            }
            for e in listed
        ]
        new = insert_ignore_many(
            connection, outbox, rows, ["idempotency_key"], returning=["id", "idempotency_key"]
        )
        ids = {key: ident for ident, key in new}
        return [
            OutboxItem(
                id=ids[e.idempotency_key],
                decision_id=decision_id,
                kind=e.kind,
                idempotency_key=e.idempotency_key,
                pattern=pattern,
                payload=e.payload,
                status=OutboxStatus.CLAIMED,
                attempts=1,
                last_error=None,
                receipt=None,
            )
            for e in sorted(listed, key=lambda e: ids.get(e.idempotency_key, 0))
            if e.idempotency_key in ids
        ]

    def enqueue(self, decision_id: str, pattern: str, effects: Iterable[Effect]) -> int:
        with self._engine.begin() as connection:
            return self.enqueue_in(connection, decision_id, pattern, effects)

    def release_in(self, connection: Connection, decision_id: str, at: datetime) -> int:
        """Held effects of a decision become pending, due at ``at`` (a human approved)."""
        stmt = (
            update(outbox)
            .where(outbox.c.decision_id == decision_id, outbox.c.status == OutboxStatus.HELD.value)
            .values(status=OutboxStatus.PENDING.value, available_at=at)
        )
        return connection.execute(stmt).rowcount

    def cancel_in(self, connection: Connection, decision_id: str, reason: str) -> int:
        """Cancel a decision's effects not yet sent (held, pending, failed)."""
        waiting = [OutboxStatus.HELD.value, OutboxStatus.PENDING.value, OutboxStatus.FAILED.value]
        stmt = (
            update(outbox)
            .where(outbox.c.decision_id == decision_id, outbox.c.status.in_(waiting))
            .values(status=OutboxStatus.CANCELLED.value, last_error=reason)
        )
        return connection.execute(stmt).rowcount

    def claim(
        self, worker: str, *, limit: int = 20, lease: timedelta = timedelta(seconds=120)
    ) -> list[OutboxItem]:
        """Take up to ``limit`` due effects, oldest first, for ``lease``."""
        with self._engine.begin() as connection:
            rows = claim_leased(
                connection, outbox, worker, now=self._clock(), lease=lease, limit=limit
            )
        return [OutboxItem.from_row(r) for r in rows]

    def begin(self) -> Any:
        """A transaction on the store (``with outbox.begin() as connection``)."""
        return self._engine.begin()

    def complete_values(self, receipt: dict[str, Any]) -> dict[str, Any]:
        """What ``complete`` sets, for ``settle_many_in``."""
        return {"status": OutboxStatus.DONE.value, "receipt": receipt, "done_at": self._clock()}

    @staticmethod
    def fail_values(error: str, *, retry_at: datetime) -> dict[str, Any]:
        """What ``fail`` sets, for ``settle_many_in``."""
        return {"status": OutboxStatus.FAILED.value, "last_error": error, "available_at": retry_at}

    @staticmethod
    def park_values(error: str) -> dict[str, Any]:
        """What ``park`` sets, for ``settle_many_in``."""
        return {"status": OutboxStatus.DEAD.value, "last_error": error}

    def settle_many_in(
        self, connection: Connection, worker: str, settles: Iterable[tuple[int, dict[str, Any]]]
    ) -> None:
        """Set each ``(item id, values)`` on the item if ``worker`` still holds it.

        Items settled the same way (the same columns) go in one executemany; an item that
        another worker took over meanwhile is left as it is (fencing, as ``complete``).
        """
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for item_id, values in settles:
            row = {f"v_{k}": v for k, v in values.items()}
            shapes.setdefault(tuple(sorted(values)), []).append({"item_id": item_id, **row})
        c = outbox.c
        for columns, rows in shapes.items():
            stmt = (
                update(outbox)
                .where(
                    c.id == bindparam("item_id"),
                    c.status == OutboxStatus.CLAIMED.value,
                    c.claimed_by == worker,
                )
                .values(
                    lease_until=None,
                    **{k: bindparam(f"v_{k}", type_=c[k].type) for k in columns},
                )
            )
            connection.execute(stmt, rows)

    def _settle(self, item_id: int, worker: str, values: dict[str, Any]) -> bool:
        with self._engine.begin() as connection:
            return settle_leased(connection, outbox, item_id, worker, values)

    def complete(self, item_id: int, worker: str, receipt: dict[str, Any]) -> bool:
        return self._settle(item_id, worker, self.complete_values(receipt))

    def fail(self, item_id: int, worker: str, error: str, *, retry_at: datetime) -> bool:
        return self._settle(item_id, worker, self.fail_values(error, retry_at=retry_at))

    def park(self, item_id: int, worker: str, error: str) -> bool:
        """Give up on an effect: ``dead``, with the reason, for an operator to look at."""
        return self._settle(item_id, worker, self.park_values(error))

    def items(
        self, *, decision_id: str | None = None, status: OutboxStatus | None = None
    ) -> list[OutboxItem]:
        stmt = select(outbox).order_by(outbox.c.id)
        if decision_id is not None:
            stmt = stmt.where(outbox.c.decision_id == decision_id)
        if status is not None:
            stmt = stmt.where(outbox.c.status == status.value)
        with self._engine.connect() as connection:
            return [OutboxItem.from_row(r) for r in connection.execute(stmt).all()]

    def next_due(self) -> datetime | None:
        """When the earliest waiting (pending or failed) effect becomes due, or None."""
        waiting = [OutboxStatus.PENDING.value, OutboxStatus.FAILED.value]
        stmt = select(func.min(outbox.c.available_at)).where(outbox.c.status.in_(waiting))
        with self._engine.connect() as connection:
            value: datetime | None = connection.execute(stmt).scalar()
        return value

    def depth(self) -> dict[OutboxStatus, int]:
        stmt = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        with self._engine.connect() as connection:
            found = {OutboxStatus(s): n for s, n in connection.execute(stmt).all()}
        return {status: found.get(status, 0) for status in OutboxStatus}
