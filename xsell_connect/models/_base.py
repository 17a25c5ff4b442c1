"""Base classes and small value types shared by every canonical model."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "PII",
    "CanonicalModel",
    "CountryCode",
    "CurrencyCode",
    "Money",
    "SourceRecord",
    "pii_fields",
    "prechecked",
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


M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def prechecked(cls: type[M], values: dict[str, Any], fields_set: frozenset[str]) -> M:
    """An instance of ``cls`` over ``values`` as they stand: the validator does not run.

    Only for hot paths that hold every value to its field's exact type and constraints
    themselves, and whose tests pin that the validator accepts what they build and builds
    the same instance. ``values`` is used as the instance's ``__dict__``: it must be a
    fresh dict with every field; ``fields_set`` is what the validator would record as
    given (``model_fields_set``), copied into a set of the instance's own.
    """
    built = cls.__new__(cls)
    _set(built, "__dict__", values)
    _set(built, "__pydantic_fields_set__", set(fields_set))
    _set(built, "__pydantic_extra__", None)
    _set(built, "__pydantic_private__", None)
    return built
