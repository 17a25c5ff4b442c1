"""Mambu clients → canonical ``Party``. Pure functions, no I/O.

Segment, KYC status, relationship manager, branch, customer-since date, preferred channel,
consents, nationality and residency live in the bank's ``_profile`` custom-field set
(project convention shared with the Mambu mock; Mambu has no native fields for them).
Custom fields appear only with ``detailsLevel=FULL`` (reference §2.1).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from xsell_connect.mapping import RecordReader, build_model, country_code
from xsell_connect.models import (
    Channel,
    Consent,
    ContactKind,
    ContactPoint,
    Party,
    PartyType,
    PostalAddress,
)

from ._codes import Codes, extra_fields, local_day
from .settings import MambuConventions

__all__ = ["to_party"]

PLATFORM = "mambu"
_DEFAULT_CONVENTIONS = MambuConventions()
_CONSENT_CHANNELS = tuple(c for c in Channel if c is not Channel.UNKNOWN)
#: Vendor fields kept in ``extra``: codes and keys, never personal data.
_EXTRA = ("gender", "preferredLanguage", "clientRoleKey", "assignedBranchKey")


def to_party(
    raw: Any,
    *,
    platform: str = PLATFORM,
    conventions: MambuConventions = _DEFAULT_CONVENTIONS,
    tz: tzinfo | None = None,
) -> Party:
    """A Mambu client (read with ``detailsLevel=FULL``) as a ``Party``.

    ``id`` is the client ``id`` (customer number), ``source_id`` its ``encodedKey``. Segment,
    KYC status, relationship manager, branch, consents, nationality and residency come from
    the bank's profile custom-field set (project convention, ``conventions``).
    Organisations are clients with ``Party_Type=ORGANISATION``, ``firstName`` ``"-"`` and
    the organisation's name in ``lastName``.
    """
    r = RecordReader(raw, platform=platform)
    profile = r.obj(conventions.profile_field_set)
    party_type, type_raw = profile.code("Party_Type", Codes.PARTY_TYPE)
    if type_raw is None:
        party_type = PartyType.PERSON  # a Mambu client is an individual unless told otherwise
    status, status_raw = r.code("state", Codes.CLIENT_STATE, required=True)
    kyc, kyc_raw = profile.code("KYC_Status", Codes.KYC)
    organisation = party_type is PartyType.ORGANISATION
    first, last = r.text("firstName"), r.text("lastName")
    since = profile.day("Customer_Since") or local_day(r, "activationDate", tz)
    nationality, residency = profile.text("Nationality"), profile.text("Residency")
    preferred = profile.text("Preferred_Channel")
    language_raw = r.text("preferredLanguage")
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": r.req_text("encodedKey"),
        "id": r.req_text("id"),
        "type": party_type,
        "type_raw": type_raw,
        "status": status,
        "status_raw": status_raw,
        "given_name": None if organisation else first,
        "middle_name": None if organisation else r.text("middleName"),
        "family_name": None if organisation else last,
        "legal_name": last if organisation else None,
        "birth_date": r.day("birthDate"),
        "segment": profile.text("Segment"),
        "branch": profile.text("Branch_Code") or r.text("assignedBranchKey"),
        "kyc_status": kyc,
        "kyc_status_raw": kyc_raw,
        "relationship_manager": profile.text("Relationship_Manager"),
        "customer_since": since,
        "nationality": country_code(nationality),
        "residency": country_code(residency),
        "language": Codes.LANGUAGES.get((language_raw or "").upper()),
        "preferred_channel": Codes.CHANNEL(preferred) if preferred else None,
        "consents": _consents(profile),
        "addresses": tuple(_address(a) for a in r.items("addresses")),
        "contacts": _contacts(r),
        "created_at": r.timestamp("creationDate"),
        "updated_at": r.timestamp("lastModifiedDate"),
        "extra": {
            **extra_fields(raw, _EXTRA),
            **_nba_extra(r, conventions),
            **(
                {"Preferred_Channel": preferred}
                if preferred and not Codes.CHANNEL.known(preferred)
                else {}
            ),
        },
    }
    return build_model(Party, values, r)


def _consents(profile: RecordReader) -> tuple[Consent, ...]:
    consents = []
    for channel in _CONSENT_CHANNELS:
        granted = profile.flag(f"Consent_{channel.value}")
        if granted is not None:
            consents.append(Consent(channel=channel, granted=granted))
    return tuple(consents)


def _address(a: RecordReader) -> PostalAddress:
    lines = tuple(t for t in (a.text("line1"), a.text("line2")) if t)
    country_raw = a.text("country")
    return PostalAddress(
        lines=lines,
        city=a.text("city"),
        postcode=a.text("postcode"),
        region=a.text("region"),
        country=country_code(country_raw),
        country_raw=country_raw,
    )


def _contacts(r: RecordReader) -> tuple[ContactPoint, ...]:
    fields = (
        ("emailAddress", ContactKind.EMAIL),
        ("mobilePhone", ContactKind.MOBILE),
        ("mobilePhone2", ContactKind.MOBILE),
        ("homePhone", ContactKind.PHONE),
    )
    return tuple(
        ContactPoint(kind=kind, value=value)
        for key, kind in fields
        if (value := r.text(key)) is not None and value.strip()
    )


def _nba_extra(r: RecordReader, conventions: MambuConventions) -> dict[str, Any]:
    """The NBA custom-field set as written back (action codes, scores: no personal data)."""
    nba = r.obj(conventions.nba_field_set)
    values = {k: v for k, v in nba.raw.items() if isinstance(v, str)}
    return {conventions.nba_field_set: values} if values else {}
