"""AuditRecord: the AI_Interaction_Audit row written into the core for every decision."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, Field

from ._base import CanonicalModel
from .codes import Channel
from .writeback import NBA_CODE_PATTERN

__all__ = ["AUDIT_FIELDS", "AuditOutcome", "AuditRecord"]

#: The project-wide audit fields every core receives, in this order.
AUDIT_FIELDS = (
    "audit_id",
    "customer_ref",
    "nba_code",
    "offer_ref",
    "score",
    "model_version",
    "reason_codes",
    "channel",
    "decided_at",
    "expires_at",
    "outcome",
    "correlation_id",
)


class AuditOutcome(StrEnum):
    PRESENTED = "PRESENTED"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    SUPPRESSED = "SUPPRESSED"
    REJECTED = "REJECTED"
    RECALLED = "RECALLED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


class AuditRecord(CanonicalModel):
    """One AI interaction, as the regulator's audit row.

    ``party_id`` is the core's reference, used only to attach the row to the customer in
    the core; the row's own content carries ``customer_ref``, a keyed pseudonym (DESIGN §8).
    """

    audit_id: str = Field(min_length=1)
    party_id: str = Field(min_length=1)
    customer_ref: str = Field(min_length=1)
    nba_code: str = Field(pattern=NBA_CODE_PATTERN)
    offer_ref: str | None = None
    score: Decimal = Field(ge=0, le=1)
    model_version: str
    reason_codes: tuple[str, ...] = ()
    channel: Channel | None = None
    decided_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    outcome: AuditOutcome
    correlation_id: str | None = None

    def row(self) -> dict[str, object]:
        """The audit fields in their fixed order, JSON-ready, without the core's reference."""
        dumped = self.model_dump(mode="json")
        return {name: dumped[name] for name in AUDIT_FIELDS}

    def compact_json(self) -> str:
        """The row as compact JSON, for cores that store it as text."""
        return json.dumps(self.row(), separators=(",", ":"), ensure_ascii=False)
