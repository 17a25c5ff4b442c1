"""Canonical write-back → Transact request bodies. Pure functions, no I/O.

- Offer → customer advert (``POST /party/customers/adverts``). ``transactionApplication``
  ``XSELL`` and ``transactionId`` = a reference derived from the idempotency key mark the
  advert as ours, so a retried write finds the first one instead of adding another.
- Next_Best_Action → the customer record as just read, with the local reference fields
  ``XSELL.NBA`` / ``XSELL.NBA.SCORE`` / ``XSELL.NBA.EXPIRY`` in ``extensions``
  (``PUT /party/customers/{id}``; project convention, reference §4).
- AI_Interaction_Audit → a contact-history row (``POST /party/customers/contactHistory``);
  its first note carries the audit prefix and the reference, the second the row as JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from xsell_connect.models import AuditRecord, Channel, NextBestAction, Offer

from .mapping import transact_product_id
from .settings import TemenosConventions

__all__ = [
    "advert_body",
    "audit_body",
    "has_reference",
    "nba_record",
    "nba_value",
    "write_reference",
]

#: Canonical channel → ``contactChannel`` (bank-configured values; project convention).
_CHANNELS = {
    Channel.EMAIL: "EMAIL", Channel.SMS: "SMS", Channel.PUSH: "MOBILE", Channel.PHONE: "PHONE",
    Channel.POST: "LETTER", Channel.BRANCH: "BRANCH", Channel.WEB: "INTERNET",
}  # fmt: skip


def write_reference(idempotency_key: str) -> str:
    """A short, stable reference for a write: ``XS`` + 16 hex digits of the key's digest."""
    return "XS" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16].upper()


def advert_body(offer: Offer, reference: str, conventions: TemenosConventions) -> dict[str, Any]:
    return {
        "customerId": offer.party_id,
        "opportunityProductId": transact_product_id(offer.product_code),
        "opportunityDirection": conventions.advert_direction,
        "opportunityTemplateId": conventions.advert_template,
        "opportunityStatus": conventions.advert_status,
        "startDate": offer.created_at.date().isoformat(),
        "transactionApplication": conventions.advert_application,
        "transactionId": reference,
    }


def audit_body(
    record: AuditRecord, reference: str, conventions: TemenosConventions, company_id: str
) -> dict[str, Any]:
    decided = record.decided_at
    return {
        "customerId": record.party_id,
        "contactType": conventions.contact_type,
        "contactStatus": conventions.contact_status,
        "contactChannel": _CHANNELS.get(record.channel, "OTHER") if record.channel else "OTHER",
        "contactDescription": (
            f"NBA {record.nba_code} {record.outcome.value.lower()} "
            f"(score {record.score}, model {record.model_version})"
        ),
        "contactDate": decided.date().isoformat(),
        "contactTime": decided.strftime("%H:%M"),
        "contactDirection": "OUTBOUND",
        "notes": [
            {"contactNote": f"{conventions.audit_prefix} ref={reference}"},
            {"contactNote": record.compact_json()},
        ],
        "staffs": [{"contactStaff": conventions.contact_staff}],
        "companyId": company_id,
    }


def has_reference(row: Mapping[str, Any], reference: str, conventions: TemenosConventions) -> bool:
    """Whether an advert or contact-history row is the one written under ``reference``."""
    if row.get("transactionId") == reference:
        return True
    marker = f"{conventions.audit_prefix} ref={reference}"
    notes = row.get("notes")
    return isinstance(notes, list) and any(
        isinstance(n, dict) and n.get("contactNote") == marker for n in notes
    )


def nba_value(nba: NextBestAction, conventions: TemenosConventions) -> dict[str, str]:
    """The ``extensions`` entries of the Next_Best_Action local fields."""
    return {
        conventions.nba_extension: nba.action_code,
        conventions.score_extension: format(nba.score, "f"),
        conventions.expiry_extension: nba.expires_on.strftime("%Y%m%d") if nba.expires_on else "",
    }


def nba_record(
    record: Mapping[str, Any], nba: NextBestAction, conventions: TemenosConventions
) -> dict[str, Any] | None:
    """The record to PUT, or None when it already holds exactly these values."""
    current = record.get("extensions")
    extensions = dict(current) if isinstance(current, Mapping) else {}
    wanted = nba_value(nba, conventions)
    if all(extensions.get(k) == v for k, v in wanted.items()):
        return None
    return {**record, "extensions": {**extensions, **wanted}}
