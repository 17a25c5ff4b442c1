"""The signal catalogue: each rule's id, version, thresholds and the products it points to.

Thresholds live in configuration, not code: ``defaults/signals.toml`` is embedded, and a
bank overrides it with its own file (``SignalCatalogue.load(path)``; an invalid file stops
start-up with the field and the reason). Each table of the file configures one rule::

    [large_deposit_no_savings]
    version = "1"
    min_amount = "10000"
    context_weight = "1.3"
    products = ["SAVINGS", "TERM_DEPOSIT"]   # product families or product codes

Engagement signals from digital channels arrive as CloudEvents of the types in
``ENGAGEMENT_TYPES``; their ``data`` is ``{"product": "<code>", "views": <int>}`` for a
product page viewed (``views`` = views in the channel's session window) and
``{"product": "<code>", "step": "<where it stopped>"}`` for an abandoned application;
``subject`` is the party id.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from xsell_connect.policy.loader import load_default, load_model

__all__ = [
    "APPLICATION_ABANDONED",
    "ENGAGEMENT_TYPES",
    "PRODUCT_VIEWED",
    "SignalCatalogue",
]

PRODUCT_VIEWED = "com.xsell.engagement.product_viewed"
APPLICATION_ABANDONED = "com.xsell.engagement.application_abandoned"
ENGAGEMENT_TYPES = frozenset({PRODUCT_VIEWED, APPLICATION_ABANDONED})


class Rule(BaseModel):
    """What every rule has: a version, a switch, a weight and the products it points to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(default="1", min_length=1)
    enabled: bool = True
    context_weight: Decimal = Field(default=Decimal(1), ge=0)
    products: tuple[str, ...] = ()


class SalaryCredit(Rule):
    min_amount: Decimal = Field(default=Decimal(1000), ge=0)
    keywords: tuple[str, ...] = ("SALAIRE", "SALARY", "PAYROLL", "WAGES", "GEHALT")
    sub_families: tuple[str, ...] = ("SALA",)  # ISO 20022 bank transaction sub-family


class LargeDeposit(Rule):
    min_amount: Decimal = Field(default=Decimal(10000), ge=0)
    savings_families: tuple[str, ...] = ("SAVINGS", "TERM_DEPOSIT", "INVESTMENT")


class PersistentSurplus(Rule):
    min_balance: Decimal = Field(default=Decimal(5000), ge=0)
    days: int = Field(default=90, ge=1)
    min_entries: int = Field(default=5, ge=1)


class HighCardUtilisation(Rule):
    min_utilisation: Decimal = Field(default=Decimal("0.7"), ge=0, le=1)
    min_repayments: int = Field(default=2, ge=0)
    lookback_days: int = Field(default=90, ge=1)


class RepeatedOverdraft(Rule):
    min_episodes: int = Field(default=3, ge=1)
    lookback_days: int = Field(default=90, ge=1)


class LoanRepaid(Rule):
    pass


class DepositMaturing(Rule):
    within_days: int = Field(default=30, ge=0)


class LargePurchase(Rule):
    min_amount: Decimal = Field(default=Decimal(500), ge=0)
    category: str = "home improvement"
    mccs: tuple[str, ...] = ("5200", "5211", "5231", "5251", "5261", "5712", "5722")


class FirstInternational(Rule):
    lookback_days: int = Field(default=365, ge=1)


class DormancyDrift(Rule):
    recent_days: int = Field(default=60, ge=1)
    prior_days: int = Field(default=180, ge=1)
    max_ratio: Decimal = Field(default=Decimal("0.3"), ge=0)
    min_prior_entries: int = Field(default=10, ge=1)


class ProductViewed(Rule):
    min_views: int = Field(default=3, ge=1)


class ApplicationAbandoned(Rule):
    pass


class SignalCatalogue(BaseModel):
    """Every rule's configuration; the table names are the signal ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    salary_credit: SalaryCredit = SalaryCredit()
    large_deposit_no_savings: LargeDeposit = LargeDeposit()
    persistent_surplus: PersistentSurplus = PersistentSurplus()
    high_card_utilisation: HighCardUtilisation = HighCardUtilisation()
    repeated_overdraft: RepeatedOverdraft = RepeatedOverdraft()
    loan_repaid: LoanRepaid = LoanRepaid()
    term_deposit_maturing: DepositMaturing = DepositMaturing()
    large_purchase: LargePurchase = LargePurchase()
    first_international_transaction: FirstInternational = FirstInternational()
    dormancy_drift: DormancyDrift = DormancyDrift()
    product_viewed: ProductViewed = ProductViewed()
    application_abandoned: ApplicationAbandoned = ApplicationAbandoned()

    @classmethod
    def load(cls, path: Path | str | None = None) -> SignalCatalogue:
        """The embedded defaults, or ``path`` (a full catalogue; omitted tables take defaults)."""
        if path is None:
            return load_default("signals.toml", cls)
        return load_model(path, cls)

    def rule(self, signal_id: str) -> Rule:
        found = getattr(self, signal_id, None)
        if not isinstance(found, Rule):
            raise KeyError(signal_id)
        return found
