"""The pipeline's tables: decision chain, outbox, approvals, contact history, responses,
suppressions, breaker and fairness tallies, kill switches, batch checkpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from xsell_connect.store.schema import Id, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("decision_id", sa.String(length=128), nullable=False),
        sa.Column("party_ref", sa.String(length=128), nullable=False),
        sa.Column("pattern", sa.String(length=64), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("recall_until", UtcDateTime(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_approvals")),
    )
    op.create_index(op.f("ix_approvals_status"), "approvals", ["status"], unique=False)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "batch_checkpoints",
        sa.Column("job", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("processed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_batch_checkpoints")),
    )
    op.create_table(
        "batch_items",
        sa.Column("job", sa.String(length=128), nullable=False),
        sa.Column("party_id", sa.String(length=128), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "party_id", name=op.f("pk_batch_items")),
    )
    op.create_table(
        "contact_history",
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("decision_id", sa.String(length=128), nullable=False),
        sa.Column("party_id", sa.String(length=128), nullable=False),
        sa.Column("pattern", sa.String(length=64), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("contacted_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("follow_up_at", UtcDateTime(), nullable=True),
        sa.Column("followed_up", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("holdout", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("responded_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_contact_history")),
    )
    op.create_index(
        op.f("ix_contact_history_party_id_channel_contacted_at"),
        "contact_history",
        ["party_id", "channel", "contacted_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_contact_history_party_id_product_code"),
        "contact_history",
        ["party_id", "product_code"],
        unique=False,
    )
    op.create_table(
        "decisions",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("decision_id", sa.String(length=128), nullable=False),
        sa.Column("party_ref", sa.String(length=128), nullable=False),
        sa.Column("pattern", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_decisions")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_decisions_decision_id")),
    )
    op.create_index(
        op.f("ix_decisions_pattern_decided_at"),
        "decisions",
        ["pattern", "decided_at"],
        unique=False,
    )
    op.create_table(
        "fairness_tallies",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("age_band", sa.String(length=32), nullable=False),
        sa.Column("segment", sa.String(length=32), nullable=False),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_tallies")),
    )
    op.create_index(op.f("ix_fairness_tallies_at"), "fairness_tallies", ["at"], unique=False)
    op.create_table(
        "kill_switches",
        sa.Column("pattern", sa.String(length=64), nullable=False),
        sa.Column("engaged_at", UtcDateTime(), nullable=False),
        sa.Column("engaged_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("pattern", name=op.f("pk_kill_switches")),
    )
    op.create_table(
        "offer_responses",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("party_id", sa.String(length=128), nullable=False),
        sa.Column("pattern", sa.String(length=64), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_responses")),
        sa.UniqueConstraint("offer_id", "kind", name=op.f("uq_offer_responses_offer_id_kind")),
    )
    op.create_index(
        op.f("ix_offer_responses_party_id_product_code_kind"),
        "offer_responses",
        ["party_id", "product_code", "kind"],
        unique=False,
    )
    op.create_table(
        "outbox",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("pattern", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("available_at", UtcDateTime(), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_decision_id"), "outbox", ["decision_id"], unique=False)
    op.create_index(
        op.f("ix_outbox_status_available_at"), "outbox", ["status", "available_at"], unique=False
    )
    op.create_table(
        "pattern_events",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("pattern", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pattern_events")),
    )
    op.create_index(
        op.f("ix_pattern_events_pattern_at"), "pattern_events", ["pattern", "at"], unique=False
    )
    op.create_table(
        "suppressions",
        sa.Column("party_id", sa.String(length=128), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
        sa.Column("until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("party_id", "product_code", name=op.f("pk_suppressions")),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
    op.drop_index(op.f("ix_pattern_events_pattern_at"), table_name="pattern_events")
    op.drop_table("pattern_events")
    op.drop_index(op.f("ix_outbox_status_available_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_decision_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(
        op.f("ix_offer_responses_party_id_product_code_kind"), table_name="offer_responses"
    )
    op.drop_table("offer_responses")
    op.drop_table("kill_switches")
    op.drop_index(op.f("ix_fairness_tallies_at"), table_name="fairness_tallies")
    op.drop_table("fairness_tallies")
    op.drop_index(op.f("ix_decisions_pattern_decided_at"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_index(op.f("ix_contact_history_party_id_product_code"), table_name="contact_history")
    op.drop_index(
        op.f("ix_contact_history_party_id_channel_contacted_at"), table_name="contact_history"
    )
    op.drop_table("contact_history")
    op.drop_table("batch_items")
    op.drop_table("batch_checkpoints")
    op.drop_table("audit_head")
    op.drop_index(op.f("ix_approvals_status"), table_name="approvals")
    op.drop_table("approvals")
