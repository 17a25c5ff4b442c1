"""The request journal: what every mock core was asked, for tests to assert on.

`JournalMiddleware` is the outermost layer of every mock app. It records one
`JournalEntry` per vendor request: method, path, query, the request body exactly as
received, the status the client saw, and what the route and the fault injector said
about it through the per-request state (`scope["state"]`, which Starlette exposes as
`request.state`)::

    request.state.operation = "create_task"
    request.state.created = ("task:10457",)

Keys a route may set: ``operation`` (str), ``created`` (tuple of "kind:id"),
``changed`` (bool; mark a write that created nothing, or ``False`` for a read-only POST
such as a search), ``idempotency_key`` (when the vendor carries it somewhere other than
the ``Idempotency-Key`` header). The fault injector sets ``fault`` and, when it swallowed
the app's answer, ``status``.

Control traffic under ``/_mock/`` is not journalled: it is the test talking to the mock,
not a client talking to the core.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTROL_PREFIX", "Journal", "JournalEntry", "JournalMiddleware"]

CONTROL_PREFIX = "/_mock/"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class JournalEntry:
    """One request as the mock core saw it.

    Attributes:
        seq: Position in the journal, from 1.
        at: When the request arrived (UTC).
        method: HTTP method, upper case.
        path: Request path, without the query string.
        query: Raw query string, decoded as latin-1 (ASGI gives bytes).
        status: Status the client was sent; 0 when no response started (reset, timeout).
        operation: Name the route gave the operation, "" when it named none.
        idempotency_key: The request's idempotency key, if any.
        body: The request body exactly as received.
        created: Records the request created, as "kind:id".
        fault: The injected fault(s) that fired, comma-separated kind values, or None.
        changed: Whether the request created or changed something in the core.
    """

    seq: int
    at: datetime
    method: str
    path: str
    query: str
    status: int
    operation: str
    idempotency_key: str | None
    body: bytes
    created: tuple[str, ...]
    fault: str | None
    changed: bool = False


class Journal:
    """Thread-safe, append-only log of requests (the server may run in another thread).

    Args:
        limit: Keep only the newest `limit` entries (None: all). A mock serving a long
            run (a 100,000-customer backfill makes half a million requests) would
            otherwise grow by every request it answers; numbering goes on past dropped
            entries, so ``seq`` still counts every request since the last `clear`.
    """

    def __init__(self, limit: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"journal limit must be at least 1, not {limit}")
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._count = 0

    @property
    def limit(self) -> int | None:
        """How many entries are kept (None: all)."""
        return self._entries.maxlen

    @limit.setter
    def limit(self, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError(f"journal limit must be at least 1, not {value}")
        with self._lock:
            self._entries = deque(self._entries, maxlen=value)

    def append(
        self,
        *,
        method: str,
        path: str,
        status: int,
        query: str = "",
        operation: str = "",
        idempotency_key: str | None = None,
        body: bytes = b"",
        created: tuple[str, ...] = (),
        fault: str | None = None,
        changed: bool | None = None,
        at: datetime | None = None,
    ) -> JournalEntry:
        """Record one request and return its entry.

        ``changed`` defaults to: something was created, or a non-GET request succeeded.
        """
        method = method.upper()
        if changed is None:
            changed = bool(created) or (method not in _SAFE_METHODS and 0 < status < 400)
        with self._lock:
            self._count += 1
            entry = JournalEntry(
                seq=self._count,
                at=at or datetime.now(UTC),
                method=method,
                path=path,
                query=query,
                status=status,
                operation=operation,
                idempotency_key=idempotency_key,
                body=body,
                created=created,
                fault=fault,
                changed=changed,
            )
            self._entries.append(entry)
        return entry

    def entries(
        self,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        operation: str | None = None,
    ) -> list[JournalEntry]:
        """Entries in arrival order, optionally filtered (all filters must match)."""
        with self._lock:
            snapshot = list(self._entries)
        return [
            e
            for e in snapshot
            if (method is None or e.method == method.upper())
            and (path_prefix is None or e.path.startswith(path_prefix))
            and (operation is None or e.operation == operation)
        ]

    def writes(self) -> list[JournalEntry]:
        """Non-GET requests answered below 400 that created or changed something."""
        return [
            e
            for e in self.entries()
            if e.method not in _SAFE_METHODS and 0 < e.status < 400 and e.changed
        ]

    def clear(self) -> None:
        """Forget every entry; numbering starts again at 1."""
        with self._lock:
            self._entries.clear()
            self._count = 0

    def __len__(self) -> int:
        """Entries kept (at most `limit`)."""
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())


class JournalMiddleware:
    """Pure ASGI middleware recording every vendor request in a `Journal`.

    Args:
        app: The wrapped app (the fault injector, so injected faults get journalled).
        journal: Where entries go.
    """

    def __init__(self, app: ASGIApp, *, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        # Read the whole body up front so it is journalled even when a fault answers
        # before the route reads it; the app then gets it replayed.
        body, more_messages = await _read_body(receive)
        replay = _Replay(body, more_messages, receive)
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 0

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, replay, send_and_watch)
        finally:
            # In `finally` so resets, lost responses and client timeouts are journalled too.
            self.journal.append(
                method=scope.get("method", "GET"),
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                status=status or int(state.get("status", 0)),
                operation=str(state.get("operation", "")),
                idempotency_key=state.get("idempotency_key") or _header(scope, b"idempotency-key"),
                body=body,
                created=tuple(state.get("created", ())),
                fault=state.get("fault"),
                changed=state.get("changed"),
            )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    chunks: list[bytes] = []
    extra: list[Message] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            extra.append(message)  # a disconnect: hand it on after the body
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), extra


class _Replay:
    """A `receive` that gives the buffered body first, then defers to the real one."""

    def __init__(self, body: bytes, extra: list[Message], receive: Receive) -> None:
        self._pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
        self._pending.extend(extra)
        self._receive = receive

    async def __call__(self) -> Message:
        if self._pending:
            return self._pending.pop(0)
        return await self._receive()
