"""Streaming API v2 (Nakadi-style): subscriptions, chunked event batches, cursor commits.

``GET /api/subscriptions/{id}/events`` answers a chunked stream, one JSON batch per line,
with header ``X-Mambu-StreamId``. v2 cursors have ``partition`` ``shardId-000000000000``,
a long numeric ``offset`` and ``event_type`` ``MIXED``; each event's ``body`` is the
rendered template as a *string*. Batches without ``events`` are keep-alives.
``POST /api/subscriptions/{id}/cursors`` answers 204 when every cursor advanced, 200
with per-cursor results when one was not newer, 422 for an unknown stream or token.
Uncommitted events are redelivered by the next stream (at-least-once); a stream with
uncommitted events and no commit for ``commit_timeout`` seconds is closed
(https://docs.mambu.com/api/pages/streaming/committing-cursors/).

Mock choices: a stream always ends, by ``stream_limit``, ``stream_timeout`` or the mock's
default timeout (an in-process ASGI transport delivers a response only once it ends);
the latest stream id of a subscription stays valid for commits after its stream ended,
until the next stream starts. Streaming takes API keys only.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from xsell_connect_mocks.mambu.errors import MambuError
from xsell_connect_mocks.mambu.events import Event, EventLog
from xsell_connect_mocks.mambu.routing import Api, read_json
from xsell_connect_mocks.mambu.wire import dumps, json_response

__all__ = ["OFFSET_BASE", "PARTITION", "Streams", "Subscription"]

PARTITION = "shardId-000000000000"
#: Offsets look like Kinesis sequence numbers: a fixed base plus the event's log position.
OFFSET_BASE = 49_600_000_000_000_000_000_000_000_000_000_000_000_000_000_000
_POLL = 0.01


@dataclass
class _Session:
    stream_id: str
    tokens: dict[str, int] = field(default_factory=dict)  # cursor_token -> log position
    active: bool = True
    sent_upto: int = 0
    pending_since: float | None = None


@dataclass
class Subscription:
    """One consumer group's subscription and its committed position."""

    id: str
    owning_application: str
    consumer_group: str
    event_types: tuple[str, ...]
    read_from: str
    created_at: str
    committed: int
    session: _Session | None = None

    def to_json(self) -> dict[str, Any]:
        """The subscription as the API returns it."""
        return {
            "id": self.id,
            "owning_application": self.owning_application,
            "event_types": list(self.event_types),
            "consumer_group": self.consumer_group,
            "read_from": self.read_from,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class _Options:
    batch_limit: int
    flush: float
    stream_limit: int
    stream_timeout: float
    commit_timeout: float


class Streams:
    """Subscriptions over the event log, and their routes.

    Args:
        log: The event log.
        tenant: Tenant name used in topic names.
        default_stream_timeout: Stream length when the client sets no ``stream_timeout``.
    """

    def __init__(self, log: EventLog, tenant: str, default_stream_timeout: float) -> None:
        self.log = log
        self.tenant = tenant
        self.default_stream_timeout = default_stream_timeout
        self.subscriptions: dict[str, Subscription] = {}
        self._lock = threading.Lock()

    def event_type(self, template_name: str) -> str:
        """The topic of a streaming template."""
        return f"mrn.event.{self.tenant}.streamingapi.{template_name}"

    def cursor(self, session: _Session, seq: int) -> dict[str, str]:
        """A fresh cursor for log position `seq`, remembered by its session."""
        token = str(uuid.uuid4())
        session.tokens[token] = seq
        return {
            "partition": PARTITION,
            "offset": str(OFFSET_BASE + seq),
            "event_type": "MIXED",
            "cursor_token": token,
        }

    def _event_json(self, event: Event) -> dict[str, Any]:
        return {
            "metadata": {
                "eid": event.eid,
                "occurred_at": event.occurred_at.astimezone(UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "content_type": "application/json; charset=UTF-8",
                "category": "DATA",
                "event_type": self.event_type(event.template_name),
            },
            "template_name": event.template_name,
            "body": event.body,
        }

    def subscription(self, ident: str) -> Subscription:
        """A subscription by id. Raises MambuError 404 when unknown."""
        sub = self.subscriptions.get(ident)
        if sub is None:
            raise MambuError("OBJECT_NOT_FOUND", f"subscription {ident}")
        return sub

    async def _collect(
        self, sub: Subscription, session: _Session, scan: int, want: int, deadline: float
    ) -> tuple[list[Event], int]:
        """Up to `want` matching events after `scan`, waiting until `deadline`."""
        collected: list[Event] = []
        while True:
            for event in self.log.after(scan, 500):
                if len(collected) >= want:
                    break
                scan = event.seq
                if self.event_type(event.template_name) in sub.event_types:
                    collected.append(event)
            if (
                len(collected) >= want
                or time.monotonic() >= deadline
                or self.subscriptions.get(sub.id) is not sub
                or sub.session is not session
            ):
                return collected, scan
            if self.log.last_seq <= scan:
                await asyncio.sleep(min(_POLL, max(deadline - time.monotonic(), 0)))

    async def _batches(
        self, sub: Subscription, session: _Session, options: _Options
    ) -> AsyncIterator[bytes]:
        start = time.monotonic()
        end = start + options.stream_timeout
        scan, sent, first = sub.committed, 0, True
        try:
            while time.monotonic() < end and (
                not options.stream_limit or sent < options.stream_limit
            ):
                if self.subscriptions.get(sub.id) is not sub or sub.session is not session:
                    return
                if (
                    session.pending_since is not None
                    and time.monotonic() - session.pending_since > options.commit_timeout
                ):
                    return
                want = options.batch_limit
                if options.stream_limit:
                    want = min(want, options.stream_limit - sent)
                events, scan = await self._collect(
                    sub, session, scan, want, min(time.monotonic() + options.flush, end)
                )
                batch: dict[str, Any] = {
                    "cursor": self.cursor(session, events[-1].seq if events else scan)
                }
                if events:
                    batch["events"] = [self._event_json(e) for e in events]
                    sent += len(events)
                    session.sent_upto = events[-1].seq
                    if session.pending_since is None:
                        session.pending_since = time.monotonic()
                if first:
                    batch["info"] = {"debug": "Stream started"}
                    first = False
                yield dumps(batch) + b"\n"
        finally:
            session.active = False

    def routes(self, api: Api) -> list[Route]:
        """The Streaming API routes (API keys only)."""
        return [
            api.route(
                "/subscriptions",
                self._create,
                methods=["POST"],
                operation="create_subscription",
                api_key_only=True,
            ),
            api.route(
                "/subscriptions/{id}",
                self._get,
                methods=["GET"],
                operation="get_subscription",
                api_key_only=True,
            ),
            api.route(
                "/subscriptions/{id}",
                self._delete,
                methods=["DELETE"],
                operation="delete_subscription",
                api_key_only=True,
            ),
            api.route(
                "/subscriptions/{id}/events",
                self._events,
                methods=["GET"],
                operation="stream_events",
                api_key_only=True,
            ),
            api.route(
                "/subscriptions/{id}/cursors",
                self._commit,
                methods=["POST"],
                operation="commit_cursors",
                api_key_only=True,
            ),
        ]

    async def _create(self, request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise MambuError("INVALID_PARAMETERS", "body must be a JSON object")
        app, group = body.get("owning_application"), body.get("consumer_group", "default")
        types, read_from = body.get("event_types"), body.get("read_from", "end")
        if not isinstance(app, str) or not app:
            raise MambuError("INVALID_PARAMETERS", "owning_application")
        if not isinstance(group, str) or not group:
            raise MambuError("INVALID_PARAMETERS", "consumer_group")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            raise MambuError("INVALID_PARAMETERS", "event_types")
        if read_from not in {"begin", "end"}:
            raise MambuError("INVALID_PARAMETERS", "read_from: v2 takes begin or end")
        with self._lock:
            for sub in self.subscriptions.values():
                if (sub.owning_application, sub.consumer_group, set(sub.event_types)) == (
                    app,
                    group,
                    set(types),
                ):
                    request.state.changed = False
                    return json_response(sub.to_json(), status=200)
            committed = self.log.last_seq if read_from == "end" else self.log.first_seq - 1
            sub = Subscription(
                str(uuid.uuid4()),
                app,
                group,
                tuple(types),
                read_from,
                datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                committed,
            )
            self.subscriptions[sub.id] = sub
        request.state.created = (f"subscription:{sub.id}",)
        return json_response(sub.to_json(), status=201)

    async def _get(self, request: Request) -> Response:
        return json_response(self.subscription(request.path_params["id"]).to_json())

    async def _delete(self, request: Request) -> Response:
        with self._lock:
            if self.subscriptions.pop(request.path_params["id"], None) is None:
                raise MambuError("OBJECT_NOT_FOUND", f"subscription {request.path_params['id']}")
        return Response(status_code=204)

    async def _events(self, request: Request) -> Response:
        sub = self.subscription(request.path_params["id"])
        options = _options(request.query_params, self.default_stream_timeout)
        with self._lock:
            if sub.session is not None and sub.session.active:
                raise MambuError("CONFLICT", "No free slots for streaming", status=409)
            session = _Session(str(uuid.uuid4()))
            sub.session = session
        return StreamingResponse(
            self._batches(sub, session, options),
            media_type="application/x-json-stream",
            headers={"X-Mambu-StreamId": session.stream_id},
        )

    async def _commit(self, request: Request) -> Response:
        sub = self.subscription(request.path_params["id"])
        stream_id = request.headers.get("x-mambu-streamid")
        session = sub.session
        if session is None or stream_id != session.stream_id:
            raise MambuError("INVALID_PARAMETERS", f"Unknown stream id {stream_id}", status=422)
        body = await read_json(request)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise MambuError("INVALID_PARAMETERS", "items", status=422)
        positions = [_position(session, cursor) for cursor in items]
        results = []
        with self._lock:
            for cursor, seq in zip(items, positions, strict=True):
                advanced = seq > sub.committed
                sub.committed = max(sub.committed, seq)
                results.append(
                    {"cursor": cursor, "result": "committed" if advanced else "outdated"}
                )
            session.pending_since = None if sub.committed >= session.sent_upto else time.monotonic()
        if all(r["result"] == "committed" for r in results):
            return Response(status_code=204)
        return json_response({"items": results}, status=200)


def _position(session: _Session, cursor: Any) -> int:
    if not isinstance(cursor, dict):
        raise MambuError("INVALID_PARAMETERS", "cursor", status=422)
    seq = session.tokens.get(str(cursor.get("cursor_token")))
    if (
        seq is None
        or cursor.get("partition") != PARTITION
        or cursor.get("offset") != str(OFFSET_BASE + seq)
        or cursor.get("event_type") != "MIXED"
    ):
        raise MambuError(
            "INVALID_PARAMETERS", f"Invalid cursor {cursor.get('cursor_token')}", status=422
        )
    return seq


def _number(query: Any, name: str, default: float, minimum: float) -> float:
    raw = query.get(name)
    try:
        value = float(raw) if raw is not None else default
    except ValueError as exc:
        raise MambuError("INVALID_PARAMETERS", name) from exc
    if value < minimum:
        raise MambuError("INVALID_PARAMETERS", name)
    return value


def _options(query: Any, default_timeout: float) -> _Options:
    timeout = _number(query, "stream_timeout", 0, 0) or default_timeout
    return _Options(
        batch_limit=int(_number(query, "batch_limit", 1, 1)),
        flush=_number(query, "batch_flush_timeout", 30, 0),
        stream_limit=int(_number(query, "stream_limit", 0, 0)),
        stream_timeout=timeout,
        commit_timeout=_number(query, "commit_timeout", 60, 0),
    )
