"""Authentication strategies, as ``httpx.Auth`` so they run inside the client's own flow.

Secrets are :class:`pydantic.SecretStr` and never appear in a ``repr``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote_plus

import httpx
from pydantic import SecretStr

from xsell_connect.errors import AuthenticationError
from xsell_connect.http.translate import response_info

__all__ = ["ApiKeyAuth", "BasicAuth", "OAuth2ClientCredentials"]


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


@dataclass(frozen=True)
class BasicAuth(httpx.Auth):
    """HTTP Basic authentication (RFC 7617)."""

    username: str
    password: SecretStr

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = _basic(self.username, self.password.get_secret_value())
        yield request


@dataclass(frozen=True)
class ApiKeyAuth(httpx.Auth):
    """An API key sent in a header; Mambu reads it from ``apiKey``."""

    key: SecretStr
    header: str = "apiKey"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.key.get_secret_value()
        yield request


class OAuth2ClientCredentials(httpx.Auth):
    """OAuth 2.0 client-credentials grant (RFC 6749 §4.4) with a cached bearer token.

    The token request is yielded from the auth flow, so it goes through the client's own
    transport (mocks and recordings included). The token is reused until ``expires_in -
    leeway`` seconds after it was fetched (by ``clock``); a token without ``expires_in`` is
    kept until the API answers 401. On a 401 the token is fetched again once and the request
    sent again once; a second 401 is returned to the caller. Concurrent refreshes are
    serialised, so many requests starting together fetch one token.

    Args:
        token_url: the token endpoint; a relative URL is joined to the request's URL.
        client_id: the client identifier.
        client_secret: the client secret.
        scope: space-separated scopes, sent when given.
        leeway: seconds before expiry at which a token is no longer used.
        clock: monotonic seconds; injectable for tests.
        client_auth: ``"client_secret_basic"`` (HTTP Basic, the default) or
            ``"client_secret_post"`` (credentials in the form body).

    Raises:
        AuthenticationError: the token endpoint refused, or answered without a bearer token.
    """

    requires_request_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        scope: str | None = None,
        leeway: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        client_auth: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic",
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.leeway = leeway
        self.clock = clock
        self.client_auth = client_auth
        self._token: str | None = None
        self._expires_at = -math.inf
        self._async_lock: asyncio.Lock | None = None
        self._sync_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(token_url={self.token_url!r}, client_id={self.client_id!r}, "
            f"client_secret={self.client_secret!r}, scope={self.scope!r})"
        )

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        token = self._cached()
        if token is None:
            with self._sync_lock:
                token = self._cached()
                if token is None:
                    answer = yield self._token_request(request)
                    token = self._store(answer, answer.read())
        response = yield self._authorized(request, token)
        if response.status_code != 401:
            return
        with self._sync_lock:
            if self._token is None or self._token == token:
                answer = yield self._token_request(request)
                token = self._store(answer, answer.read())
            else:
                token = self._token
        yield self._authorized(request, token)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        token = self._cached()
        if token is None:
            async with self._async_lock:
                token = self._cached()
                if token is None:
                    answer = yield self._token_request(request)
                    token = self._store(answer, await answer.aread())
        response = yield self._authorized(request, token)
        if response.status_code != 401:
            return
        async with self._async_lock:
            if self._token is None or self._token == token:
                answer = yield self._token_request(request)
                token = self._store(answer, await answer.aread())
            else:
                token = self._token
        yield self._authorized(request, token)

    def _cached(self) -> str | None:
        return self._token if self.clock() < self._expires_at else None

    @staticmethod
    def _authorized(request: httpx.Request, token: str) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        secret = self.client_secret.get_secret_value()
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        headers = {"Accept": "application/json"}
        if self.client_auth == "client_secret_basic":
            # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
            headers["Authorization"] = _basic(quote_plus(self.client_id), quote_plus(secret))
        else:
            form |= {"client_id": self.client_id, "client_secret": secret}
        return httpx.Request("POST", request.url.join(self.token_url), data=form, headers=headers)

    def _store(self, response: httpx.Response, body: bytes) -> str:
        try:
            payload = json.loads(body) if response.is_success else {}
        except ValueError:
            payload = {}
        payload = payload if isinstance(payload, dict) else {}
        token = payload.get("access_token")
        if not token or not isinstance(token, str) or not _is_bearer(payload):
            raise AuthenticationError(
                f"token request failed with {response.status_code}",
                response=response_info(response),
            )
        try:
            lifetime = float(payload.get("expires_in", math.inf))
        except (TypeError, ValueError):
            lifetime = math.inf
        self._token, self._expires_at = token, self.clock() + lifetime - self.leeway
        return token


def _is_bearer(payload: dict[str, object]) -> bool:
    return str(payload.get("token_type", "bearer")).lower() == "bearer"
