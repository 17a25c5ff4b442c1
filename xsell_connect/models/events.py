"""CanonicalEvent: a CloudEvents 1.0 envelope around canonical data.

Temenos emits CloudEvents already; every other core's webhooks, streams and messages are
mapped into the same envelope. ``data`` holds a canonical model dumped in JSON mode
(``LedgerEntry`` for ``xsell.ledger.entry.posted``, ``Party`` for party events, ...) or,
for notifications that carry only ids (Mambu webhooks), the hints the core sent.

Extension attributes: ``platform`` (the adapter) and ``partitionkey`` (CloudEvents'
Partitioning extension; the party id, so one customer's events stay in order).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from ._base import CanonicalModel, prechecked

__all__ = ["EVENT_NAMESPACE", "CanonicalEvent", "EventType", "event_id"]

#: Namespace of deterministic event ids (uuid5), so a redelivered record gets the same id.
EVENT_NAMESPACE = uuid.UUID("4f1c2a8e-7d3b-5e6f-9a0b-1c2d3e4f5a6b")

_CONTEXT_ATTRIBUTES = (
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "dataschema",
    "platform",
    "partitionkey",
)


class EventType(StrEnum):
    """Canonical event types (CloudEvents ``type``)."""

    LEDGER_ENTRY_POSTED = "xsell.ledger.entry.posted"
    BALANCE_CHANGED = "xsell.account.balance.changed"
    ACCOUNT_OPENED = "xsell.account.opened"
    ACCOUNT_CLOSED = "xsell.account.closed"
    ACCOUNT_ACTIVITY = "xsell.account.activity"  # an id-only notice: re-read the core
    PARTY_ACTIVITY = "xsell.party.activity"  # an id-only notice about a party
    DEPOSIT_MATURED = "xsell.deposit.matured"
    LOAN_REPAID = "xsell.loan.repaid"
    PARTY_UPDATED = "xsell.party.updated"  # consent changes included
    OFFER_RESPONDED = "xsell.offer.responded"  # accepted / declined / expired
    PARTY_SYNCED = "xsell.party.synced"  # read during a sync, not a change
    ACCOUNT_SYNCED = "xsell.account.synced"
    PRODUCT_SYNCED = "xsell.product.synced"


_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes
#: RFC 4122 variant bits (10xx) over the first hex digit of the clock sequence.
_VARIANT = {f"{n:x}": f"{8 | (n & 3):x}" for n in range(16)}


def event_id(platform: str, kind: str, key: str) -> str:
    """A deterministic event id: the same record from the same core gives the same id.

    ``str(uuid.uuid5(EVENT_NAMESPACE, name))``, formatted from the SHA-1 digest directly:
    ``uuid.UUID`` costs a few microseconds per event on the ingest path.
    """
    name = _NAMESPACE_BYTES + f"{platform}:{kind}:{key}".encode()
    digest = hashlib.sha1(name, usedforsecurity=False).hexdigest()  # uuid5 is SHA-1
    return (
        f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-"
        f"{_VARIANT[digest[16]]}{digest[17:20]}-{digest[20:32]}"
    )


class CanonicalEvent(CanonicalModel):
    """A CloudEvents 1.0 event (structured JSON mode) with xsell-connect's extensions."""

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: AwareDatetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    platform: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    partitionkey: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def wrap(
        cls,
        *,
        type: EventType | str,
        platform: str,
        source: str,
        key: str,
        time: datetime,
        subject: str | None,
        data: BaseModel | Mapping[str, Any],
    ) -> CanonicalEvent:
        """Build an event with a deterministic id from ``(platform, type, key)``."""
        kind = str(type)
        if not isinstance(data, BaseModel):
            return cls(
                id=event_id(platform, kind, key),
                source=source,
                type=kind,
                time=time,
                subject=subject,
                platform=platform,
                partitionkey=subject,
                data=dict(data),
            )
        # The envelope attributes that stay the same for a stream of events (source, type,
        # platform) are validated once per triple (``_envelope``); of the rest, the id is
        # a UUID by construction and ``time`` and ``subject`` are checked here; anything
        # off that path goes through the validator, which raises the precise error.
        # ``data`` is the model's JSON-mode dump: a fresh dict with str keys, so it meets
        # ``dict[str, Any]`` by construction, and validating it again would only copy it.
        payload = data.__pydantic_serializer__.to_python(data, mode="json")
        if (
            _exact_type(time) is datetime
            and time.utcoffset() is not None
            and (subject is None or _exact_type(subject) is str)
            and _exact_type(source) is str
            and _exact_type(platform) is str
        ):
            template = _envelope(cls, source, kind, platform)
            if template is not None:
                values = template.__dict__.copy()
                values["id"] = event_id(platform, kind, key)
                values["time"] = time
                values["subject"] = values["partitionkey"] = subject
                values["data"] = payload
                return prechecked(cls, values, _FIELDS_SET)
        event: CanonicalEvent = cls.__pydantic_validator__.validate_python(
            {
                "id": event_id(platform, kind, key),
                "source": source,
                "type": kind,
                "time": time,
                "subject": subject,
                "platform": platform,
                "partitionkey": subject,
                "data": {},
            }
        )
        event.__dict__["data"] = payload
        return event

    def to_json(self) -> str:
        """CloudEvents structured-mode JSON: absent optional attributes are left out."""
        return self.model_dump_json(exclude_none=True)

    def attributes(self) -> dict[str, Any]:
        """Context attributes as CloudEvents SDKs take them (absent optionals left out)."""
        values = self.model_dump(include=set(_CONTEXT_ATTRIBUTES))
        return {k: v for k, v in values.items() if v is not None}

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, Any], data: Any) -> CanonicalEvent:
        """Build from CloudEvents context attributes and data; unknown extensions are refused."""
        return cls.model_validate({**attributes, "data": data if data is not None else {}})


_exact_type = type  # ``wrap`` takes a parameter named ``type``
#: The fields ``wrap`` sets, as the validator records them (``model_fields_set``, a
#: set of each event's own: ``model_copy`` adds to it).
_FIELDS_SET = frozenset(
    {"id", "source", "type", "time", "subject", "platform", "partitionkey", "data"}
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=256)
def _envelope(
    cls: type[CanonicalEvent], source: str, kind: str, platform: str
) -> CanonicalEvent | None:
    """A validated event with this source, type and platform (None when they are invalid).

    Only its ``source``, ``type``, ``platform`` and defaults are reused by ``wrap``: the
    validator checks them once per triple instead of once per event.
    """
    try:
        return cls(id="template", source=source, type=kind, time=_EPOCH, platform=platform)
    except ValidationError:
        return None
