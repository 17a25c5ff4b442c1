"""One error tree for every adapter, grouped by what the caller should do.

::

    XsellError
    ├── ConfigurationError            fix the settings, then start again
    │   └── AdapterNotInstalledError  install the adapter's distribution (the message says which)
    ├── CapabilityNotSupportedError   this core cannot do that; choose another path
    ├── UpstreamError                 the core answered badly, or not at all
    │   ├── RetriableUpstreamError    try again later, honouring ``retry_after``
    │   │   ├── UpstreamTimeoutError      connect / read / overall deadline
    │   │   ├── UpstreamConnectionError   reset, refused, closed mid-body
    │   │   ├── RateLimitedError          429 (and Mambu's 102 "same key in flight")
    │   │   └── UpstreamUnavailableError  5xx
    │   └── FatalUpstreamError        do not retry: fix the request or the credentials
    │       ├── AuthenticationError       401 / 403, bad key or user
    │       ├── RequestRejectedError      400 / 422, vendor business or validation error
    │       ├── ConflictError             409, optimistic-concurrency or duplicate
    │       └── PaginationLoopError       the core handed back a page token it gave before
    ├── NotFoundError                 the record does not exist in the core
    ├── MappingError                  a core record breaks the contract; ``raw`` and ``path`` kept
    └── EventError                    an inbound event cannot be accepted
        ├── SignatureError                missing or bad signature / shared secret
        └── MalformedEventError           body or envelope not as the source promises

Every adapter translates its vendor errors (Mambu ``errors[]``, Temenos
``header.status=failed``, FLEXCUBE ``FCUBS_ERROR_RESP``, Finacle
``HostTransaction/Status=FAILURE``) into this tree where they leave the adapter,
chaining the original with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AdapterNotInstalledError",
    "AuthenticationError",
    "CapabilityNotSupportedError",
    "ConfigurationError",
    "ConflictError",
    "EventError",
    "FatalUpstreamError",
    "MalformedEventError",
    "MappingError",
    "NotFoundError",
    "PaginationLoopError",
    "RateLimitedError",
    "RequestRejectedError",
    "ResponseInfo",
    "RetriableUpstreamError",
    "SignatureError",
    "UpstreamConnectionError",
    "UpstreamError",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
    "VendorError",
    "XsellError",
]

#: Bodies kept on errors are cut to this many bytes: enough to diagnose, small enough to log.
BODY_SNIPPET_BYTES = 4096


@dataclass(frozen=True)
class VendorError:
    """One error as the core reported it (Mambu ``errors[i]``, a Temenos error detail, ...)."""

    code: str
    reason: str = ""
    source: str = ""


@dataclass(frozen=True)
class ResponseInfo:
    """What is kept of the core's last answer: status, selected headers, a body snippet."""

    status_code: int
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class XsellError(Exception):
    """Root of every error xsell-connect raises on purpose."""


class ConfigurationError(XsellError):
    """Settings are missing or invalid, or the named adapter is unknown."""


class AdapterNotInstalledError(ConfigurationError):
    """A built-in adapter is known but its distribution is not installed."""

    def __init__(self, platform: str, distribution: str) -> None:
        self.platform = platform
        self.distribution = distribution
        super().__init__(f"adapter {platform!r} is not installed: pip install {distribution}")


class CapabilityNotSupportedError(XsellError):
    """The adapter does not declare the capability the caller needs."""

    def __init__(self, platform: str, capability: str) -> None:
        self.platform = platform
        self.capability = capability
        super().__init__(f"adapter {platform!r} does not support {capability}")


class UpstreamError(XsellError):
    """The core answered with an error, or did not answer.

    Attributes:
        response: the last response, when there was one.
        vendor_errors: the core's own error codes, in the order it gave them.
    """

    def __init__(
        self,
        message: str,
        *,
        response: ResponseInfo | None = None,
        vendor_errors: tuple[VendorError, ...] = (),
    ) -> None:
        self.response = response
        self.vendor_errors = vendor_errors
        super().__init__(message)

    @property
    def vendor_codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.vendor_errors)


class RetriableUpstreamError(UpstreamError):
    """Worth retrying later. ``retry_after`` is the core's hint in seconds, if it gave one."""

    def __init__(
        self,
        message: str,
        *,
        response: ResponseInfo | None = None,
        vendor_errors: tuple[VendorError, ...] = (),
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, response=response, vendor_errors=vendor_errors)
        self.retry_after = retry_after
        self.attempts = attempts


class UpstreamTimeoutError(RetriableUpstreamError):
    """Connect, read, write or overall deadline passed."""


class UpstreamConnectionError(RetriableUpstreamError):
    """The connection was refused, reset or closed before a whole answer arrived."""


class RateLimitedError(RetriableUpstreamError):
    """429, or a request with the same idempotency key still in flight."""


class UpstreamUnavailableError(RetriableUpstreamError):
    """5xx from the core."""


class FatalUpstreamError(UpstreamError):
    """Retrying the same request will not help."""


class AuthenticationError(FatalUpstreamError):
    """401 / 403: credentials missing, wrong or lacking rights."""


class RequestRejectedError(FatalUpstreamError):
    """The core rejected the request: validation or a business rule."""


class ConflictError(FatalUpstreamError):
    """409 or a vendor version conflict: the record changed under us."""


class PaginationLoopError(FatalUpstreamError):
    """The core handed back a page token already seen in this iteration."""


class NotFoundError(XsellError):
    """The record does not exist in the core. Every adapter raises this for a missing customer."""

    def __init__(self, kind: str, ident: str, *, response: ResponseInfo | None = None) -> None:
        self.kind = kind
        self.ident = ident
        self.response = response
        super().__init__(f"{kind} {ident!r} not found")


class MappingError(XsellError):
    """A core record cannot become a canonical model.

    Attributes:
        raw: the record exactly as received (never altered), for inspection.
        path: where in the record the problem is, e.g. ``("balances", "totalBalance")``.
        platform: the adapter that received it.
    """

    def __init__(
        self,
        message: str,
        *,
        raw: Any,
        path: tuple[str | int, ...] = (),
        platform: str = "",
    ) -> None:
        self.raw = raw
        self.path = path
        self.platform = platform
        where = "/".join(str(p) for p in path) or "<record>"
        super().__init__(f"{platform or 'core'} record at {where}: {message}")


class EventError(XsellError):
    """An inbound webhook or message cannot be accepted; ``raw`` keeps it for inspection."""

    def __init__(self, message: str, *, raw: bytes = b"", attribute: str = "") -> None:
        self.raw = raw
        self.attribute = attribute
        super().__init__(message)


class SignatureError(EventError):
    """Missing, stale or wrong signature or shared secret."""


class MalformedEventError(EventError):
    """The body or envelope is not what the source promises."""
