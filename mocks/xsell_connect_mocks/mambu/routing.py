"""What every ``/api`` route shares: the guard (Accept and auth), error rendering,
JSON bodies, journal annotations and ``Idempotency-Key`` handling.

Route modules build their routes with `Api.route`; a handler is
``async (request) -> Response`` and raises `MambuError` for a refusal.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xsell_connect_mocks.bank.specs import AccountSpec, PostingSpec
from xsell_connect_mocks.framework import IdempotencyCache, StoredResponse, request_fingerprint
from xsell_connect_mocks.mambu.errors import MambuError, error_response
from xsell_connect_mocks.mambu.events import EventSource
from xsell_connect_mocks.mambu.state import MambuState
from xsell_connect_mocks.mambu.wire import MEDIA_TYPE

__all__ = ["API_USER", "Api", "Handler", "acting_user", "read_json"]

Handler = Callable[[Request], Awaitable[Response]]
#: Display name of the API consumer behind the API keys.
API_USER = "xsell api"
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


@dataclass
class Api:
    """Shared context of the ``/api`` routes.

    Attributes:
        state: Bank lookups and the write overlay.
        idempotency: The mock's idempotency cache.
        api_keys: Accepted ``apiKey`` header values.
        users: Accepted HTTP Basic users (name -> password).
        events: Where business events caused by writes are published.
        write_latency: Seconds an idempotent write takes once it holds its key (a test
            hook: fault latency is injected before the route, so it cannot hold a key).
    """

    state: MambuState
    idempotency: IdempotencyCache
    api_keys: frozenset[str]
    users: dict[str, str]
    events: EventSource
    write_latency: float = 0.0

    def emit_posting(self, posting: PostingSpec, account: AccountSpec) -> None:
        """Publish the event (if any) of a posting made through the API."""
        self.events.publish_posting(posting, account, self.state.is_loan(account))

    def route(
        self,
        path: str,
        handler: Handler,
        *,
        methods: Iterable[str],
        operation: str,
        idempotent: bool = False,
        api_key_only: bool = False,
    ) -> Route:
        """A guarded ``/api`` route.

        Args:
            path: Path under ``/api``.
            handler: The route's logic.
            methods: HTTP methods.
            operation: Name written to the journal entry.
            idempotent: Honour ``Idempotency-Key`` (POST and PATCH writes).
            api_key_only: Refuse HTTP Basic (Streaming API: API keys only).
        """

        async def endpoint(request: Request) -> Response:
            request.state.operation = operation
            try:
                self._guard(request, api_key_only=api_key_only)
                key = request.headers.get("idempotency-key")
                if idempotent and key:
                    return await self._idempotent(request, handler, key)
                return await handler(request)
            except MambuError as exc:
                return exc.response()

        return Route(f"/api{path}", endpoint, methods=list(methods))

    def _guard(self, request: Request, *, api_key_only: bool) -> None:
        api_key = request.headers.get("apikey")
        authorization = request.headers.get("authorization", "")
        if api_key is not None:
            if api_key not in self.api_keys:
                raise MambuError("INVALID_API_KEY", "apiKey")
            request.state.user = API_USER
        elif authorization.lower().startswith("basic ") and not api_key_only:
            user, password = _decode_basic(authorization[6:].strip())
            if user is None or self.users.get(user) != password:
                raise MambuError("INVALID_CREDENTIALS", "Authorization")
            request.state.user = user
        else:
            reason = "INVALID_API_KEY" if api_key_only else "INVALID_CREDENTIALS"
            raise MambuError(reason, "apiKey" if api_key_only else "Authorization")
        accept = request.headers.get("accept", "")
        if MEDIA_TYPE not in accept.lower():
            # Project convention (reference §7): no silent v1 fallback, force the header.
            raise MambuError("INVALID_PARAMETERS", f"Accept header must be {MEDIA_TYPE}")

    async def _idempotent(self, request: Request, handler: Handler, key: str) -> Response:
        body = await request.body()
        outcome = self.idempotency.begin(
            key, request_fingerprint(request.method, request.url.path, body)
        )
        if outcome.kind == "replay" and outcome.response is not None:
            request.state.changed = False
            stored = outcome.response
            return Response(stored.body, status_code=stored.status, headers=dict(stored.headers))
        if outcome.kind == "in_flight":
            request.state.changed = False
            return error_response(102, "IDEMPOTENCY_KEY_IN_PROGRESS", "Idempotency-Key")
        if outcome.kind == "mismatch":
            request.state.changed = False
            raise MambuError(
                "INVALID_PARAMETERS",
                f"Idempotency-Key {key} was already used with a different request",
            )
        try:
            if self.write_latency:
                await asyncio.sleep(self.write_latency)
            response = await handler(request)
        except BaseException:
            self.idempotency.abandon(key)
            raise
        if response.status_code >= 400:
            self.idempotency.abandon(key)
            return response
        headers = tuple(
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in response.raw_headers
            if k.decode("latin-1").lower() not in _HOP_HEADERS
        )
        self.idempotency.complete(
            key, StoredResponse(response.status_code, headers, bytes(response.body))
        )
        return response


def _decode_basic(token: str) -> tuple[str | None, str]:
    try:
        user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, ""
    return user, password


def acting_user(request: Request) -> str:
    """Who made the request: the Basic user name, or the API consumer's name."""
    return str(getattr(request.state, "user", API_USER))


async def read_json(request: Request) -> Any:
    """The request body as JSON, numbers with a fraction as `Decimal`.

    Raises:
        MambuError: 400 ``INVALID_JSON_SYNTAX``.
    """
    body = await request.body()
    try:
        return json.loads(body or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MambuError("INVALID_JSON_SYNTAX", str(exc)) from exc
