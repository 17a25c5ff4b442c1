"""Canonical write-back to FCUBS request bodies: UDFDETAILS, Offer-Full, Ai-Audit-Full.

Next_Best_Action rides in the customer's UDFs (``ModifyCustomerIO``), with the blocks the
older XSD requires but a UDF change does not touch passed as ``zeep.xsd.SkipValue``. Offers
and audit rows go to the bank's ``XSCEngagementService`` (project convention, reference §4):
FCUBS-style upper-case fields and ``yyyy-mm-dd hh:mm:ss`` stamps in the bank's zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from zeep.xsd import SkipValue

from xsell_connect.models import AuditRecord, NextBestAction, Offer

__all__ = ["audit_full", "nba_customer_io", "offer_full", "stamp"]

#: Blocks of Customer-IO the older XSD requires and a UDF write leaves alone.
_UNTOUCHED = ("Custgrp", "Custshhold", "Clsccyrest", "Bic")


def stamp(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def nba_customer_io(nba: NextBestAction, udf_names: tuple[str, str, str, str]) -> dict[str, Any]:
    """``Customer-IO`` for ModifyCustomer: CUSTNO, SkipValue blocks, the NBA UDFs."""
    action, score, expiry, offer_ref = udf_names
    values = {action: nba.action_code, score: str(nba.score),
              expiry: nba.expires_on.isoformat() if nba.expires_on else None,
              offer_ref: nba.offer_ref}  # fmt: skip
    udfs = [{"FLDNAM": k, "FLDVAL": v} if v else {"FLDNAM": k} for k, v in values.items()]
    return {"CUSTNO": nba.party_id, **dict.fromkeys(_UNTOUCHED, SkipValue), "UDFDETAILS": udfs}


def offer_full(offer: Offer, tz: ZoneInfo) -> dict[str, Any]:
    """``Offer-Full`` for CreateOfferFS; OFFER_ID is the offer's deterministic id."""
    p = offer.pricing
    return {
        "OFFER_ID": offer.id, "CUSTNO": offer.party_id, "ACCLS": offer.product_code,
        "PRODUCT_NAME": offer.product_name, "NBA_CODE": offer.nba_code, "CCY": p.currency,
        "RATE": p.rate, "AMOUNT": p.amount, "TERM_MONTHS": p.term_months,
        "CHANNEL": offer.channel.value, "SCORE": offer.score,
        "REASON_CODES": ",".join(offer.reason_codes) or None, "STATUS": offer.status.value,
        "CREATED_AT": stamp(offer.created_at, tz), "EXPIRES_AT": stamp(offer.expires_at, tz),
        "TEMPLATE_ID": offer.template_id, "TERMS_VERSION": offer.terms_version,
    }  # fmt: skip


def audit_full(record: AuditRecord, tz: ZoneInfo) -> dict[str, Any]:
    """``Ai-Audit-Full`` for CreateAiAuditFS: the project-wide audit fields, FCUBS style."""
    return {
        "AUDIT_ID": record.audit_id, "CUSTNO": record.party_id,
        "CUSTOMER_REF": record.customer_ref, "NBA_CODE": record.nba_code,
        "OFFER_ID": record.offer_ref, "SCORE": record.score,
        "MODEL_VERSION": record.model_version,
        "REASON_CODES": ",".join(record.reason_codes) or None,
        "CHANNEL": record.channel.value if record.channel else None,
        "DECIDED_AT": stamp(record.decided_at, tz),
        "EXPIRES_AT": stamp(record.expires_at, tz) if record.expires_at else None,
        "OUTCOME": record.outcome.value, "CORRELATION_ID": record.correlation_id,
    }  # fmt: skip
