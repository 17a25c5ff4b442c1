"""The one HTTP client every adapter talks to its core through."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from json import loads
from types import TracebackType
from typing import Any, Self

import httpx
from tenacity import RetryCallState

from xsell_connect.errors import MappingError, XsellError
from xsell_connect.http.policy import RetryPolicy, Timeouts
from xsell_connect.http.retry import retry_call
from xsell_connect.http.translate import ErrorTranslator, error_for_exception, error_for_response
from xsell_connect.http.transport import build_transport

__all__ = ["ClientStats", "HttpClient", "Params"]

logger = logging.getLogger("xsell_connect.http")

#: Query parameters of one request.
Params = Mapping[str, str | int | float | bool | None]


@dataclass
class ClientStats:
    """One client's own counters; tenacity's ``statistics`` are shared and not to be trusted.

    Attributes:
        requests: attempts sent.
        retries: waits started before another attempt.
        failures: calls that raised, by error class name.
    """

    requests: int = 0
    retries: int = 0
    failures: Counter[str] = field(default_factory=Counter)


#: How many merged URLs one client remembers (see ``HttpClient._resolve``).
_URL_CACHE = 1024


class _Cookies(httpx.Cookies):
    """httpx's cookie store, asking the jar only when the response sets a cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class HttpClient:
    """An ``httpx.AsyncClient`` with explicit timeouts, retries and the project's errors.

    :meth:`request` returns only 2xx answers. Anything else raises from
    :mod:`xsell_connect.errors`, chained to its cause:

    * ``httpx.TimeoutException`` or the per-attempt ``Timeouts.total`` deadline:
      :class:`~xsell_connect.errors.UpstreamTimeoutError`;
    * network and protocol failures, raw ``OSError`` included (``httpx.ASGITransport`` lets
      an app's exceptions through): :class:`~xsell_connect.errors.UpstreamConnectionError`;
    * a non-2xx answer: ``error_translator(response)`` (the vendor's mapping) when it returns
      an error, else by status: 401/403 ``AuthenticationError``, 404 ``NotFoundError``,
      409 ``ConflictError``, 429 ``RateLimitedError``, 5xx ``UpstreamUnavailableError``, any
      other ``RequestRejectedError``. Errors carry a ``ResponseInfo`` without credentials.

    :class:`~xsell_connect.errors.RetriableUpstreamError` is retried under the
    :class:`RetryPolicy` (``retry=False`` on a call turns that off: use it for writes that
    carry no idempotency key). When retries run out the last error is raised with
    ``attempts`` set. Waits go through ``sleep``, so tests can record them instead.

    Logs (logger ``xsell_connect.http``) name the method, the ``operation``, the status, the
    attempt and the elapsed time; never URLs, headers or bodies, which hold account numbers.

    Example::

        async with HttpClient("https://tenant.mambu.com/api", auth=ApiKeyAuth(key)) as http:
            body, _ = await http.get_json("/clients/42", operation="get_customer")
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeouts: Timeouts = Timeouts(),  # noqa: B008 - frozen value object
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen value object
        error_translator: ErrorTranslator | None = None,
        verify: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        platform: str = "",
    ) -> None:
        self.platform = platform
        self.timeouts = timeouts
        self.retry_policy = retry
        self.stats = ClientStats()
        self._translator = error_translator
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            base_url=base_url,
            transport=transport if transport is not None else build_transport(verify=verify),
            auth=auth,
            headers=headers,
            timeout=timeouts.to_httpx(),
            verify=verify,
        )
        # httpx builds two throwaway request objects per response to ask the cookie jar
        # about Set-Cookie; with no such header there is nothing to keep, so skip the ask.
        # (The client's own attribute: its public setter copies into a plain ``Cookies``.)
        self._client._cookies = _Cookies()
        base = self._client.base_url
        #: ``base_url`` as a prefix for relative paths, when it is a plain one (see _resolve).
        self._prefix: str | None = None
        if not (base.query or base.fragment or base.userinfo or ":" in base.host):
            path = base.raw_path.decode("ascii")
            netloc = base.netloc.decode("ascii")
            self._prefix = f"{base.scheme}://{netloc}{path if path.endswith('/') else path + '/'}"
        self._urls: dict[str, httpx.URL] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        operation: str = "",
    ) -> httpx.Response:
        """Send a request, retrying as the policy allows, and return the 2xx answer.

        Args:
            method: the HTTP method.
            url: a path relative to ``base_url``, or an absolute URL.
            params: query parameters.
            json: a body to send as JSON.
            content: a raw body.
            headers: headers for this call, over the client's.
            retry: False sends a single attempt.
            operation: a name for logs and messages, e.g. ``"get_customer"``.

        Raises:
            XsellError: as the class docstring lays out.
        """
        policy = self.retry_policy if retry else RetryPolicy.none()
        name = operation or "-"

        def attempt(number: int) -> Awaitable[httpx.Response]:
            return self._attempt(method, url, name, number, params, json, content, headers)

        try:
            return await retry_call(
                policy,
                attempt,
                sleep=self._sleep,
                before_sleep=lambda state: self._on_retry(method, name, state),
            )
        except XsellError as exc:
            self.stats.failures[type(exc).__name__] += 1
            raise

    async def request_json(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        operation: str = "",
    ) -> tuple[Any, httpx.Response]:
        """:meth:`request`, then the body parsed as JSON.

        Raises:
            MappingError: the body is empty, truncated or not JSON; ``raw`` is its text.
        """
        response = await self.request(
            method,
            url,
            params=params,
            json=json,
            content=content,
            headers=headers,
            retry=retry,
            operation=operation,
        )
        if not response.content.strip():
            raise MappingError("empty body where JSON was expected", raw="", platform=self.platform)
        try:
            return loads(response.content), response
        except ValueError as exc:
            raise MappingError(
                "body is not valid JSON", raw=response.text, platform=self.platform
            ) from exc

    async def get_json(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        operation: str = "",
    ) -> tuple[Any, httpx.Response]:
        """``GET`` through :meth:`request_json`."""
        return await self.request_json(
            "GET", url, params=params, headers=headers, retry=retry, operation=operation
        )

    async def _attempt(
        self,
        method: str,
        url: str,
        operation: str,
        attempt: int,
        params: Params | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        self.stats.requests += 1
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeouts.total):
                response = await self._client.request(
                    method,
                    self._resolve(url),
                    params=params,
                    json=json,
                    content=content,
                    headers=headers,
                )
        except Exception as exc:
            error = error_for_exception(exc, platform=self.platform, operation=operation)
            self._log(
                logging.INFO, method, operation, type(error or exc).__name__, attempt, started
            )
            if error is None:
                raise
            raise error from exc
        if response.is_success:
            self._log(logging.DEBUG, method, operation, response.status_code, attempt, started)
            return response
        self._log(logging.INFO, method, operation, response.status_code, attempt, started)
        raise error_for_response(
            response, translator=self._translator, platform=self.platform, operation=operation
        )

    def _resolve(self, url: str) -> httpx.URL | str:
        """``url`` against ``base_url``, as httpx merges them, parsed once and remembered.

        httpx parses a relative URL, then the merge again, on every request; the paths of
        one core repeat (enquiries, writes), so the merged URL is kept (up to
        ``_URL_CACHE`` of them, then the cache starts over). Anything but a plain relative
        path is left to httpx.
        """
        found = self._urls.get(url)
        if found is not None:
            return found
        if self._prefix is None or any(c in url for c in "?#:") or url.startswith("//"):
            return url
        merged = httpx.URL(self._prefix + url.lstrip("/"))
        if len(self._urls) >= _URL_CACHE:
            self._urls.clear()
        self._urls[url] = merged
        return merged

    def _log(
        self, level: int, method: str, operation: str, outcome: object, attempt: int, started: float
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.log(
            level,
            "%s %s %s -> %s (attempt %d, %.1f ms)",
            self.platform or "core",
            method,
            operation,
            outcome,
            attempt,
            elapsed_ms,
        )

    def _on_retry(self, method: str, operation: str, state: RetryCallState) -> None:
        self.stats.retries += 1
        error = state.outcome.exception() if state.outcome else None
        logger.warning(
            "%s %s %s: %s on attempt %d, retrying in %.2f s",
            self.platform or "core",
            method,
            operation,
            type(error).__name__,
            state.attempt_number,
            state.upcoming_sleep,
        )
