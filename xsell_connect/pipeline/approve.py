"""Human approval: approve, reject (with a reason) or recall a decision's offer.

Each act is one transaction: the approval row moves from its expected state (so two
approvers racing cannot both win), the outbox effects are released or cancelled, and a
follow-up record ``<decision id>/<act>`` naming the approver is appended to the hash chain,
so the audit trail shows who decided what and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from xsell_connect.models import OfferStatus
from xsell_connect.pipeline.types import Decision, DecisionOutcome
from xsell_connect.store.approvals import ApprovalStatus, ApprovalStore
from xsell_connect.store.decisions import DecisionLog
from xsell_connect.store.governance import StoreGovernanceState
from xsell_connect.store.outbox import OutboxStore

from .runner import record_contact_in

__all__ = ["ApprovalDesk", "ApprovalError"]


class ApprovalError(Exception):
    """The act is not possible (unknown decision, not pending, window closed, no reason)."""


@dataclass
class ApprovalDesk:
    engine: Engine
    follow_up_days: int = 7

    def __post_init__(self) -> None:
        self.log = DecisionLog(self.engine)
        self.approvals = ApprovalStore(self.engine)
        self.outbox = OutboxStore(self.engine)
        self.state = StoreGovernanceState(self.engine)

    def _decision(self, decision_id: str) -> Decision:
        decision = self.log.get(decision_id)
        if decision is None:
            raise ApprovalError(f"no decision {decision_id}")
        return decision

    def _record(
        self, decision: Decision, outcome: DecisionOutcome, by: str, at: datetime
    ) -> Decision:
        offer = decision.offer
        status = {DecisionOutcome.APPROVED: OfferStatus.APPROVED}.get(outcome, OfferStatus.REJECTED)
        if outcome is DecisionOutcome.RECALLED:
            status = OfferStatus.RECALLED
        return decision.model_copy(
            update={
                "decision_id": f"{decision.decision_id}/{outcome.value}",
                "outcome": outcome,
                "approver": by,
                "offer": offer.model_copy(update={"status": status}) if offer else None,
                "timestamps": {**decision.timestamps, outcome.value: at},
            }
        )

    def approve(self, decision_id: str, *, by: str, at: datetime) -> Decision:
        """Approve a pending offer: its effects go to the outbox now."""
        decision = self._decision(decision_id)
        record = self._record(decision, DecisionOutcome.APPROVED, by, at)
        with self.engine.begin() as connection:
            moved = self.approvals.settle_in(
                connection, decision_id, expected=ApprovalStatus.PENDING,
                status=ApprovalStatus.APPROVED, by=by, at=at,
            )  # fmt: skip
            if not moved:
                raise ApprovalError(f"decision {decision_id} is not pending approval")
            self.log.append_in(connection, record)
            self.outbox.release_in(connection, decision_id, at)
            record_contact_in(
                connection, self.state, decision, timedelta(days=self.follow_up_days), at=at
            )
            self.state.record_event_in(connection, decision.pattern, "offer", at)
        return record

    def reject(self, decision_id: str, *, by: str, reason: str, at: datetime) -> Decision:
        """Reject a pending offer; a reason is required. Its effects are cancelled."""
        if not reason.strip():
            raise ApprovalError("a rejection needs a reason")
        decision = self._decision(decision_id)
        record = self._record(decision, DecisionOutcome.REJECTED, by, at)
        record = record.model_copy(update={"extra": {**record.extra, "reason": reason}})
        with self.engine.begin() as connection:
            moved = self.approvals.settle_in(
                connection, decision_id, expected=ApprovalStatus.PENDING,
                status=ApprovalStatus.REJECTED, by=by, at=at, reason=reason,
            )  # fmt: skip
            if not moved:
                raise ApprovalError(f"decision {decision_id} is not pending approval")
            self.log.append_in(connection, record)
            self.outbox.cancel_in(connection, decision_id, f"rejected by {by}: {reason}")
        return record

    def recall(self, decision_id: str, *, by: str, reason: str, at: datetime) -> Decision:
        """Withdraw a guarded offer while its recall window is open."""
        decision = self._decision(decision_id)
        record = self._record(decision, DecisionOutcome.RECALLED, by, at)
        record = record.model_copy(update={"extra": {**record.extra, "reason": reason}})
        with self.engine.begin() as connection:
            moved = self.approvals.settle_in(
                connection, decision_id, expected=ApprovalStatus.AUTO,
                status=ApprovalStatus.RECALLED, by=by, at=at, reason=reason, open_until_after=at,
            )  # fmt: skip
            if not moved:
                raise ApprovalError(f"decision {decision_id} has no open recall window")
            self.log.append_in(connection, record)
            self.outbox.cancel_in(connection, decision_id, f"recalled by {by}: {reason}")
            if decision.offer is not None:
                self.state.close_contact_in(connection, decision.offer.id, "recalled", at)
        return record
