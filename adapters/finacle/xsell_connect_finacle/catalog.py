"""The bank's static scheme table → canonical ``Product`` (project convention, §2.4).

Finacle has no public product-catalogue inquiry, so the catalog is configured: one row per
scheme (``SchmCode``, ``SchmType``, the bank's ``ProductCode``, family, currencies, rate /
amount / term bounds and eligibility). A scheme offered in several currencies becomes one
product per currency.
"""

from __future__ import annotations

from datetime import date

from xsell_connect.models import (
    AmountBounds,
    Channel,
    EligibilityRules,
    PartyType,
    Product,
    ProductFamily,
    RateBounds,
    TermBounds,
)

from .mapping import Codes
from .settings import Scheme

__all__ = ["to_products"]


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def _families(names: tuple[str, ...]) -> tuple[ProductFamily, ...]:
    return tuple(f for f in (Codes.FAMILY(n) for n in names) if f is not ProductFamily.UNKNOWN)


def to_products(scheme: Scheme) -> list[Product]:
    """The canonical products of one scheme-table row."""
    channels = tuple(Channel(c) for c in scheme.channels if c in Channel.__members__)
    party_types = tuple(
        t
        for code, t in (("RETAIL", PartyType.PERSON), ("CORPORATE", PartyType.ORGANISATION))
        if code in scheme.cust_types
    )
    products = []
    for currency in scheme.currencies:
        bounds = scheme.min_amount is not None or scheme.max_amount is not None
        terms = scheme.min_term_months is not None or scheme.max_term_months is not None
        products.append(
            Product(
                platform="finacle",
                source_id=scheme.schm_code,
                code=scheme.product_code,
                name=scheme.description,
                family=Codes.FAMILY(scheme.family),
                family_raw=scheme.schm_type,
                currency=currency,
                rate=RateBounds(
                    min=scheme.rate_min, max=scheme.rate_max, default=scheme.rate_default
                ),
                amount=AmountBounds(min=scheme.min_amount, max=scheme.max_amount, currency=currency)
                if bounds
                else None,
                term=TermBounds(
                    min_months=scheme.min_term_months, max_months=scheme.max_term_months
                )
                if terms
                else None,
                eligibility=EligibilityRules(
                    min_age=scheme.min_age,
                    max_age=scheme.max_age,
                    residency=scheme.residency,
                    segments=scheme.segments,
                    min_balance=scheme.min_balance,
                    requires_holdings=_families(scheme.requires_families),
                    excludes_holdings=_families(scheme.excludes_families),
                    party_types=party_types or (PartyType.PERSON,),
                ),
                channels=channels,
                active_from=_day(scheme.active_from),
                active_to=_day(scheme.active_to),
                version=scheme.version or None,
                extra={"schm_code": scheme.schm_code, "schm_type": scheme.schm_type},
            )
        )
    return products
