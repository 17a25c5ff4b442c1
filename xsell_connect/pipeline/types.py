"""The typed hand-offs between pipeline stages (DESIGN §6), and the decision file.

    CanonicalEvent ──detect──▶ Signal ──enrich──▶ Customer360
        ──decide──▶ Candidate + FilterVerdict (eligibility, applicability, suitability)
                    ScoredCandidate (propensity × context weight × value × levers)
        ──govern──▶ PolicyCheck, Tier, Channel, DecisionOutcome
        ──act────▶ outbox effects (offer, Next_Best_Action, audit row, optional push)
        ──learn──▶ OfferResponse → contact history, suppression, metrics

Every stage is a small replaceable unit whose input and output are these models. The
``Decision`` is the decision file: everything needed to answer "why was this customer
offered X and not Y", hash-chained in the store by the audit trail.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, Field

from xsell_connect.models import CanonicalModel, Channel, Offer

__all__ = [
    "Candidate",
    "Decision",
    "DecisionOutcome",
    "EffectKind",
    "Factor",
    "FilterStage",
    "FilterVerdict",
    "Mode",
    "OfferResponse",
    "PolicyCheck",
    "ResponseKind",
    "ScoredCandidate",
    "Signal",
    "Tier",
]


class Tier(StrEnum):
    """How much autonomy a pattern has (policy decides, per pattern)."""

    OBSERVE = "observe"  # a human approves every offer
    GUARDED = "guarded"  # automatic below thresholds, with a recall window
    TRUSTED = "trusted"  # automatic


class Mode(StrEnum):
    LIVE = "live"
    SHADOW = "shadow"  # everything runs, nothing is written to the core


class Signal(CanonicalModel):
    """A moment worth acting on, detected from events and the Customer 360.

    ``id`` names the rule ("salary_credit", "large_deposit_no_savings", ...) and doubles
    as the pattern that policy tiers, holdouts and circuit breakers are keyed on.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    version: str = Field(min_length=1)
    party_id: str = Field(min_length=1)
    reason: str = Field(min_length=1)  # human-readable, no PII
    event_ids: tuple[str, ...] = Field(min_length=1)
    detected_at: AwareDatetime
    context_weight: Decimal = Field(default=Decimal(1), ge=0)
    products: tuple[str, ...] = ()  # product families or codes the signal points to
    facts: dict[str, str] = Field(default_factory=dict)  # the thresholds met, as text


class FilterStage(StrEnum):
    ELIGIBILITY = "eligibility"  # may the customer have it
    APPLICABILITY = "applicability"  # is it relevant now
    SUITABILITY = "suitability"  # is it in the customer's interest


class Candidate(CanonicalModel):
    product_code: str = Field(min_length=1)
    catalog_version: str = Field(min_length=1)


class FilterVerdict(CanonicalModel):
    """One rule applied to one candidate; ``passed=False`` removed it."""

    product_code: str
    stage: FilterStage
    rule_id: str
    passed: bool
    reason: str


class Factor(CanonicalModel):
    name: str  # "propensity" | "context_weight" | "value" | "levers"
    value: Decimal = Field(ge=0)
    explanation: str


class ScoredCandidate(CanonicalModel):
    """Arbitration priority = the product of the factors, each explained."""

    product_code: str
    priority: Decimal = Field(ge=0)
    factors: tuple[Factor, ...]
    scorer: str  # which scorer produced the propensity, with its version
    fallback: bool = False  # the configured scorer failed or timed out
    fallback_reason: str | None = None


class PolicyCheck(CanonicalModel):
    rule_id: str
    passed: bool
    reason: str
    product_code: str | None = None  # the candidate the rule was applied to, if any


class DecisionOutcome(StrEnum):
    OFFERED = "offered"  # approved automatically, effects queued in the outbox
    PENDING_APPROVAL = "pending_approval"  # waits for a human
    APPROVED = "approved"  # a human approved it, effects queued
    REJECTED = "rejected"  # a human rejected it
    RECALLED = "recalled"  # withdrawn inside the recall window
    SUPPRESSED = "suppressed"  # a policy rule blocked it
    NO_CANDIDATE = "no_candidate"  # every candidate was filtered out
    HOLDOUT = "holdout"  # the party is in the pattern's control group
    PAUSED = "paused"  # circuit breaker open or kill switch on


class Decision(CanonicalModel):
    """The decision file. Carries a keyed pseudonym of the party, never PII."""

    decision_id: str
    party_ref: str  # keyed pseudonym of the party id (DESIGN §8)
    party_id: str  # the core's reference, needed to write back; never logged
    platform: str
    pattern: str
    mode: Mode = Mode.LIVE
    event_ids: tuple[str, ...]
    signals: tuple[Signal, ...]
    inputs_digest: str  # sha-256 of the canonical inputs (events + Customer 360)
    catalog_version: str
    candidates: tuple[str, ...]
    verdicts: tuple[FilterVerdict, ...]
    scored: tuple[ScoredCandidate, ...]
    chosen: str | None = None
    offer: Offer | None = None
    template_id: str | None = None
    template_version: str | None = None
    terms_version: str | None = None
    channel: Channel | None = None
    disclosures: tuple[str, ...] = ()
    policy: tuple[PolicyCheck, ...] = ()
    tier: Tier | None = None
    outcome: DecisionOutcome
    approver: str | None = None
    idempotency_key: str | None = None
    decided_at: AwareDatetime
    timestamps: dict[str, AwareDatetime] = Field(default_factory=dict)  # per stage
    extra: dict[str, Any] = Field(default_factory=dict)


class EffectKind(StrEnum):
    """One outbox row per effect; the idempotency key is derived from the decision's."""

    OFFER = "offer"
    NEXT_BEST_ACTION = "next_best_action"
    AUDIT_RECORD = "audit_record"
    CHANNEL_PUSH = "channel_push"
    FOLLOW_UP_TASK = "follow_up_task"


class ResponseKind(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    COMPLAINED = "complained"
    OPTED_OUT = "opted_out"


class OfferResponse(CanonicalModel):
    """A customer's response to an offer, as reported by the core or a channel."""

    offer_id: str
    party_id: str
    kind: ResponseKind
    at: AwareDatetime
    event_id: str | None = None
