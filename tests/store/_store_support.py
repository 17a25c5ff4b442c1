"""Decision files for store tests: small, valid, distinct by an index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from xsell_connect.pipeline.types import (
    Decision,
    DecisionOutcome,
    Factor,
    FilterStage,
    FilterVerdict,
    ScoredCandidate,
    Signal,
    Tier,
)
from xsell_connect.store import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
#: The inbox tests' fixed "now".
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def store_at_now(url: str) -> Iterator[Store]:
    """A store at ``url`` whose clock stands at ``NOW``, closed afterwards (a fixture's body)."""
    opened = Store.open(url, clock=lambda: NOW)
    yield opened
    opened.close()


def make_decision(i: int = 1, **changes: object) -> Decision:
    at = T0 + timedelta(minutes=i)
    signal = Signal(
        id="salary_credit",
        version="1",
        party_id=f"1000000{i:02d}",
        reason="salary credited",
        event_ids=(f"evt-{i}",),
        detected_at=at,
    )
    values: dict[str, object] = {
        "decision_id": f"DEC-{i:016X}",
        "party_ref": f"v1:{i:032x}",
        "party_id": f"1000000{i:02d}",
        "platform": "mambu",
        "pattern": "salary_credit",
        "event_ids": (f"evt-{i}",),
        "signals": (signal,),
        "inputs_digest": "0" * 64,
        "catalog_version": "cat-1",
        "candidates": ("SAV01", "CARD01"),
        "verdicts": (
            FilterVerdict(
                product_code="CARD01",
                stage=FilterStage.SUITABILITY,
                rule_id="affordability",
                passed=False,
                reason="card limit above affordability",
            ),
        ),
        "scored": (
            ScoredCandidate(
                product_code="SAV01",
                priority=Decimal("0.4"),
                factors=(Factor(name="propensity", value=Decimal("0.4"), explanation="p"),),
                scorer="default-1",
            ),
        ),
        "chosen": "SAV01",
        "tier": Tier.TRUSTED,
        "outcome": DecisionOutcome.OFFERED,
        "decided_at": at,
    }
    return Decision.model_validate(values | changes)


class Monotonic:
    """A stand-in for the engine's monotonic clock, moved by hand (``now += seconds``);
    the ``monotonic`` fixture (conftest) installs it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
