"""What a core answered, or failed to answer, turned into the error tree.

Vendor mappings run first (an adapter's ``error_translator``); the status fallback here
covers whatever they leave. Every error carries a :class:`~xsell_connect.errors.ResponseInfo`
that keeps only an allow-list of headers, so credentials never travel on an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from xsell_connect.errors import (
    BODY_SNIPPET_BYTES,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    ResponseInfo,
    RetriableUpstreamError,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
    XsellError,
)

__all__ = [
    "ErrorTranslator",
    "error_for_exception",
    "error_for_response",
    "parse_retry_after",
    "response_info",
]

#: A vendor's own mapping of a non-2xx answer; ``None`` leaves it to the status fallback.
ErrorTranslator = Callable[[httpx.Response], XsellError | None]

#: Response headers worth keeping on an error. An allow-list: cookies and keys never pass.
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "date",
        "request-id",
        "retry-after",
        "traceparent",
        "x-correlation-id",
        "x-request-id",
    }
)

_BY_STATUS: Mapping[int, type[UpstreamError]] = {
    401: AuthenticationError,
    403: AuthenticationError,
    409: ConflictError,
    429: RateLimitedError,
}

_CONNECTION_ERRORS = (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError, OSError)


def response_info(response: httpx.Response) -> ResponseInfo:
    """Keep status, method, URL (without user info), allowed headers and a body snippet."""
    try:
        method, url = response.request.method, str(response.request.url.copy_with(userinfo=b""))
    except RuntimeError:  # a Response built by hand has no request
        method, url = "", ""
    return ResponseInfo(
        status_code=response.status_code,
        method=method,
        url=url,
        headers={k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS},
        body=response.content[:BODY_SNIPPET_BYTES],
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 §10.2.3), never negative.

    Args:
        value: delta-seconds (``"120"``) or an HTTP-date (``"Wed, 21 Oct 2015 07:28:00 GMT"``).
        now: the current time for an HTTP-date; defaults to the wall clock.

    Returns:
        The wait in seconds, or ``None`` when the header is absent or unreadable.
    """
    if not value or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def error_for_response(
    response: httpx.Response,
    *,
    translator: ErrorTranslator | None = None,
    platform: str = "",
    operation: str = "",
) -> XsellError:
    """The error for a non-2xx answer: the translator's, else one chosen by status.

    Whatever the translator returns gets the response attached (and ``Retry-After``, when it
    is retriable) if it lacks them.
    """
    info = response_info(response)
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    error = translator(response) if translator is not None else None
    if error is None:
        error = _by_status(response.status_code, info, retry_after, platform, operation)
    if isinstance(error, UpstreamError | NotFoundError) and error.response is None:
        error.response = info
    if isinstance(error, RetriableUpstreamError) and error.retry_after is None:
        error.retry_after = retry_after
    return error


def _by_status(
    status: int,
    info: ResponseInfo,
    retry_after: float | None,
    platform: str,
    operation: str,
) -> XsellError:
    if status == 404:
        return NotFoundError("resource", httpx.URL(info.url).path, response=info)
    cls = _BY_STATUS.get(status) or (
        UpstreamUnavailableError if status >= 500 else RequestRejectedError
    )
    message = f"{platform or 'core'} answered {status} to {info.method} {operation}".rstrip()
    if issubclass(cls, RetriableUpstreamError):
        return cls(message, response=info, retry_after=retry_after)
    return cls(message, response=info)


def error_for_exception(
    exc: BaseException, *, platform: str = "", operation: str = ""
) -> XsellError | None:
    """The error for a transport failure, or ``None`` when ``exc`` is not one.

    ``httpx.ASGITransport`` lets an app's exceptions through raw, so plain ``OSError``
    (``ConnectionResetError`` ...) counts as a connection failure and ``TimeoutError`` (also
    what :func:`asyncio.timeout` raises) as a timeout.
    """
    where = f"{platform or 'core'} {operation}".rstrip()
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return UpstreamTimeoutError(f"{where}: timed out ({type(exc).__name__})")
    if isinstance(exc, _CONNECTION_ERRORS) or type(exc).__module__.startswith("aiohttp."):
        # (an aiohttp error that httpx-aiohttp left unmapped, met while reading a body)
        return UpstreamConnectionError(f"{where}: connection failed ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError):  # UnsupportedProtocol, LocalProtocolError
        return ConfigurationError(f"{where}: cannot send the request ({type(exc).__name__})")
    return None
