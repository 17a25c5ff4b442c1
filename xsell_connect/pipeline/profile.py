"""The facts about a customer that filters, scorers and policy read: computed once per decision.

Only derived, non-identifying values: age in years, segment, holdings, money in and out.
``features()`` is what an outside scorer receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from xsell_connect.models import AccountStatus, CreditDebit, KycStatus, PartyType, ProductFamily
from xsell_connect.sync import Customer360

__all__ = ["CREDIT_FAMILIES", "Profile", "age_band"]

CREDIT_FAMILIES = frozenset({ProductFamily.LOAN, ProductFamily.MORTGAGE, ProductFamily.CARD})
_DEPOSIT_FAMILIES = frozenset(
    {ProductFamily.CURRENT, ProductFamily.SAVINGS, ProductFamily.TERM_DEPOSIT}
)
_WINDOW_DAYS = 90


def age_band(age: int | None, bounds: tuple[int, ...]) -> str:
    """``"<25"``, ``"25-34"``, ..., ``"65+"`` for bounds (25, 35, 50, 65); ``"unknown"``."""
    if age is None:
        return "unknown"
    if not bounds or age < bounds[0]:
        return f"<{bounds[0]}" if bounds else "all"
    for low, high in pairwise(bounds):
        if low <= age < high:
            return f"{low}-{high - 1}"
    return f"{bounds[-1]}+"


@dataclass(frozen=True)
class Profile:
    party_type: PartyType
    kyc: KycStatus
    age: int | None
    segment: str
    residency: str | None
    tenure_months: int
    held_codes: frozenset[str]
    held_families: frozenset[ProductFamily]
    credit_products: int
    deposits: Decimal
    monthly_inflow: Decimal
    monthly_outflow: Decimal
    overdraft_episodes: int

    @classmethod
    def of(cls, c360: Customer360, now: datetime) -> Profile:
        party, today = c360.party, now.date()
        active = [a for a in c360.accounts if a.status is AccountStatus.ENAB]
        since = today - timedelta(days=_WINDOW_DAYS)
        inflow = outflow = Decimal(0)
        episodes = 0
        for account in active:
            if account.family is not ProductFamily.CURRENT:
                continue
            below = False
            for e in c360.entries_of(account.id):
                if e.booking_date < since or e.reversal:
                    continue
                if e.credit_debit is CreditDebit.CRDT:
                    inflow += e.amount
                else:
                    outflow += e.amount
                now_below = e.balance_after is not None and e.balance_after < 0
                episodes += int(now_below and not below)
                below = now_below
        deposits = sum(
            (
                max(a.booked or Decimal(0), Decimal(0))
                for a in active
                if a.family in _DEPOSIT_FAMILIES
            ),
            Decimal(0),
        )
        since_joined = party.customer_since
        tenure = 0
        if since_joined is not None:
            tenure = (today.year - since_joined.year) * 12 + today.month - since_joined.month
        months = Decimal(_WINDOW_DAYS) / Decimal(30)
        return cls(
            party_type=party.type,
            kyc=party.kyc_status,
            age=party.age_on(today),
            segment=party.segment or "UNKNOWN",
            residency=party.residency,
            tenure_months=max(tenure, 0),
            held_codes=frozenset(a.product_code for a in active),
            held_families=frozenset(a.family for a in active),
            credit_products=sum(1 for a in active if a.family in CREDIT_FAMILIES),
            deposits=deposits,
            monthly_inflow=(inflow / months).quantize(Decimal("0.01")),
            monthly_outflow=(outflow / months).quantize(Decimal("0.01")),
            overdraft_episodes=episodes,
        )

    def features(self) -> dict[str, Any]:
        """The scorer's input: JSON-compatible, no personal data."""
        return {
            "age": self.age,
            "segment": self.segment,
            "tenure_months": self.tenure_months,
            "held_families": sorted(str(f) for f in self.held_families),
            "credit_products": self.credit_products,
            "deposits": str(self.deposits),
            "monthly_inflow": str(self.monthly_inflow),
            "monthly_outflow": str(self.monthly_outflow),
            "overdraft_episodes": self.overdraft_episodes,
        }
