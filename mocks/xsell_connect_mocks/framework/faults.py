"""Fault injection for mock cores: the ASGI middleware and the exact effect of each fault.

A `FaultRule` (defined in `rules`, re-exported here) says what goes wrong
(`FaultKind`), how often (`probability`), where (an fnmatch glob on the path, optionally
some methods) and how many times. The `FaultInjector` middleware draws from its own
seeded `random.Random`, so a run with the same seed and the same requests fires the same
faults. Control routes under ``/_mock/``
are never faulted. Every fault that fires is written to ``scope["state"]["fault"]`` so
the journal (the next layer out) records it.

A mock runs two ways, and the faults that break the connection differ between them:

- in process (``httpx.ASGITransport``): the transport re-raises what the app raises, so
  CONNECTION_RESET raises ``ConnectionResetError`` and TIMEOUT / LOST_RESPONSE raise
  ``TimeoutError`` before any response starts. Clients map these to their own errors.
- served by uvicorn: an ASGI app cannot drop a socket without answering, and uvicorn
  answers 500 when an app fails before starting a response. So these faults start the
  response with a Content-Length they never honour and then fail; uvicorn closes the
  connection mid-body and the client sees a protocol error (httpx:
  ``RemoteProtocolError``). TIMEOUT, served, sleeps and then answers 504, as a gateway
  would; a client with a shorter deadline gives up first.

TRUNCATED_BODY, MALFORMED_BODY, EMPTY_BODY and LOST_RESPONSE let the app run (and
commit) first: it is the answer that is damaged or lost, which is how tests prove that
clients retry writes idempotently.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xsell_connect_mocks.framework.journal import CONTROL_PREFIX
from xsell_connect_mocks.framework.rules import FaultKind, FaultRule

__all__ = ["SERVED_EXTENSION", "FaultInjector", "FaultKind", "FaultRule", "VendorError"]

SERVED_EXTENSION = "xsell_connect.served"
"""ASGI scope extension set by the server: the request arrived over a real socket."""

VendorError = Callable[[FaultRule], tuple[int, dict[str, str], bytes]]
_Headers = list[tuple[bytes, bytes]]


class FaultInjector:
    """Pure ASGI middleware injecting `FaultRule` faults into a mock core.

    At most one fault decides a request's fate (the first matching rule that fires, in
    the order added); LATENCY rules only delay and stack with it.

    Args:
        app: The vendor app.
        rules: Initial rules.
        seed: Seed of the injector's own random draws.
        vendor_error: Builds the vendor's error answer (status, headers, body) for a
            rule; used as the body of RATE_LIMIT / SERVER_ERROR / UNAVAILABLE answers and
            as the whole VENDOR_ERROR answer.
    """

    _STATUS: ClassVar[dict[FaultKind, int]] = {
        FaultKind.RATE_LIMIT: 429,
        FaultKind.SERVER_ERROR: 500,
        FaultKind.UNAVAILABLE: 503,
        FaultKind.VENDOR_ERROR: 422,
    }
    _RETRY_AFTER: ClassVar[frozenset[FaultKind]] = frozenset(
        {FaultKind.RATE_LIMIT, FaultKind.UNAVAILABLE}
    )
    _DEFAULT_TIMEOUT: ClassVar[float] = 30.0

    def __init__(
        self,
        app: ASGIApp,
        *,
        rules: Sequence[FaultRule] = (),
        seed: int = 0,
        vendor_error: VendorError | None = None,
    ) -> None:
        self.app = app
        self.vendor_error = vendor_error
        self.fired: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._armed: list[list[Any]] = []  # [rule, firings left or None]
        for rule in rules:
            self.add(rule)

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        """The rules currently armed, in order."""
        with self._lock:
            return tuple(rule for rule, _ in self._armed)

    def add(self, rule: FaultRule | str) -> None:
        """Arm a rule (or its compact string form)."""
        if isinstance(rule, str):
            rule = FaultRule.parse(rule)
        with self._lock:
            self._armed.append([rule, rule.times])

    def clear(self) -> None:
        """Disarm every rule and reset the `fired` counter."""
        with self._lock:
            self._armed.clear()
            self.fired.clear()

    def _draw(self, method: str, path: str) -> list[FaultRule]:
        fired: list[FaultRule] = []
        with self._lock:
            for armed in self._armed:
                rule, left = armed
                if left == 0 or not rule.matches(method, path):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                armed[1] = None if left is None else left - 1
                self.fired[rule.kind.value] += 1
                fired.append(rule)
                if rule.kind is not FaultKind.LATENCY:
                    break
        return fired

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        fired = self._draw(scope.get("method", "GET"), path)
        if not fired:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["fault"] = ",".join(r.kind.value for r in fired)
        for rule in fired:
            if rule.kind is FaultKind.LATENCY:
                await anyio.sleep(rule.latency)
        decisive = fired[-1]
        if decisive.kind is FaultKind.LATENCY:
            await self.app(scope, receive, send)
            return
        served = bool((scope.get("extensions") or {}).get(SERVED_EXTENSION))
        await _HANDLERS[decisive.kind](self, decisive, scope, receive, send, served)

    # Handlers: (rule, scope, receive, send, served) -> None, picked through _HANDLERS.

    async def _error(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, served: bool
    ) -> None:
        if self.vendor_error is not None:
            status, header_map, body = self.vendor_error(rule)
        else:
            status, header_map = self._STATUS[rule.kind], {"content-type": "application/json"}
            body = json.dumps({"error": rule.kind.value, "message": "injected fault"}).encode()
        if rule.kind is not FaultKind.VENDOR_ERROR:
            status = self._STATUS[rule.kind]
        headers = [(k.lower().encode(), v.encode()) for k, v in header_map.items()]
        if rule.kind in self._RETRY_AFTER and rule.retry_after is not None:
            headers.append((b"retry-after", str(rule.retry_after).encode()))
        await _answer(send, rule.status or status, headers, body)

    async def _timeout(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, served: bool
    ) -> None:
        await anyio.sleep(rule.latency or self._DEFAULT_TIMEOUT)
        if served:
            await _answer(send, rule.status or 504, [], b"")
            return
        raise TimeoutError("injected timeout: no answer within the client's deadline")

    async def _reset(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, served: bool
    ) -> None:
        if served:
            await _abort(send, rule.status or 200, [])
        raise ConnectionResetError("injected connection reset")

    async def _truncated(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, served: bool
    ) -> None:
        status, headers, body = await self._capture(scope, receive)
        headers = _with_length(headers, len(body))  # declare the full length, send half
        await send(
            {"type": "http.response.start", "status": rule.status or status, "headers": headers}
        )
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": served}
        )
        if served:
            raise ConnectionResetError("injected truncated body")

    async def _malformed(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, served: bool
    ) -> None:
        status, headers, _ = await self._capture(scope, receive)
        await _answer(send, rule.status or status, headers, b'{"broken": ')

    async def _empty(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, served: bool
    ) -> None:
        _, headers, _ = await self._capture(scope, receive)
        await _answer(send, rule.status or 200, headers, b"")

    async def _lost(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, served: bool
    ) -> None:
        status, headers, _ = await self._capture(scope, receive)
        scope["state"]["status"] = status  # the journal never sees this answer go out
        if served:
            await _abort(send, status, headers)
        raise TimeoutError("injected lost response: the request committed, the answer was lost")

    async def _capture(self, scope: Scope, receive: Receive) -> tuple[int, _Headers, bytes]:
        status = 0
        headers: _Headers = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return status, headers, b"".join(chunks)


_Handler = Callable[[FaultInjector, FaultRule, Scope, Receive, Send, bool], Awaitable[None]]
_HANDLERS: dict[FaultKind, _Handler] = {
    FaultKind.TIMEOUT: FaultInjector._timeout,
    FaultKind.RATE_LIMIT: FaultInjector._error,
    FaultKind.SERVER_ERROR: FaultInjector._error,
    FaultKind.UNAVAILABLE: FaultInjector._error,
    FaultKind.VENDOR_ERROR: FaultInjector._error,
    FaultKind.CONNECTION_RESET: FaultInjector._reset,
    FaultKind.TRUNCATED_BODY: FaultInjector._truncated,
    FaultKind.MALFORMED_BODY: FaultInjector._malformed,
    FaultKind.EMPTY_BODY: FaultInjector._empty,
    FaultKind.LOST_RESPONSE: FaultInjector._lost,
}


def _with_length(headers: _Headers, length: int) -> _Headers:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]


async def _answer(send: Send, status: int, headers: _Headers, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _with_length(headers, len(body)),
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _abort(send: Send, status: int, headers: _Headers) -> None:
    """Start a response whose declared body never comes; the caller then raises.

    uvicorn closes the connection when an app fails after starting its response, which
    is the only way an ASGI app can break a connection instead of answering 500.
    """
    await send(
        {"type": "http.response.start", "status": status, "headers": _with_length(headers, 1024)}
    )
