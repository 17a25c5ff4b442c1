"""The decision log: every decision file, appended to a SHA-256 hash chain.

    h_0 = "0" * 64
    h_i = sha256(h_{i-1} || canonical_json(decision_i))

``record`` holds the canonical JSON verbatim (sorted keys, compact), so the hash can be
recomputed from the row alone. ``audit_head`` keeps the newest (seq, hash): appends lock
it (``FOR UPDATE`` on PostgreSQL; SQLite's write lock does the same), which serialises
writers, keeps ``seq`` gap-free, and lets a deleted tail show. Appending a decision id
that is already in the log is a no-op, so a replayed event cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from xsell_connect.pipeline.types import Decision
from xsell_connect.store._sql import insert_ignore
from xsell_connect.store.schema import audit_head, decisions

__all__ = ["GENESIS", "ChainRow", "DecisionLog", "canonical_json", "link_hash"]

GENESIS = "0" * 64
_HEAD_ID = 1
#: The chain head, read under a row lock, and moved (parameters ``seq`` and ``hash``).
_LOCK_HEAD = (
    select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == _HEAD_ID).with_for_update()
)
_MOVE_HEAD = update(audit_head).where(audit_head.c.id == _HEAD_ID)


def canonical_json(decision: Decision) -> str:
    """The decision as sorted, compact JSON: the exact text that is hashed."""
    return json.dumps(
        decision.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def link_hash(prev_hash: str, record: str) -> str:
    return hashlib.sha256((prev_hash + record).encode()).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    seq: int
    decision_id: str
    record: str
    prev_hash: str
    hash: str

    def decision(self) -> Decision:
        return Decision.model_validate_json(self.record)


class DecisionLog:
    """Append-only access to the ``decisions`` table; see the module docstring."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _ensure_head(self, connection: Connection) -> None:
        values: dict[str, Any] = {"id": _HEAD_ID, "seq": 0, "hash": GENESIS}
        stmt: Any
        if connection.dialect.name == "postgresql":
            stmt = postgresql.insert(audit_head).values(**values).on_conflict_do_nothing()
        else:
            stmt = sqlite.insert(audit_head).values(**values).on_conflict_do_nothing()
        connection.execute(stmt)

    def append_in(self, connection: Connection, decision: Decision) -> int | None:
        """Append ``decision`` inside the caller's transaction; its seq, or None if present."""
        head = connection.execute(_LOCK_HEAD).first()
        if head is None:  # the first append to this store
            self._ensure_head(connection)
            head = connection.execute(_LOCK_HEAD).one()
        record = canonical_json(decision)
        seq, digest = int(head.seq) + 1, link_hash(str(head.hash), record)
        row = {
            "seq": seq,
            "decision_id": decision.decision_id,
            "party_ref": decision.party_ref,
            "pattern": decision.pattern,
            "outcome": decision.outcome.value,
            "mode": decision.mode.value,
            "decided_at": decision.decided_at,
            "record": record,
            "prev_hash": head.hash,
            "hash": digest,
        }
        if not insert_ignore(connection, decisions, row, ["decision_id"]):
            return None  # decided before: the chain is left as it was
        connection.execute(_MOVE_HEAD, {"seq": seq, "hash": digest})
        return seq

    def append(self, decision: Decision) -> int | None:
        with self._engine.begin() as connection:
            return self.append_in(connection, decision)

    def get(self, decision_id: str) -> Decision | None:
        stmt = select(decisions.c.record).where(decisions.c.decision_id == decision_id)
        with self._engine.connect() as connection:
            record = connection.execute(stmt).scalar()
        return None if record is None else Decision.model_validate_json(record)

    def exists(self, decision_id: str) -> bool:
        stmt = select(decisions.c.seq).where(decisions.c.decision_id == decision_id)
        with self._engine.connect() as connection:
            return connection.execute(stmt).first() is not None

    def rows(self, *, batch: int = 500) -> Iterator[ChainRow]:
        """Every row in seq order, read in batches (the chain can be long)."""
        after = 0
        while True:
            stmt = (
                select(
                    decisions.c.seq,
                    decisions.c.decision_id,
                    decisions.c.record,
                    decisions.c.prev_hash,
                    decisions.c.hash,
                )
                .where(decisions.c.seq > after)
                .order_by(decisions.c.seq)
                .limit(batch)
            )
            with self._engine.connect() as connection:
                found = connection.execute(stmt).all()
            if not found:
                return
            for row in found:
                yield ChainRow(row.seq, row.decision_id, row.record, row.prev_hash, row.hash)
            after = found[-1].seq

    def decisions(self) -> Iterator[Decision]:
        for row in self.rows():
            yield row.decision()

    def head(self) -> tuple[int, str]:
        """The newest (seq, hash) as the head row records it; (0, GENESIS) when empty."""
        stmt = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == _HEAD_ID)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).first()
        return (0, GENESIS) if row is None else (int(row.seq), str(row.hash))
