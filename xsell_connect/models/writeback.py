"""What xsell-connect writes into a core: an offer, a Next_Best_Action value, receipts."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from ._base import CanonicalModel, CurrencyCode
from .codes import Channel

__all__ = [
    "NBA_CODE_PATTERN",
    "NextBestAction",
    "Offer",
    "OfferPricing",
    "OfferStatus",
    "WriteReceipt",
]

#: Action codes are short upper-case tokens so that every core's field can hold them.
NBA_CODE_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"


class OfferStatus(StrEnum):
    PROPOSED = "PROPOSED"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    PRESENTED = "PRESENTED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    RECALLED = "RECALLED"
    REJECTED = "REJECTED"


class OfferPricing(CanonicalModel):
    """Terms offered, always inside the catalog's bounds (checked by the Supervisor)."""

    currency: CurrencyCode
    rate: Decimal | None = None
    amount: Decimal | None = None
    term_months: int | None = Field(default=None, ge=0)


class Offer(CanonicalModel):
    """A product offered to a party. ``id`` is deterministic (see ``Offer.make_id``)."""

    id: str = Field(pattern=r"^OFR-[0-9A-F]{16}$")
    party_id: str = Field(min_length=1)
    product_code: str = Field(min_length=1)
    product_name: str
    nba_code: str = Field(pattern=NBA_CODE_PATTERN)
    pricing: OfferPricing
    channel: Channel
    score: Decimal = Field(ge=0, le=1)
    reason_codes: tuple[str, ...] = ()
    status: OfferStatus = OfferStatus.PROPOSED
    created_at: AwareDatetime
    expires_at: AwareDatetime
    template_id: str | None = None
    terms_version: str | None = None

    @staticmethod
    def make_id(party_id: str, pattern: str, triggering_event_id: str) -> str:
        """The same (party, pattern, triggering event) always yields the same offer id."""
        digest = hashlib.sha256(f"{party_id}\x1f{pattern}\x1f{triggering_event_id}".encode())
        return "OFR-" + digest.hexdigest()[:16].upper()


class NextBestAction(CanonicalModel):
    """The value written into the core's Next_Best_Action field for a party."""

    party_id: str = Field(min_length=1)
    action_code: str = Field(pattern=NBA_CODE_PATTERN)
    score: Decimal = Field(ge=0, le=1)
    expires_on: date | None = None
    offer_ref: str | None = None


class WriteReceipt(CanonicalModel):
    """What the core answered to a write: the record it created or changed."""

    operation: Literal["offer", "next_best_action", "audit_record"]
    party_id: str
    reference: str  # the core's id of the record written (task id, comment key, ...)
    idempotency_key: str
