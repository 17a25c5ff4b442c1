"""Product: a catalog entry with its terms and eligibility rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from ._base import CanonicalModel, CountryCode, CurrencyCode, SourceRecord
from .codes import Channel, PartyType, ProductFamily, ProductStatus

__all__ = ["AmountBounds", "EligibilityRules", "Product", "RateBounds", "TermBounds"]


class RateBounds(CanonicalModel):
    """Interest rate bounds, percent per year."""

    min: Decimal | None = None
    max: Decimal | None = None
    default: Decimal | None = None


class AmountBounds(CanonicalModel):
    min: Decimal | None = None
    max: Decimal | None = None
    currency: CurrencyCode


class TermBounds(CanonicalModel):
    min_months: int | None = Field(default=None, ge=0)
    max_months: int | None = Field(default=None, ge=0)


class EligibilityRules(CanonicalModel):
    """Who may hold the product. Empty tuples mean "no restriction"."""

    min_age: int | None = Field(default=None, ge=0)
    max_age: int | None = Field(default=None, ge=0)
    residency: tuple[CountryCode, ...] = ()
    segments: tuple[str, ...] = ()
    min_balance: Decimal | None = None
    requires_holdings: tuple[ProductFamily, ...] = ()
    excludes_holdings: tuple[ProductFamily, ...] = ()
    party_types: tuple[PartyType, ...] = (PartyType.PERSON,)


class Product(SourceRecord):
    code: str = Field(min_length=1)
    name: str
    family: ProductFamily
    family_raw: str | None = None
    currency: CurrencyCode
    status: ProductStatus = ProductStatus.ACTIVE
    status_raw: str | None = None
    rate: RateBounds | None = None
    amount: AmountBounds | None = None
    term: TermBounds | None = None
    eligibility: EligibilityRules = EligibilityRules()
    channels: tuple[Channel, ...] = ()
    active_from: date | None = None
    active_to: date | None = None
    version: str | None = None
