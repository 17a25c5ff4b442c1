"""Shared pieces of the Act / Learn / runner tests: a fake clock, offered decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from xsell_connect.models import Channel, Offer, OfferPricing
from xsell_connect.pipeline.types import Decision, DecisionOutcome, ScoredCandidate, Signal, Tier

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock that only moves when slept on or advanced: no test waits for real time."""

    now_: datetime = field(default=T0)

    def __call__(self) -> datetime:
        return self.now_

    async def sleep(self, seconds: float) -> None:
        self.now_ += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.now_ += timedelta(**delta)


def offered(party_id: str, i: int = 1, *, at: datetime = T0, **changes: object) -> Decision:
    """An OFFERED decision for ``party_id`` with a savings offer by e-mail."""
    event_id = f"evt-{party_id}-{i}"
    offer = Offer(
        id=Offer.make_id(party_id, "salary_credit", event_id),
        party_id=party_id,
        product_code="SAV01",
        product_name="Savings Plus",
        nba_code="OFFER_SAV01",
        pricing=OfferPricing(currency="EUR", rate=Decimal("2.5")),
        channel=Channel.EMAIL,
        score=Decimal("0.42"),
        reason_codes=("SIG_SALARY_CREDIT",),
        created_at=at,
        expires_at=at + timedelta(days=30),
    )
    signal = Signal(
        id="salary_credit",
        version="1",
        party_id=party_id,
        reason="salary credited",
        event_ids=(event_id,),
        detected_at=at,
    )
    values: dict[str, object] = {
        "decision_id": f"DEC-{party_id}-{i}",
        "party_ref": f"v1:{party_id}",
        "party_id": party_id,
        "platform": "mambu",
        "pattern": "salary_credit",
        "event_ids": (event_id,),
        "signals": (signal,),
        "inputs_digest": "0" * 64,
        "catalog_version": "cat-1",
        "candidates": ("SAV01", "CARD01"),
        "verdicts": (),
        "scored": (
            ScoredCandidate(
                product_code="SAV01", priority=Decimal("0.4"), factors=(), scorer="d-1"
            ),
            ScoredCandidate(
                product_code="CARD01", priority=Decimal("0.2"), factors=(), scorer="d-1"
            ),
        ),
        "chosen": "SAV01",
        "offer": offer,
        "channel": Channel.EMAIL,
        "tier": Tier.TRUSTED,
        "outcome": DecisionOutcome.OFFERED,
        "idempotency_key": f"key-{party_id}-{i}",
        "decided_at": at,
    }
    return Decision.model_validate(values | changes)
