"""Canonical write-backs → Mambu request bodies. Pure functions, no I/O.

Mambu has custom fields, tasks and comments but no offer or audit object; the mapping is
the project's convention (reference §4):

- Next_Best_Action: the client's ``_xsell`` custom-field set, by ``PATCH /clients/{id}``;
- offer: a Task linked to the client, ``POST /tasks``;
- AI_Interaction_Audit: an append-only Comment on the client, ``POST /comments``, whose
  text is the prefix and the record's compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xsell_connect.models import AuditRecord, NextBestAction, Offer

from ._codes import trim
from .settings import MambuConventions

__all__ = [
    "COMMENT_LIMIT",
    "OPTIONAL_AUDIT_FIELDS",
    "audit_comment",
    "close_task_ops",
    "format_score",
    "nba_patch",
    "offer_task",
    "parse_audit_comment",
]

#: Comment text is kept below this many characters: Mambu does not publish the maximum
#: length of a comment, so stay well under any plausible one (reference §7, Gaps).
COMMENT_LIMIT = 1000
#: Audit fields dropped, in this order, when the text would still be too long once the
#: reason codes are gone. The ids (audit_id, customer_ref, offer_ref, correlation_id) and
#: the decision itself (nba_code, score, outcome, decided_at) are never dropped.
OPTIONAL_AUDIT_FIELDS = ("expires_at", "channel", "model_version")
_SCORE_PLACES = Decimal("0.0001")


def format_score(score: Decimal) -> str:
    """A score as Mambu's number custom field stores it: a string, at most 4 decimals."""
    return format(trim(score.quantize(_SCORE_PLACES, rounding=ROUND_HALF_UP)), "f")


def nba_patch(
    nba: NextBestAction, client: Mapping[str, Any], conventions: MambuConventions
) -> list[dict[str, str]]:
    """The ``PATCH /clients/{id}`` operations that set the NBA fields.

    ``REPLACE`` where the client (read with ``detailsLevel=FULL``) shows a value, ``ADD``
    where it does not: Mambu does not say what ``ADD`` does to a field that has a value
    (reference §7). Values are strings (custom fields are); an expiry or offer reference
    that is None is removed with ``REMOVE``, since Mambu rejects ``""`` and ``null``.

    Args:
        nba: the value to write.
        client: the client as read just before, with ``detailsLevel=FULL``.
        conventions: the bank's set and field ids.
    """
    current = client.get(conventions.nba_field_set)
    present = {
        k
        for k, v in (current.items() if isinstance(current, Mapping) else ())
        if v not in ("", None)
    }
    wanted: list[tuple[str, str | None]] = [
        (conventions.nba_field, nba.action_code),
        (conventions.score_field, format_score(nba.score)),
        (conventions.expiry_field, nba.expires_on.isoformat() if nba.expires_on else None),
        (conventions.offer_ref_field, nba.offer_ref),
    ]
    ops: list[dict[str, str]] = []
    for field, value in wanted:
        path = f"/{conventions.nba_field_set}/{field}"
        if value is None:
            if field in present:
                ops.append({"op": "REMOVE", "path": path})
            continue
        ops.append({"op": "REPLACE" if field in present else "ADD", "path": path, "value": value})
    return ops


def offer_task(offer: Offer, client_key: str) -> dict[str, Any]:
    """The ``POST /tasks`` body recording an offer on the client.

    The title carries the offer id (the key to find it again); the description carries the
    action code, score, product and reason codes, never personal data. ``dueDate`` is the
    expiry date; Mambu takes task dates as UTC (reference §1, Dates).
    """
    reasons = ",".join(offer.reason_codes) or "-"
    return {
        "title": f"xsell offer {offer.id}: {offer.product_name}",
        "description": (
            f"NBA={offer.nba_code} score={format_score(offer.score)} "
            f"product={offer.product_code} channel={offer.channel.value} reasons={reasons}"
        ),
        "dueDate": offer.expires_at.astimezone(UTC).date().isoformat(),
        "status": "OPEN",
        "taskLinkType": "CLIENT",
        "taskLinkKey": client_key,
    }


def close_task_ops() -> list[dict[str, str]]:
    """The ``PATCH /tasks/{id}`` operations that close an offer's task."""
    return [{"op": "REPLACE", "path": "/status", "value": "COMPLETED"}]


def audit_comment(
    record: AuditRecord, client_key: str, prefix: str, *, limit: int = COMMENT_LIMIT
) -> dict[str, str]:
    """The ``POST /comments`` body appending an AI_Interaction_Audit row to the client.

    The text is ``f"{prefix} {compact JSON}"`` and is kept under ``limit`` characters
    without ever raising: reason codes are dropped first, from the last one; then the
    fields of ``OPTIONAL_AUDIT_FIELDS``, in order. A shortened row says so with
    ``"truncated": true``; the full record stays in the project's own decision store. Only
    when the ids alone exceed the limit is the text sent longer than ``limit``.
    """
    row = record.row()
    text = f"{prefix} {record.compact_json()}"
    reasons = list(record.reason_codes)
    while len(text) >= limit and reasons:
        reasons.pop()
        row = {**row, "reason_codes": list(reasons), "truncated": True}
        text = _comment_text(prefix, row)
    for name in OPTIONAL_AUDIT_FIELDS:
        if len(text) < limit:
            break
        row = {k: v for k, v in row.items() if k != name} | {"truncated": True}
        text = _comment_text(prefix, row)
    return {"ownerType": "CLIENT", "ownerKey": client_key, "text": text}


def _comment_text(prefix: str, row: Mapping[str, object]) -> str:
    return f"{prefix} " + json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def parse_audit_comment(text: str, prefix: str) -> dict[str, Any] | None:
    """The audit row of a comment written by :func:`audit_comment`; None for other comments."""
    if not text.startswith(f"{prefix} "):
        return None
    try:
        row = json.loads(text[len(prefix) + 1 :])
    except ValueError:
        return None
    return row if isinstance(row, dict) else None
