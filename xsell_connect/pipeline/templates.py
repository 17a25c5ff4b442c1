"""Approved, versioned message templates, and offers composed only from catalog terms.

Templates are TOML (``defaults/templates.toml`` embedded; a bank's file replaces it)::

    [[template]]
    id = "savings-welcome"
    version = "3"
    products = ["SAVINGS"]            # product codes or families
    channels = []                     # empty = every channel
    subject = "Put your money to work with {product_name}"
    body = "Earn {rate}% a year on {product_name}, from {amount} {currency}."
    approved = true
    approved_by = "COMPLIANCE-042"

Only approved templates are ever used, and only the placeholders in ``PLACEHOLDERS`` are
allowed, so no template can reach personal data. The offer's pricing is the catalog's
default terms for the product, never a number a template or a scorer chose.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xsell_connect.models import Channel, Offer, OfferPricing, OfferStatus, Product
from xsell_connect.policy.loader import load_default, load_model

__all__ = ["PLACEHOLDERS", "Template", "TemplateSet", "compose_offer", "nba_code", "pricing_of"]

PLACEHOLDERS = frozenset({"product_name", "rate", "amount", "currency", "term_months"})


class Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    version: str = Field(min_length=1)
    products: tuple[str, ...] = Field(min_length=1)
    channels: tuple[Channel, ...] = ()
    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)
    approved: bool = False
    approved_by: str | None = None
    approved_on: date | None = None

    @field_validator("subject", "body")
    @classmethod
    def _known_placeholders(cls, text: str) -> str:
        for _, name, _, _ in string.Formatter().parse(text):
            if name is not None and name not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{name}}}; allowed: {sorted(PLACEHOLDERS)}")
        return text

    def fits(self, product: Product, channel: Channel) -> bool:
        named = product.code in self.products or str(product.family) in self.products
        return named and (not self.channels or channel in self.channels)

    def render(self, product: Product, pricing: OfferPricing) -> tuple[str, str]:
        values = {
            "product_name": product.name,
            "rate": "" if pricing.rate is None else f"{pricing.rate:.2f}",
            "amount": "" if pricing.amount is None else f"{pricing.amount:,.0f}",
            "currency": pricing.currency,
            "term_months": "" if pricing.term_months is None else str(pricing.term_months),
        }
        return self.subject.format_map(values), self.body.format_map(values)


class TemplateSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template: tuple[Template, ...] = ()

    @classmethod
    def load(cls, path: Path | str | None = None) -> TemplateSet:
        if path is None:
            return load_default("templates.toml", cls)
        return load_model(path, cls)

    def find(self, product: Product, channel: Channel) -> Template | None:
        """The approved template for the product on the channel: a code beats a family."""
        fitting = [t for t in self.template if t.approved and t.fits(product, channel)]
        fitting.sort(key=lambda t: (product.code in t.products, t.version, t.id), reverse=True)
        return fitting[0] if fitting else None


def nba_code(product_code: str) -> str:
    """The product code as a Next_Best_Action token (``^[A-Z][A-Z0-9_]{0,63}$``)."""
    code = re.sub(r"[^A-Z0-9_]", "_", product_code.upper())
    return (code if code[:1].isalpha() else "P" + code)[:64]


def pricing_of(product: Product) -> OfferPricing:
    """The catalog's default terms: default rate (else the best for the customer), min amount."""
    rate = None
    if product.rate is not None:
        rate = product.rate.default if product.rate.default is not None else product.rate.min
    amount: Decimal | None = product.amount.min if product.amount else None
    term = product.term.min_months if product.term else None
    return OfferPricing(currency=product.currency, rate=rate, amount=amount, term_months=term)


def compose_offer(
    *,
    offer_id: str,
    party_id: str,
    product: Product,
    template: Template,
    terms_version: str,
    channel: Channel,
    score: Decimal,
    reason_codes: tuple[str, ...],
    now: datetime,
    validity_days: int,
    status: OfferStatus = OfferStatus.PROPOSED,
) -> Offer:
    """An offer from the catalog's terms and an approved template, nothing else."""
    return Offer(
        id=offer_id,
        party_id=party_id,
        product_code=product.code,
        product_name=product.name,
        nba_code=nba_code(product.code),
        pricing=pricing_of(product),
        channel=channel,
        score=min(max(score, Decimal(0)), Decimal(1)),
        reason_codes=reason_codes,
        status=status,
        created_at=now,
        expires_at=now + timedelta(days=validity_days),
        template_id=f"{template.id}@{template.version}",
        terms_version=terms_version,
    )
