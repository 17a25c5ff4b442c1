"""Approvals: observe-tier offers wait here for a human; guarded ones keep a recall window.

``pending`` → ``approved`` | ``rejected`` (a reason is required); ``auto`` (guarded,
sent automatically once ``recall_until`` passes) → ``recalled`` while the window is open.
The state changes only from the expected state, so two approvers racing cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from xsell_connect.store.schema import approvals

__all__ = ["Approval", "ApprovalStatus", "ApprovalStore"]


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    AUTO = "auto"
    RECALLED = "recalled"


@dataclass(frozen=True)
class Approval:
    decision_id: str
    party_ref: str
    pattern: str
    product_code: str
    tier: str
    status: ApprovalStatus
    requested_at: datetime
    recall_until: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None

    @classmethod
    def from_row(cls, row: Any) -> Approval:
        return cls(**{**row._mapping, "status": ApprovalStatus(row.status)})


class ApprovalStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def request_in(
        self,
        connection: Connection,
        *,
        decision_id: str,
        party_ref: str,
        pattern: str,
        product_code: str,
        tier: str,
        at: datetime,
        recall_until: datetime | None = None,
    ) -> None:
        """Record a pending approval, or (with ``recall_until``) a recallable auto offer."""
        status = ApprovalStatus.PENDING if recall_until is None else ApprovalStatus.AUTO
        connection.execute(
            insert(approvals).values(
                decision_id=decision_id,
                party_ref=party_ref,
                pattern=pattern,
                product_code=product_code,
                tier=tier,
                status=status.value,
                requested_at=at,
                recall_until=recall_until,
            )
        )

    def settle_in(
        self,
        connection: Connection,
        decision_id: str,
        *,
        expected: ApprovalStatus,
        status: ApprovalStatus,
        by: str,
        at: datetime,
        reason: str | None = None,
        open_until_after: datetime | None = None,
    ) -> bool:
        """Move one approval from ``expected`` to ``status``; False if it was not there."""
        conditions = [approvals.c.decision_id == decision_id, approvals.c.status == expected.value]
        if open_until_after is not None:
            conditions.append(approvals.c.recall_until > open_until_after)
        stmt = (
            update(approvals)
            .where(*conditions)
            .values(status=status.value, decided_at=at, decided_by=by, reason=reason)
        )
        return connection.execute(stmt).rowcount == 1

    def get(self, decision_id: str) -> Approval | None:
        stmt = select(approvals).where(approvals.c.decision_id == decision_id)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).first()
        return None if row is None else Approval.from_row(row)

    def list(self, status: ApprovalStatus | None = ApprovalStatus.PENDING) -> list[Approval]:
        stmt = select(approvals).order_by(approvals.c.requested_at, approvals.c.decision_id)
        if status is not None:
            stmt = stmt.where(approvals.c.status == status.value)
        with self._engine.connect() as connection:
            return [Approval.from_row(r) for r in connection.execute(stmt).all()]
