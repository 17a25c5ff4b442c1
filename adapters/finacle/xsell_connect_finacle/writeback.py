"""Canonical write-back → ``executeFinacleScript`` requests, and the scripts' own status.

Finacle has no native place for an offer, a Next_Best_Action or an audit row, so the bank
builds three scripts (project convention, reference §4; README "Write-back"):
``XSELL_NBA_UPD.scr``, ``XSELL_OFFER_ADD.scr`` and ``XSELL_AUDIT_ADD.scr``. Their input
goes in ``executeFinacleScript_CustomData``; they answer ``SuccessOrFailure`` (Y/N),
``Error_Code``, ``Error_Msg`` and ``RecordId`` there, and a refusal comes back under a
``HostTransaction/Status`` of SUCCESS: `script_outcome` reads that third place.

Idempotency: the offer script keys on ``OfferId`` (deterministic), the audit script on
``AuditId``, and the NBA update is an upsert; every write also sends ``RequestUUID`` =
uuid5(idempotency key), identical on each retry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lxml import etree

from xsell_connect.errors import NotFoundError, RequestRejectedError, VendorError
from xsell_connect.models import AuditRecord, NextBestAction, Offer

from .fixml import FixmlReply, Q, fill, text

__all__ = [
    "AUDIT_SCRIPT",
    "LIST_SCRIPT",
    "NBA_SCRIPT",
    "OFFER_SCRIPT",
    "audit_params",
    "nba_params",
    "offer_params",
    "script_body",
    "script_outcome",
]

NBA_SCRIPT = "XSELL_NBA_UPD.scr"
OFFER_SCRIPT = "XSELL_OFFER_ADD.scr"
AUDIT_SCRIPT = "XSELL_AUDIT_ADD.scr"
LIST_SCRIPT = "XSELL_CUST_LIST.scr"
Params = list[tuple[str, str]]


def _stamp(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"


def nba_params(nba: NextBestAction, idempotency_key: str) -> Params:
    return [
        ("CustId", nba.party_id),
        ("NextBestAction", nba.action_code),
        ("NbaScore", str(nba.score)),
        ("NbaExpiry", nba.expires_on.isoformat() if nba.expires_on else ""),
        ("AuditId", idempotency_key),
    ]


def offer_params(offer: Offer, idempotency_key: str) -> Params:
    return [
        ("CustId", offer.party_id),
        ("OfferId", offer.id),
        ("NbaCode", offer.nba_code),
        ("ProductCode", offer.product_code),
        ("ValidTo", offer.expires_at.date().isoformat()),
        ("Channel", offer.channel.value),
        ("AuditId", idempotency_key),
    ]


def audit_params(record: AuditRecord, tz: object = None) -> Params:
    return [
        ("AuditId", record.audit_id),
        ("CustId", record.party_id),
        ("NbaCode", record.nba_code),
        ("OfferId", record.offer_ref or ""),
        ("Score", str(record.score)),
        ("ModelVersion", record.model_version),
        ("ReasonCodes", ",".join(record.reason_codes)),
        ("Channel", record.channel.value if record.channel else ""),
        ("DecidedAt", _stamp(record.decided_at)),
        ("ExpiresAt", _stamp(record.expires_at)),
        ("Outcome", record.outcome.value),
        ("CorrelationId", record.correlation_id or ""),
    ]


def script_body(request_id: str, params: Params) -> Callable[[etree._Element], None]:
    """Fills ``Body`` with an ``executeFinacleScriptRequest`` for ``request_id``."""

    def filler(body: etree._Element) -> None:
        request = fill(body, "executeFinacleScriptRequest")
        fill(request, "ExecuteFinacleScriptInputVO", [("requestId", request_id)])
        fill(request, "executeFinacleScript_CustomData", params)

    return filler


def script_data(reply: FixmlReply) -> etree._Element | None:
    return reply.business("executeFinacleScriptResponse/executeFinacleScript_CustomData")


def script_outcome(
    reply: FixmlReply, request_id: str, *, party_id: str, not_found_codes: frozenset[str]
) -> str:
    """The script's ``RecordId`` when it succeeded; raises when its CustomData says failure.

    Scripts in the field report success as ``SuccessOrFailure=Y`` or ``STATUS=SUCCESS``
    (and failure as ``N`` / ``FAILURE``); both are read.

    Raises:
        NotFoundError: ``Error_Code`` is one of ``not_found_codes`` (Invalid CIFID).
        RequestRejectedError: any other refusal, or no indicator at all.
    """
    data = script_data(reply)
    flag = text(data, "SuccessOrFailure").strip().upper()
    status = text(data, "STATUS").strip().upper()
    if flag == "Y" or (not flag and status == "SUCCESS"):
        return text(data, "RecordId").strip() or reply.host_id
    code = (text(data, "Error_Code") or text(data, "ErrorCode")).strip()
    message = (text(data, "Error_Msg") or text(data, "MESSAGE")).strip()
    if code in not_found_codes:
        raise NotFoundError("party", party_id)
    if not flag and not status:
        message = message or "the script's CustomData carries no success indicator"
    raise RequestRejectedError(
        f"{request_id}: script refused: {code} {message}".strip(),
        vendor_errors=(VendorError(code=code, reason=message, source=request_id),),
    )


def listed_ids(reply: FixmlReply) -> tuple[list[str], bool]:
    """``XSELL_CUST_LIST.scr``: the page's customer ids and whether more pages follow."""
    data = script_data(reply)
    if data is None:
        return [], False
    ids = [str(e.text).strip() for e in data.iter(Q + "CustId") if e.text and e.text.strip()]
    return ids, text(data, "hasMoreData").strip().upper() == "Y"
