"""Base classes and small value types shared by every canonical model."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "PII",
    "CanonicalModel",
    "CountryCode",
    "CurrencyCode",
    "Money",
    "SourceRecord",
    "pii_fields",
]

#: ISO 4217 alphabetic currency code.
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
#: ISO 3166-1 alpha-2 country code.
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

#: Marks a field as personal data: never logged, scrubbed from recordings (DESIGN §8).
PII: dict[str, Any] = {"x-pii": True}


class CanonicalModel(BaseModel):
    """Frozen, closed model: unknown fields are an error, instances never change."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class SourceRecord(CanonicalModel):
    """A record that came from a core.

    Attributes:
        platform: the adapter's name, e.g. ``"mambu"``.
        source_id: the core's own key for the record (Mambu ``encodedKey``, a T24 record id).
        extra: vendor fields with no canonical slot, JSON-compatible, kept as received.
    """

    platform: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source_id: str = Field(min_length=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class Money(CanonicalModel):
    """An amount in a currency. Never a float."""

    amount: Decimal
    currency: CurrencyCode


def pii_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of ``model`` marked as personal data."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("x-pii")
    )
