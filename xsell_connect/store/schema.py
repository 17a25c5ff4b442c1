"""The store's tables, in SQLAlchemy Core. Migrations under ``migrations/`` create them.

One ``metadata`` with a naming convention, so that constraint names are the same on
SQLite and PostgreSQL and migrations can refer to them. A test compares this module
with the migrated database, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Id",
    "UtcDateTime",
    "approvals",
    "audit_head",
    "batch_checkpoints",
    "batch_items",
    "contact_history",
    "decisions",
    "fairness_tallies",
    "inbox",
    "kill_switches",
    "metadata",
    "offer_responses",
    "outbox",
    "pattern_events",
    "suppressions",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: An integer primary key that autoincrements on both dialects (BIGINT on PostgreSQL).
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only accepts timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Raw events as received (webhook bodies, queue messages), before anything parses them.
#: ``status``: pending → claimed → done; failed (retry at ``available_at``); dead (gave up);
#: rejected (malformed, kept for inspection, never processed).
inbox = Table(
    "inbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("headers", JSON(), nullable=False),
    Column("body", LargeBinary(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("available_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("claimed_by", String(128), nullable=True),
    Column("last_error", Text(), nullable=True),
    Column("done_at", UtcDateTime(), nullable=True),
    UniqueConstraint("source", "event_id"),
    Index(None, "status", "available_at"),
)


#: The decision files, hash-chained: ``hash = sha256(prev_hash || record)`` where ``record``
#: is the decision's canonical JSON, stored verbatim. ``seq`` has no gaps (see audit_head).
decisions = Table(
    "decisions",
    metadata,
    Column("seq", BigInteger(), primary_key=True, autoincrement=False),
    Column("decision_id", String(128), nullable=False),
    Column("party_ref", String(128), nullable=False),
    Column("pattern", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("record", Text(), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("decision_id"),
    Index(None, "pattern", "decided_at"),
)

#: One row: the chain's newest seq and hash. Writers lock it (FOR UPDATE on PostgreSQL,
#: the write lock on SQLite) so that appends are serialised, and a deleted tail shows.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("seq", BigInteger(), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: Write-backs waiting for the core. ``status``: held (awaiting approval) → pending →
#: done; failed (retry at ``available_at``); dead (fatal error or attempts exhausted);
#: cancelled (rejected or recalled). ``idempotency_key`` is what the core receives.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("decision_id", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("pattern", String(64), nullable=False),
    Column("payload", JSON(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("available_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("claimed_by", String(128), nullable=True),
    Column("last_error", Text(), nullable=True),
    Column("receipt", JSON(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("done_at", UtcDateTime(), nullable=True),
    UniqueConstraint("idempotency_key"),
    Index(None, "status", "available_at"),
    Index(None, "decision_id"),
)

#: Human approval of observe-tier offers, and the recall window of guarded ones.
#: ``status``: pending → approved | rejected (with reason); auto → recalled (in window).
approvals = Table(
    "approvals",
    metadata,
    Column("decision_id", String(128), primary_key=True),
    Column("party_ref", String(128), nullable=False),
    Column("pattern", String(64), nullable=False),
    Column("product_code", String(64), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("recall_until", UtcDateTime(), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decided_by", String(128), nullable=True),
    Column("reason", Text(), nullable=True),
    Index(None, "status"),
)

#: Every offer made to a party (the contact history): counts toward contact limits, open
#: until a response closes it; ``follow_up_at`` is when the RM gets a task if still open.
contact_history = Table(
    "contact_history",
    metadata,
    Column("offer_id", String(32), primary_key=True),
    Column("decision_id", String(128), nullable=False),
    Column("party_id", String(128), nullable=False),
    Column("pattern", String(64), nullable=False),
    Column("product_code", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("contacted_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("follow_up_at", UtcDateTime(), nullable=True),
    Column("followed_up", Boolean(), nullable=False, server_default="0"),
    Column("holdout", Boolean(), nullable=False, server_default="0"),
    Column("status", String(16), nullable=False),
    Column("responded_at", UtcDateTime(), nullable=True),
    Index(None, "party_id", "channel", "contacted_at"),
    Index(None, "party_id", "product_code"),
)

#: Offers responded to (accepted, declined, expired, complained, opted out), once each.
offer_responses = Table(
    "offer_responses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("offer_id", String(32), nullable=False),
    Column("party_id", String(128), nullable=False),
    Column("pattern", String(64), nullable=False),
    Column("product_code", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("event_id", String(255), nullable=True),
    UniqueConstraint("offer_id", "kind"),
    Index(None, "party_id", "product_code", "kind"),
)

#: A product not to be offered to a party until ``until`` (after a decline, an opt-out).
suppressions = Table(
    "suppressions",
    metadata,
    Column("party_id", String(128), primary_key=True),
    Column("product_code", String(64), primary_key=True),
    Column("reason", String(64), nullable=False),
    Column("since", UtcDateTime(), nullable=False),
    Column("until", UtcDateTime(), nullable=True),
)

#: Per-pattern happenings the circuit breakers read: writeback, writeback_error, offer,
#: complaint, opt_out.
pattern_events = Table(
    "pattern_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("pattern", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "pattern", "at"),
)

#: One row per decision that reached governance, for the fairness monitor.
fairness_tallies = Table(
    "fairness_tallies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("age_band", String(32), nullable=False),
    Column("segment", String(32), nullable=False),
    Column("offered", Boolean(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "at"),
)

#: Patterns stopped by an operator ("*" stops every pattern).
kill_switches = Table(
    "kill_switches",
    metadata,
    Column("pattern", String(64), primary_key=True),
    Column("engaged_at", UtcDateTime(), nullable=False),
    Column("engaged_by", String(128), nullable=False),
)

#: A batch run over the customer master: where it stands (resumable after a crash).
batch_checkpoints = Table(
    "batch_checkpoints",
    metadata,
    Column("job", String(128), primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("processed", Integer(), nullable=False, server_default="0"),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

#: The parties a batch job has finished, committed with their decision (exactly once).
batch_items = Table(
    "batch_items",
    metadata,
    Column("job", String(128), primary_key=True),
    Column("party_id", String(128), primary_key=True),
    Column("done_at", UtcDateTime(), nullable=False),
)
