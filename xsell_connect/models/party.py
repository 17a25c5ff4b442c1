"""Party: the customer information file (CIF) record of a person or an organisation."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from ._base import PII, CanonicalModel, CountryCode, SourceRecord
from .codes import Channel, ContactKind, KycStatus, PartyStatus, PartyType

__all__ = ["Consent", "ContactPoint", "Party", "PostalAddress"]


class PostalAddress(CanonicalModel):
    lines: tuple[str, ...] = Field(default=(), json_schema_extra=PII)
    city: str | None = Field(default=None, json_schema_extra=PII)
    postcode: str | None = Field(default=None, json_schema_extra=PII)
    region: str | None = None
    country: CountryCode | None = None
    country_raw: str | None = None


class ContactPoint(CanonicalModel):
    kind: ContactKind
    value: str = Field(json_schema_extra=PII)
    preferred: bool = False


class Consent(CanonicalModel):
    """Marketing consent for one channel, as the core records it."""

    channel: Channel
    granted: bool
    purpose: str = "MARKETING"
    updated_at: AwareDatetime | None = None


class Party(SourceRecord):
    """A customer of the bank.

    ``id`` is the customer number the bank's staff know (CIF number); ``source_id`` is the
    core's internal key when it has a separate one. Names, birth date, addresses and
    contacts are personal data (``x-pii`` in the JSON Schema) and never reach logs.
    """

    id: str = Field(min_length=1)
    type: PartyType
    type_raw: str | None = None
    status: PartyStatus
    status_raw: str | None = None
    given_name: str | None = Field(default=None, json_schema_extra=PII)
    middle_name: str | None = Field(default=None, json_schema_extra=PII)
    family_name: str | None = Field(default=None, json_schema_extra=PII)
    legal_name: str | None = Field(default=None, json_schema_extra=PII)
    birth_date: date | None = Field(default=None, json_schema_extra=PII)
    segment: str | None = None
    branch: str | None = None
    kyc_status: KycStatus = KycStatus.UNKNOWN
    kyc_status_raw: str | None = None
    relationship_manager: str | None = None
    customer_since: date | None = None
    nationality: CountryCode | None = None
    residency: CountryCode | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    preferred_channel: Channel | None = None
    consents: tuple[Consent, ...] = ()
    addresses: tuple[PostalAddress, ...] = ()
    contacts: tuple[ContactPoint, ...] = ()
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    def age_on(self, day: date) -> int | None:
        """Whole years of age on ``day``, or None when the birth date is unknown."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def consents_to(self, channel: Channel, purpose: str = "MARKETING") -> bool:
        """True only when the core records a granted consent for this channel and purpose."""
        return any(
            c.granted for c in self.consents if c.channel is channel and c.purpose == purpose
        )
