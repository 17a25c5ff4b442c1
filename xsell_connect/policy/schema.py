"""The policy file's schema: what a bank's compliance team writes, validated before start-up.

A policy is TOML (``defaults/policy.toml`` is the embedded default)::

    version = "2026-01"
    kill_switch = false
    default_tier = "observe"

    [tiers]                       # per pattern (signal id)
    salary_credit = "trusted"
    large_deposit_no_savings = "guarded"

    [consent]
    purpose = "MARKETING"         # consent per channel, as recorded in the CIF

    [contact_limits.EMAIL]        # at most `max` contacts per `days` on a channel
    max = 2
    days = 30

    [suppression]
    decline_days = 90             # no new offer of a product for 90 days after a decline

    [no_expose]                   # never offered / never contacted
    parties = []
    segments = []
    products = []

    [approval]                    # guarded: automatic only below these thresholds
    max_amount = "25000"
    min_score = "0.2"
    recall_window_hours = 24

    [channels]
    fallback = "EMAIL"            # when the CIF names no preferred channel
    [[channels.forced]]           # policy forces a channel and attaches disclosures
    product = "HOME_MORTGAGE"     # a product code or a family
    channel = "BRANCH"
    disclosures = ["MORTGAGE_ESIS"]

    [fairness]                    # offer rate by age band and segment
    window_days = 30
    min_decisions = 30
    min_ratio = "0.8"             # disparate impact: lowest rate / highest rate
    action = "alarm"              # or "require_approval"

    [breakers]                    # pause a pattern
    window_hours = 24
    min_writebacks = 20
    max_error_rate = "0.2"
    min_offers = 20
    max_complaint_rate = "0.05"
    max_opt_out_rate = "0.05"

    [holdout]
    share = "0.1"                 # default control share per pattern
    salt = "xsell-holdout-v1"
    [holdout.patterns]
    salary_credit = "0.05"

    [suitability]                 # affordability and liquidity (Decide's third filter)
    min_monthly_inflow_credit = "1000"
    max_credit_products = 2

    [levers]                      # business levers per product code or family
    TERM_DEPOSIT = "1.2"
    [values]                      # value of a sale per product code or family
    MORTGAGE = "3.0"
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xsell_connect.models import Channel

from ..pipeline.types import Tier
from .loader import load_default, load_model

__all__ = [
    "Approval",
    "Breakers",
    "ChannelPolicy",
    "ContactLimit",
    "Fairness",
    "ForcedChannel",
    "Holdout",
    "NoExpose",
    "Policy",
    "Suitability",
]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Consent(_Section):
    required: bool = True
    purpose: str = Field(default="MARKETING", min_length=1)


class ContactLimit(_Section):
    max: int = Field(ge=0)
    days: int = Field(ge=1)


class Suppression(_Section):
    decline_days: int = Field(default=90, ge=0)


class NoExpose(_Section):
    parties: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    products: tuple[str, ...] = ()


class Pricing(_Section):
    within_catalog_bounds: bool = True


class Approval(_Section):
    max_amount: Decimal | None = Field(default=None, ge=0)
    min_score: Decimal = Field(default=Decimal(0), ge=0, le=1)
    recall_window_hours: int = Field(default=24, ge=0)


class ForcedChannel(_Section):
    product: str = Field(min_length=1)
    channel: Channel
    disclosures: tuple[str, ...] = ()


class ChannelPolicy(_Section):
    fallback: Channel = Channel.EMAIL
    forced: tuple[ForcedChannel, ...] = ()


class Fairness(_Section):
    window_days: int = Field(default=30, ge=1)
    min_decisions: int = Field(default=30, ge=1)
    min_ratio: Decimal = Field(default=Decimal("0.8"), gt=0, le=1)
    action: Literal["alarm", "require_approval"] = "alarm"
    age_bands: tuple[int, ...] = (25, 35, 50, 65)  # lower bounds of the bands after the first

    @model_validator(mode="after")
    def _bands_ascending(self) -> Fairness:
        if list(self.age_bands) != sorted(set(self.age_bands)):
            raise ValueError("age_bands must be strictly ascending")
        return self


class Breakers(_Section):
    window_hours: int = Field(default=24, ge=1)
    min_writebacks: int = Field(default=20, ge=1)
    max_error_rate: Decimal = Field(default=Decimal("0.2"), ge=0, le=1)
    min_offers: int = Field(default=20, ge=1)
    max_complaint_rate: Decimal = Field(default=Decimal("0.05"), ge=0, le=1)
    max_opt_out_rate: Decimal = Field(default=Decimal("0.05"), ge=0, le=1)


class Holdout(_Section):
    share: Decimal = Field(default=Decimal("0.1"), ge=0, le=1)
    salt: str = Field(default="xsell-holdout-v1", min_length=1)
    patterns: dict[str, Decimal] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shares_in_range(self) -> Holdout:
        for pattern, share in self.patterns.items():
            if not 0 <= share <= 1:
                raise ValueError(f"patterns.{pattern} must be between 0 and 1")
        return self

    def share_of(self, pattern: str) -> Decimal:
        return self.patterns.get(pattern, self.share)


class Suitability(_Section):
    """Is it in the customer's interest (the Decide stage's third filter)."""

    min_monthly_inflow_credit: Decimal = Field(default=Decimal(1000), ge=0)
    min_monthly_inflow_mortgage: Decimal = Field(default=Decimal(2500), ge=0)
    max_credit_products: int = Field(default=2, ge=0)
    max_overdraft_episodes: int = Field(default=2, ge=0)
    liquidity_buffer_months: Decimal = Field(default=Decimal(1), ge=0)


class Policy(_Section):
    """The whole policy. Every section has a safe default; unknown keys are errors."""

    version: str = Field(min_length=1)
    kill_switch: bool = False
    default_tier: Tier = Tier.OBSERVE
    tiers: dict[str, Tier] = Field(default_factory=dict)
    offer_validity_days: int = Field(default=30, ge=1)
    consent: Consent = Consent()
    contact_limits: dict[Channel, ContactLimit] = Field(default_factory=dict)
    suppression: Suppression = Suppression()
    no_expose: NoExpose = NoExpose()
    pricing: Pricing = Pricing()
    approval: Approval = Approval()
    channels: ChannelPolicy = ChannelPolicy()
    fairness: Fairness = Fairness()
    breakers: Breakers = Breakers()
    holdout: Holdout = Holdout()
    suitability: Suitability = Suitability()
    levers: dict[str, Decimal] = Field(default_factory=dict)
    values: dict[str, Decimal] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _factors_not_negative(self) -> Policy:
        for table in ("levers", "values"):
            for key, factor in getattr(self, table).items():
                if factor < 0:
                    raise ValueError(f"{table}.{key} must not be negative")
        return self

    @classmethod
    def load(cls, path: Path | str | None = None) -> Policy:
        """The embedded default policy, or the file at ``path``; ``PolicyError`` if invalid."""
        if path is None:
            return load_default("policy.toml", cls)
        return load_model(path, cls)

    def tier_of(self, pattern: str) -> Tier:
        return self.tiers.get(pattern, self.default_tier)
