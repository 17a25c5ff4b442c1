"""``POST /webhooks/{source}`` on raw ASGI: the listener's hot path, outside Starlette's stack.

Through Starlette a webhook passes two middlewares, the router, a ``Request``, the
endpoint's exception wrapper and a ``send`` wrapper per layer: about half of the app's
CPU per webhook, for nothing a webhook needs. ``WebhookEndpoint.answer`` reads the ASGI
scope and messages itself and returns the very response the Starlette route returned
(``tests/listener/test_webhook_answers.py`` pins each one, byte for byte);
``app.ListenerApp`` sends it, and answers an unexpected error as Starlette would.

A webhook gets a 2xx only after its raw body is committed to the inbox (``intake``); the
store being down answers 503, so that the sender retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from json.encoder import encode_basestring
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import Response

from xsell_connect.errors import SignatureError
from xsell_connect.listener.ingest import Outcome
from xsell_connect.listener.problems import problem
from xsell_connect.listener.services import Services

__all__ = ["WEBHOOK_PREFIX", "WebhookEndpoint", "webhook_source"]

log = logging.getLogger("xsell_connect.listener")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]

WEBHOOK_PREFIX = "/webhooks/"


def webhook_source(scope: Scope) -> str | None:
    """The ``{source}`` of a ``/webhooks/{source}`` path, as Starlette's router matches it.

    The path below ``root_path``, then one non-empty segment (``[^/]+``); else None.
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path != root and path[len(root)] == "/":
        path = path[len(root) :]
    if not path.startswith(WEBHOOK_PREFIX):
        return None
    name = path[len(WEBHOOK_PREFIX) :]
    return name if name and "/" not in name else None


#: Header names as ``str``, lower-case, by their bytes: the same few names come with every
#: webhook. Bounded, so that a sender inventing names cannot grow it.
_NAMES: dict[bytes, str] = {}
_NAMES_MAX = 256


def _name(key: bytes) -> str:
    name = key.decode("latin-1").lower()
    if len(_NAMES) < _NAMES_MAX:
        _NAMES[key] = name
    return name


class _TooLarge(Exception):
    pass


async def _read_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The raw body, refused as soon as it passes ``limit`` (not after reading it all)."""
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            if not message.get("more_body", False):
                if not chunks:
                    return chunk
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)
        elif kind == "http.disconnect":
            raise ClientDisconnect


class WebhookEndpoint:
    """Verify, commit and answer one webhook (see the module docstring)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        #: Each source's settings and verifier by name, looked up once (the settings list
        #: them in a list, searched on every call of ``settings.source``).
        self._sources = {
            s.name: (s, verifier)
            for s in services.settings.sources
            if (verifier := services.verifiers.get(s.name)) is not None
        }

    async def answer(self, name: str, scope: Scope, receive: Receive) -> Response:
        """The response to ``POST /webhooks/{name}``; raises only on a fault of ours."""
        services = self.services
        found = self._sources.get(name)
        if found is None:
            return problem(404, "unknown-source", "Unknown source", f"no webhook source {name!r}")
        source, verifier = found
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        names = _NAMES
        headers = {names.get(key) or _name(key): value.decode("latin-1") for key, value in raw}
        declared = None
        for key, value in raw:  # the first one, as sent (a repeated header keeps the last)
            if key == b"content-length":
                declared = value.decode("latin-1")
                break
        try:
            body = await _read_body(receive, declared, source.max_body_bytes)
        except _TooLarge:
            return problem(
                413, "too-large", "Payload too large", f"over {source.max_body_bytes} bytes"
            )
        client = scope.get("client")
        try:
            webhook_id = verifier.verify(
                headers, body, client=client[0] if client else None, now=time.time()
            )
        except SignatureError as exc:
            services.metrics.verification_failures.labels(name, exc.attribute or "other").inc()
            return problem(401, "unverified", "Webhook not verified", str(exc))
        try:
            accepted = await services.intake.accept(
                source, "webhook", headers, body, delivery_id=webhook_id
            )
        except Exception:
            log.exception("inbox commit failed for source %s", name)
            return problem(503, "store-unavailable", "Store unavailable", "try again later")
        services.count(name, "webhook", accepted)
        if accepted.outcome is Outcome.REJECTED:
            return problem(
                400,
                "malformed",
                "Malformed event",
                accepted.reason or "malformed",
                attribute=accepted.attribute,
                inbox_id=accepted.inbox_id,
            )
        status = 202 if accepted.outcome is Outcome.STORED else 200
        return _answer(status, accepted.outcome.value, accepted.inbox_id)


class _JsonAnswer(Response):
    """A ``Response`` whose body and raw headers are given as they are, already final.

    ``Response.__init__`` renders the body and builds the headers from a mapping, checking
    for each one whether the caller gave it: for a body and headers that never vary in kind,
    that is half of what answering costs. Sent as any ``Response`` is (``__call__``).
    """

    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", b"%d" % len(body)), _JSON_TYPE]


_JSON_TYPE = (b"content-type", b"application/json")


def _answer(status: int, outcome: str, inbox_id: str) -> Response:
    """``JSONResponse({"status": outcome, "id": inbox_id}, status)``, byte for byte, without
    its general-purpose encoder: ``json.dumps(ensure_ascii=False)`` writes a string with
    ``encode_basestring``, and the rest is fixed (0.8 µs, not 2.3); the headers are
    ``JSONResponse``'s, in its order."""
    body = f'{{"status":{encode_basestring(outcome)},"id":{encode_basestring(inbox_id)}}}'
    return _JsonAnswer(status, body.encode())
