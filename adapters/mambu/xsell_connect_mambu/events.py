"""Mambu webhooks and Streaming API batches → canonical events. Pure functions, no I/O.

Both channels carry the tenant's rendered notification template, which for xsell-connect
is (project convention, reference §3)::

    {"source":"mambu","event":"SAVINGS_DEPOSIT","accountId":"{ACCOUNT_ID}",
     "clientId":"{CLIENT_ID}","nba":"{CF:Next_Best_Action}"}

It carries ids only and its values are hints, never trusted data: each notice becomes an
id-only event (``xsell.account.activity`` or, for ``CLIENT_*`` events,
``xsell.party.activity``) and the pipeline re-reads the core. Neither channel is signed;
the listener checks the shared-secret header or the source address before calling these.

Event ids are deterministic: from Mambu's event id (the webhook's
``x-notifications-idempotency-key``, the stream's ``metadata.eid``) when there is one, so
redeliveries de-duplicate, and across both channels for the same business fact; else from
a digest of the raw body.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from xsell_connect.errors import MalformedEventError
from xsell_connect.models import CanonicalEvent, EventType

__all__ = ["IDEMPOTENCY_HEADER", "parse_message", "parse_webhook"]

PLATFORM = "mambu"
IDEMPOTENCY_HEADER = "x-notifications-idempotency-key"
Clock = Callable[[], datetime]

_TEMPLATE_KEYS = frozenset({"source", "event", "accountId", "clientId"})
# A placeholder the tenant does not know is sent as written, e.g. "{CLIENT_ID}" (reference
# §3: placeholder names beyond ACCOUNT_ID / CLIENT_NAME / CF are not verified).
_UNRENDERED = re.compile(r"^\{[A-Z0-9_:]+\}$")
_TOPIC_PREFIX = "streamingapi."


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    source: str = PLATFORM,
    now: Clock = _utcnow,
) -> list[CanonicalEvent]:
    """The canonical event of one webhook request (one notice per request).

    Args:
        headers: the request headers (any case).
        body: the raw request body.
        source: the CloudEvents ``source`` (the tenant's base URL in the adapter).
        now: the clock stamping the event (Mambu sends no event time in the template).

    Raises:
        MalformedEventError: the body is not a JSON object, or lacks the event name or the
            id it is about; ``raw`` is the body, ``attribute`` names the culprit.
    """
    payload = _object(body, body, "body")
    eid = next((v for k, v in headers.items() if k.lower() == IDEMPOTENCY_HEADER and v), None)
    key = f"eid:{eid}" if eid else f"body:{hashlib.sha256(body).hexdigest()}"
    return [_notice(payload, body, key=key, time=now(), source=source, prefix="")]


def parse_message(
    properties: Mapping[str, Any], body: bytes, *, source: str = PLATFORM
) -> list[CanonicalEvent]:
    """The canonical events of one Streaming API batch line (reference §3).

    A batch is ``{"cursor": {...}, "events": [{"metadata": {"eid", "occurred_at",
    "event_type", ...}, "template_name": ..., "body": "<rendered template as a STRING>"}]}``;
    ``body`` is parsed a second time. A keep-alive batch has no ``events`` and gives ``[]``.
    Committing the cursor is the consumer's business, after the events are stored.

    Args:
        properties: transport properties (``X-Mambu-StreamId`` ...); not needed to parse.
        body: one line of the stream.
        source: the CloudEvents ``source``.

    Raises:
        MalformedEventError: malformed JSON, a batch or body that is not an object, a
            non-string ``body``, a missing ``eid`` / ``occurred_at`` or event name;
            ``attribute`` names it, e.g. ``events[0].body``.
    """
    batch = _object(body, body, "body")
    items = batch.get("events")
    if items is None:
        return []
    if not isinstance(items, list):
        raise _malformed("events is not a list", body, "events")
    events = []
    for index, item in enumerate(items):
        where = f"events[{index}]"
        if not isinstance(item, Mapping):
            raise _malformed(f"{where} is not an object", body, where)
        metadata = item.get("metadata")
        if not isinstance(metadata, Mapping):
            raise _malformed(f"{where}.metadata is not an object", body, f"{where}.metadata")
        eid = metadata.get("eid")
        if not isinstance(eid, str) or not eid.strip():
            raise _malformed(f"{where}.metadata.eid is missing", body, f"{where}.metadata.eid")
        occurred = _instant(metadata.get("occurred_at"), body, f"{where}.metadata.occurred_at")
        text = item.get("body")
        if not isinstance(text, str):
            raise _malformed(f"{where}.body is not a string", body, f"{where}.body")
        payload = _object(text.encode(), body, f"{where}.body")
        fallback = _event_name(item.get("template_name"), metadata.get("event_type"))
        events.append(
            _notice(
                payload,
                body,
                key=f"eid:{eid}",
                time=occurred,
                source=source,
                prefix=f"{where}.body.",
                fallback=fallback,
            )
        )
    return events


def _notice(
    payload: Mapping[str, Any],
    raw: bytes,
    *,
    key: str,
    time: datetime,
    source: str,
    prefix: str,
    fallback: str | None = None,
) -> CanonicalEvent:
    origin = payload.get("source")
    if origin is not None and origin != PLATFORM:
        raise _malformed(f"not a Mambu notice (source {origin!r})", raw, f"{prefix}source")
    name = payload.get("event") or fallback
    if not isinstance(name, str) or not name.strip():
        raise _malformed("the event name is missing", raw, f"{prefix}event")
    account_id = _ident(payload, "accountId", raw, prefix)
    party_id = _ident(payload, "clientId", raw, prefix)
    about_party = name.upper().startswith("CLIENT_")
    if about_party and party_id is None:
        raise _malformed(f"{name} without a client id", raw, f"{prefix}clientId")
    if not about_party and account_id is None:
        raise _malformed(f"{name} without an account id", raw, f"{prefix}accountId")
    hints = {k: v for k, v in payload.items() if k not in _TEMPLATE_KEYS}
    data = {**hints, "account_id": account_id, "party_id": party_id, "source_event": name}
    return CanonicalEvent.wrap(
        type=EventType.PARTY_ACTIVITY if about_party else EventType.ACCOUNT_ACTIVITY,
        platform=PLATFORM,
        source=source,
        key=key,
        time=time,
        subject=party_id,
        data=data,
    )


def _ident(payload: Mapping[str, Any], key: str, raw: bytes, prefix: str) -> str | None:
    value = payload.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # empty placeholders render as "" (reference §3)
    if not isinstance(value, str):
        raise _malformed(f"{key} is not a string", raw, f"{prefix}{key}")
    return None if _UNRENDERED.match(value.strip()) else value.strip()


def _event_name(template: Any, event_type: Any) -> str | None:
    """``savings_deposit`` from the template name, else from the topic's last segment."""
    if isinstance(template, str) and template.strip():
        return template.strip().upper()
    if isinstance(event_type, str) and _TOPIC_PREFIX in event_type:
        return event_type.rsplit(_TOPIC_PREFIX, 1)[1].upper() or None
    return None


def _object(text: bytes, raw: bytes, attribute: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        raise _malformed(f"{attribute} is not valid JSON", raw, attribute) from None
    if not isinstance(value, dict):
        raise _malformed(f"{attribute} is not a JSON object", raw, attribute)
    return value


def _instant(value: Any, raw: bytes, attribute: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise _malformed(f"{attribute} is not a date-time with an offset", raw, attribute)
    return stamp


def _malformed(message: str, raw: bytes, attribute: str) -> MalformedEventError:
    return MalformedEventError(f"mambu: {message}", raw=raw, attribute=attribute)
