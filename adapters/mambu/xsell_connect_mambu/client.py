"""The wire to Mambu API v2: headers, auth, errors, JSON with exact decimals, search, keys.

Every call carries ``Accept: application/vnd.mambu.v2+json`` (without it a call is served
as v1) and ``Content-Type: application/json``. Lists and searches answer bare JSON arrays,
paged with ``offset``/``limit``; ``paginationDetails=ON`` is never sent, because Mambu
asked extractors to stop requesting ``Items-Total`` (it is expensive to compute).
https://docs.mambu.com/api/pages/api-v2/pagination/
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import jiter

from xsell_connect.errors import (
    AuthenticationError,
    ConflictError,
    MappingError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    UpstreamError,
    UpstreamUnavailableError,
    VendorError,
    XsellError,
)
from xsell_connect.http import HttpClient, Params, response_info

from .settings import MambuSettings

__all__ = [
    "IDEMPOTENCY_NAMESPACE",
    "MEDIA_TYPE",
    "MambuClient",
    "MambuErrorTranslator",
    "decode_json",
    "idempotency_uuid",
    "loads",
    "render_datetime",
    "search_body",
]

MEDIA_TYPE = "application/vnd.mambu.v2+json"
PLATFORM = "mambu"

#: Namespace of the uuid5 ``Idempotency-Key`` derived from a caller's idempotency key.
IDEMPOTENCY_NAMESPACE = uuid.UUID("0b6c1f0e-3c55-5a8e-9d1e-6d616d627521")


def idempotency_uuid(key: str, scope: str = "") -> str:
    """The ``Idempotency-Key`` for a caller's key: a UUID, as Mambu wants, derived with uuid5.

    Deterministic, so a retry, a redelivered event or a restarted worker sends the same
    key and Mambu answers with the first result instead of creating a second record
    (https://docs.mambu.com/api/pages/api-v2/idempotency/). ``scope`` (the endpoint) keeps
    one caller key used for two different writes from colliding in the tenant.
    """
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{scope}\x1f{key}" if scope else key))


def render_datetime(value: datetime, tz: tzinfo) -> str:
    """``value`` as Mambu takes it: to the second, with the tenant's offset at that instant.

    Mambu v2 rejects an offset that is not the tenant's at that instant, DST included
    (https://docs.mambu.com/api/pages/api-v2/timezone-offsets/). A naive ``value`` is read
    as the tenant's wall-clock time.

    >>> from datetime import UTC
    >>> from zoneinfo import ZoneInfo
    >>> render_datetime(datetime(2024, 10, 31, 22, 59, 59, tzinfo=UTC), ZoneInfo("Europe/Paris"))
    '2024-10-31T23:59:59+01:00'
    """
    local = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    return local.replace(microsecond=0).isoformat()


def search_body(
    filters: Sequence[Mapping[str, Any]], *, sort_field: str, order: str = "ASC"
) -> dict[str, Any]:
    """A ``:search`` body: ``filterCriteria`` and one ``sortingCriteria``."""
    return {
        "filterCriteria": [dict(f) for f in filters],
        "sortingCriteria": {"field": sort_field, "order": order},
    }


def decode_json(response: httpx.Response) -> Any:
    """The body as JSON, numbers with a fraction as exact ``Decimal`` (never ``float``).

    Raises:
        MappingError: the body is empty, truncated or not JSON; ``raw`` is its text.
    """
    if not response.content.strip():
        raise MappingError("empty body where JSON was expected", raw="", platform=PLATFORM)
    try:
        return loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MappingError("body is not valid JSON", raw=response.text, platform=PLATFORM) from exc


def loads(content: bytes) -> Any:
    """JSON with exact ``Decimal`` fractions: ``json.loads(content, parse_float=Decimal)``.

    jiter (Rust) parses first, about half the cost of the standard parser with Decimals;
    what it refuses (NaN and Infinity, a UTF-8 BOM, lone surrogates, broken JSON) goes to
    the standard parser, which accepts exactly what it always did and raises its own error.
    """
    try:
        return jiter.from_json(content, float_mode="decimal", allow_inf_nan=False)
    except ValueError:
        return json.loads(content, parse_float=Decimal)


class MambuErrorTranslator:
    """Mambu's ``{"errors":[{errorCode, errorSource, errorReason}]}`` into the error tree.

    Decided in this order: retriable statuses (102 = same ``Idempotency-Key`` still in
    flight, 429, 5xx) and 409; then ``BY_REASON`` over the reported reasons; then any
    ``*_NOT_FOUND`` reason; then 401/403/404; anything else is a rejected request. Mambu
    sends no ``Retry-After`` (reference §1), so the HttpClient backs off exponentially.
    Each ``VendorError`` keeps ``code`` = ``errorCode``, ``reason`` = ``errorReason`` and
    ``source`` = ``errorSource``.
    """

    BY_STATUS: ClassVar[dict[int, type[XsellError]]] = {
        102: RateLimitedError,
        409: ConflictError,
        429: RateLimitedError,
        401: AuthenticationError,
        403: AuthenticationError,
        404: NotFoundError,
    }
    FIRST_BY_STATUS: ClassVar[frozenset[int]] = frozenset({102, 409, 429})
    BY_REASON: ClassVar[dict[str, type[XsellError]]] = {
        "INVALID_CREDENTIALS": AuthenticationError,
        "INVALID_API_KEY": AuthenticationError,
        "INVALID_BASIC_AUTHORIZATION": AuthenticationError,
        "API_NOT_AUTHORIZED": AuthenticationError,
        "OBJECT_NOT_FOUND": NotFoundError,
        "EXCESSIVE_INVALID_REQUESTS": RateLimitedError,
        "IDEMPOTENCY_KEY_IN_PROGRESS": RateLimitedError,
        "TOO_MANY_REQUESTS": RateLimitedError,
        "INVALID_PARAMETERS": RequestRejectedError,
        "INVALID_JSON_SYNTAX": RequestRejectedError,
        "INVALID_DATE_FORMAT": RequestRejectedError,
        "INVALID_PAGINATION_OFFSET_VALUE": RequestRejectedError,
        "INVALID_PAGINATION_LIMIT_VALUE": RequestRejectedError,
        "OUT_OF_BOUNDS_PAGINATION_OFFSET_VALUE": RequestRejectedError,
        "OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE": RequestRejectedError,
    }

    def __call__(self, response: httpx.Response) -> XsellError | None:
        vendor = self.vendor_errors(response)
        status = response.status_code
        cls = self.classify(status, tuple(v.reason for v in vendor))
        info = response_info(response)
        if cls is NotFoundError:
            return NotFoundError("resource", response.request.url.path, response=info)
        reasons = ", ".join(v.reason for v in vendor if v.reason) or "no error body"
        message = f"mambu answered {status} to {response.request.method} ({reasons})"
        assert issubclass(cls, UpstreamError)
        return cls(message, response=info, vendor_errors=vendor)

    @classmethod
    def classify(cls, status: int, reasons: Sequence[str]) -> type[XsellError]:
        """The error class for a status and the ``errorReason`` values that came with it."""
        if status in cls.FIRST_BY_STATUS:
            return cls.BY_STATUS[status]
        if status >= 500:
            return UpstreamUnavailableError
        for reason in reasons:
            if reason in cls.BY_REASON:
                return cls.BY_REASON[reason]
        if any(reason.endswith("_NOT_FOUND") for reason in reasons):
            return NotFoundError
        return cls.BY_STATUS.get(status, RequestRejectedError)

    @staticmethod
    def vendor_errors(response: httpx.Response) -> tuple[VendorError, ...]:
        """The ``errors[]`` of a Mambu error body; ``()`` for any other body."""
        try:
            body = json.loads(response.content) if response.content else None
        except (ValueError, UnicodeDecodeError):
            return ()
        items = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return ()
        return tuple(
            VendorError(
                code=str(item.get("errorCode", "")),
                reason=str(item.get("errorReason", "")),
                source=str(item.get("errorSource", "")),
            )
            for item in items
            if isinstance(item, dict)
        )


class MambuClient:
    """An :class:`~xsell_connect.http.HttpClient` set up for one tenant, plus Mambu helpers.

    Args:
        settings: the tenant's settings.
        transport: an ``httpx`` transport (the in-process mock, ``respx``); None for network.
        sleep: how retries wait; tests pass a recorder.
    """

    def __init__(
        self,
        settings: MambuSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.tz = settings.tz
        self.sleep = sleep
        self.http = HttpClient(
            settings.base_url,
            transport=transport,
            auth=settings.auth(),
            headers={"Accept": MEDIA_TYPE, "Content-Type": "application/json"},
            timeouts=settings.timeouts(),
            retry=settings.retry_policy(),
            error_translator=MambuErrorTranslator(),
            verify=settings.verify_tls,
            sleep=sleep,
            platform=PLATFORM,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    def render(self, value: datetime) -> str:
        """A datetime with the tenant's offset at that instant (see :func:`render_datetime`)."""
        return render_datetime(value, self.tz)

    async def get(
        self, path: str, *, params: Params | None = None, operation: str, retry: bool = True
    ) -> Any:
        """GET a resource or list and return its JSON body."""
        response = await self.http.request(
            "GET", path, params=params, operation=operation, retry=retry
        )
        return decode_json(response)

    async def get_list(
        self, path: str, *, params: Params, offset: int, limit: int, operation: str
    ) -> list[Any]:
        """One page of a GET list (a bare JSON array)."""
        body = await self.get(
            path, params={**params, "offset": offset, "limit": limit}, operation=operation
        )
        return _array(body, operation)

    async def search(
        self, path: str, body: Mapping[str, Any], *, offset: int, limit: int, operation: str
    ) -> list[Any]:
        """One page of a ``POST {collection}:search`` (a bare JSON array).

        A search creates nothing; it still gets a fresh ``Idempotency-Key`` (Mambu wants one
        on every POST), reused by the retries of this one call.
        """
        response = await self.http.request(
            "POST",
            path,
            params={"offset": offset, "limit": limit, "detailsLevel": "FULL"},
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            operation=operation,
        )
        return _array(decode_json(response), operation)

    async def create(
        self, path: str, body: Mapping[str, Any], *, idempotency_key: str, operation: str
    ) -> Any:
        """POST a new record with an ``Idempotency-Key`` derived from ``idempotency_key``.

        Retries are safe: Mambu answers a repeated key with the first result (or 102 while
        the first request is still running, which is retried as a rate limit). The key is
        scoped by ``path``.
        """
        response = await self.http.request(
            "POST",
            path,
            json=body,
            headers={"Idempotency-Key": idempotency_uuid(idempotency_key, scope=path)},
            operation=operation,
        )
        return decode_json(response)

    async def patch(
        self, path: str, ops: Sequence[Mapping[str, Any]], *, operation: str, retry: bool = True
    ) -> None:
        """PATCH with a list of ``{op, path, value}`` operations (204, empty body)."""
        await self.http.request(
            "PATCH", path, json=[dict(op) for op in ops], operation=operation, retry=retry
        )


def _array(body: Any, operation: str) -> list[Any]:
    if not isinstance(body, list):
        raise MappingError(
            f"{operation}: expected a JSON array, got {type(body).__name__}",
            raw=body,
            platform=PLATFORM,
        )
    return body
