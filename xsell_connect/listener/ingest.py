"""From verified raw bytes to a committed inbox row: the one path webhooks and AMQP share.

``Ingestor.accept`` parses the body with the source's parser (so that a malformed payload
is refused, and kept with ``inbox.reject``, before the sender is told anything), then
commits the raw body with ``inbox.put``. The worker parses it again later: parsers are pure,
and the canonical event ids are deterministic, so both parses agree.

The inbox key is the sender's delivery id (``webhook-id``, the source's id header, the AMQP
``message_id``) when there is one, else derived from the canonical event ids, else the
body's digest: a retried delivery is stored once.

``accept_many`` does the same for several deliveries with one commit (the AMQP consumer
takes a round of deliveries at a time: a commit per message would cap it at the store's
commit rate). With a ``Claim`` the new events are committed already claimed by a worker of
this process (``Inbox.put_many_claimed``), each outcome carrying its claimed item and the
events parsed here, for the caller to hand to that worker: no claim, no re-parse.

``accept`` is synchronous (the store is sync SQLAlchemy): call it off the event loop.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from xsell_connect.errors import MalformedEventError
from xsell_connect.listener.settings import CANONICAL_FORMAT, SourceSettings
from xsell_connect.models import CanonicalEvent
from xsell_connect.store import Inbox, InboxItem, Incoming

__all__ = [
    "TRANSPORT_HEADER",
    "Accepted",
    "Claim",
    "Delivery",
    "Ingestor",
    "Outcome",
    "Parsers",
    "Staged",
    "parse_canonical",
]

#: Stored with each row so that the worker knows which parser entry point to call.
TRANSPORT_HEADER = "xsell-transport"
#: Headers never stored: credentials of the sender.
_NEVER_STORED = frozenset({"authorization", "proxy-authorization", "cookie", "webhook-signature"})

Parser = Callable[[Mapping[str, Any], bytes], list[CanonicalEvent]]


class Outcome(StrEnum):
    STORED = "stored"  # new: committed to the inbox
    DUPLICATE = "duplicate"  # the inbox had it already
    REJECTED = "rejected"  # malformed: kept for inspection, never processed
    EMPTY = "empty"  # parsed to no event (a keep-alive): nothing to store


@dataclass(frozen=True)
class Accepted:
    outcome: Outcome
    inbox_id: str
    events: list[CanonicalEvent] = field(default_factory=list)
    reason: str | None = None
    attribute: str | None = None
    #: Stored claimed (``accept_many`` with a ``Claim``): the item, for its worker.
    claimed: InboxItem | None = None


@dataclass(frozen=True)
class Claim:
    """The worker new events are committed claimed by, and its lease (``accept_many``)."""

    worker: str
    lease: timedelta


@dataclass(frozen=True)
class Delivery:
    """One verified delivery for ``Ingestor.accept_many``: what ``accept`` takes."""

    headers: Mapping[str, str]
    body: bytes
    delivery_id: str | None = None


def parse_canonical(_headers: Mapping[str, Any], body: bytes) -> list[CanonicalEvent]:
    """Bodies that are CloudEvents structured JSON already: one event, or a list of them.

    One valid event is validated from the bytes by pydantic's own JSON parser, in half the
    time of ``json.loads`` and then validation; anything else (a list, an invalid event,
    JSON that only ``json.loads`` takes, such as a lone surrogate escape) goes the long way,
    which also names what is wrong.
    """
    try:
        return [CanonicalEvent.model_validate_json(body)]
    except ValidationError:
        pass
    try:
        value = json.loads(body)
    except ValueError:
        raise MalformedEventError("body is not valid JSON", raw=body, attribute="body") from None
    items = value if isinstance(value, list) else [value]
    events = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            where = f"[{index}]" if isinstance(value, list) else "body"
            raise MalformedEventError(f"{where} is not an object", raw=body, attribute=where)
        try:
            events.append(CanonicalEvent.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise MalformedEventError(
                f"not a canonical event: {where}: {first['msg']}", raw=body, attribute=where
            ) from None
    return events


@dataclass(frozen=True)
class Staged:
    """Deliveries parsed for one commit (``Ingestor.stage``)."""

    parsed: list[tuple[Incoming | None, Accepted]]

    @property
    def items(self) -> list[Incoming]:
        """What to commit, in order (an empty delivery has nothing)."""
        return [item for item, _ in self.parsed if item is not None]

    def outcomes(self, fresh: Sequence[bool]) -> list[Accepted]:
        """The outcome per delivery, given per item whether the commit found it new."""
        new = iter(fresh)
        out = []
        for item, accepted in self.parsed:
            stored_before = item is not None and not next(new)
            if stored_before and accepted.outcome is Outcome.STORED:
                accepted = Accepted(Outcome.DUPLICATE, accepted.inbox_id, accepted.events)
            out.append(accepted)  # a malformed one is REJECTED either way, as by ``accept``
        return out

    def claimed(self, items: Sequence[InboxItem | None]) -> list[Accepted]:
        """``outcomes`` from what ``Inbox.put_many_claimed`` returned, the items attached."""
        out = self.outcomes([item is not None for item in items])
        claimed = iter(items)
        for index, (item, _) in enumerate(self.parsed):
            found = next(claimed) if item is not None else None
            if found is not None and out[index].outcome is Outcome.STORED:
                out[index] = dataclasses.replace(out[index], claimed=found)
        return out


class Parsers:
    """Parser per (format, transport); adapters are built once, on first use."""

    def __init__(self) -> None:
        self._adapters: dict[str, Any] = {}

    def _adapter(self, name: str) -> Any:
        if name not in self._adapters:
            from xsell_connect.registry import create_adapter

            self._adapters[name] = create_adapter(name)
        return self._adapters[name]

    def parse(
        self, fmt: str, transport: str, headers: Mapping[str, Any], body: bytes
    ) -> list[CanonicalEvent]:
        if fmt == CANONICAL_FORMAT:
            return parse_canonical(headers, body)
        adapter = self._adapter(fmt)
        if transport == "amqp":
            events: list[CanonicalEvent] = adapter.parse_message(headers, body)
        else:
            events = adapter.parse_webhook(headers, body)
        return events


@functools.lru_cache(maxsize=64)
def _hidden(secret_header: str) -> frozenset[str]:
    """The headers never stored for a source whose shared secret comes in ``secret_header``."""
    return _NEVER_STORED | {secret_header.lower()}


def _key(delivery_id: str | None, events: list[CanonicalEvent], body: bytes) -> str:
    if delivery_id:
        return delivery_id
    if len(events) == 1:
        return events[0].id
    digest = hashlib.sha256()
    for part in [e.id for e in events] if events else [body]:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\x1f")
    return "sha256:" + digest.hexdigest()


class Ingestor:
    """Parse, then commit raw events to the inbox (see the module docstring)."""

    def __init__(self, inbox: Inbox, parsers: Parsers | None = None) -> None:
        self.inbox = inbox
        self.parsers = parsers or Parsers()

    def accept(
        self,
        source: SourceSettings,
        transport: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        delivery_id: str | None = None,
    ) -> Accepted:
        """Store one verified delivery; see ``Outcome`` for what can come back."""
        item, accepted = self._stage(source, transport, Delivery(headers, body, delivery_id))
        if item is None:
            return accepted
        if item.rejected is not None:
            self.inbox.reject(source.name, item.event_id, item.body, item.headers, item.rejected)
            return accepted
        if self.inbox.put(source.name, item.event_id, item.body, item.headers):
            return accepted
        return Accepted(Outcome.DUPLICATE, accepted.inbox_id, accepted.events)

    def accept_many(
        self,
        source: SourceSettings,
        transport: str,
        deliveries: Sequence[Delivery],
        *,
        claim: Claim | None = None,
    ) -> list[Accepted]:
        """``accept`` for each delivery, all committed in one transaction.

        The outcomes are ``accept``'s, in order; a delivery repeated within ``deliveries``
        is ``DUPLICATE`` the second time. If the commit fails nothing is stored and the
        error propagates: the caller can then settle each delivery with ``accept``. With
        ``claim``, each new event is stored claimed by ``claim.worker``: its outcome's
        ``claimed`` is the item that worker is to handle (module docstring).
        """
        staged = self.stage(source, transport, deliveries)
        if claim is None:
            return staged.outcomes(self.inbox.put_many(source.name, staged.items))
        items = self.inbox.put_many_claimed(
            source.name, staged.items, worker=claim.worker, lease=claim.lease
        )
        return staged.claimed(items)

    def stage(
        self, source: SourceSettings, transport: str, deliveries: Sequence[Delivery]
    ) -> Staged:
        """``accept_many`` up to its commit: the deliveries parsed, their items to commit.

        ``Staged.outcomes`` takes what ``Inbox.put_many`` (or ``AsyncInboxWriter``) returns
        for ``Staged.items``, and gives what ``accept_many`` would.
        """
        return Staged([self._stage(source, transport, d) for d in deliveries])

    def _stage(
        self, source: SourceSettings, transport: str, delivery: Delivery
    ) -> tuple[Incoming | None, Accepted]:
        """Parse one delivery: the inbox item to commit (None: nothing) and its outcome."""
        headers, body, delivery_id = delivery.headers, delivery.body, delivery.delivery_id
        if delivery_id is None and source.id_header:
            delivery_id = headers.get(source.id_header.lower()) or None
        hidden = _hidden(source.secret_header)
        kept = {k: v for k, v in headers.items() if k not in hidden}
        kept[TRANSPORT_HEADER] = transport
        try:
            events = self.parsers.parse(source.format, transport, headers, body)
        except MalformedEventError as exc:
            key = _key(delivery_id, [], body)
            item = Incoming(key, body, kept, rejected=str(exc)[:2000])
            return item, Accepted(Outcome.REJECTED, key, reason=str(exc), attribute=exc.attribute)
        if not events:
            return None, Accepted(Outcome.EMPTY, _key(delivery_id, [], body))
        key = _key(delivery_id, events, body)
        return Incoming(key, body, kept), Accepted(Outcome.STORED, key, events)
