"""The wire to Transact's provider APIs: envelope, paging, errors and overrides.

Every answer is ``{"header": {...}, "body": ...}`` (reference §1). Errors arrive in two
shapes, both mapped here into the project's tree:

- query errors ``{"header":{"status":"failed"},"error":{"type","code","message"}}``: type
  ``BUSINESS`` (400) → ``RequestRejectedError``, ``SYSTEM`` (500) →
  ``UpstreamUnavailableError``; "No records found" and "NULL KEY SPECIFIED FOR SELECTION"
  → ``NoRecordsFound``, which enquiries read as an empty result, whatever the status;
- write errors ``{"error":{"type","errorDetails":[...]},"override":{"overrideDetails":[...]}}``:
  overrides only → ``OverrideRequiredError`` (accepted by resubmitting, see ``write``); a
  version-conflict code → ``ConflictError``; anything else → ``RequestRejectedError``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx

from xsell_connect.errors import (
    ConflictError,
    MappingError,
    RequestRejectedError,
    UpstreamUnavailableError,
    VendorError,
    XsellError,
)
from xsell_connect.http import HttpClient, Paginator, Params, iterate_pages

from .settings import TemenosSettings

__all__ = [
    "NoRecordsFound",
    "OverrideRequiredError",
    "TemenosClient",
    "TransactPaginator",
    "translate_error",
]

PLATFORM = "temenos"
#: Messages of an empty enquiry (reference §1 Errors, §6).
EMPTY_MESSAGES = frozenset({"NO RECORDS FOUND", "NULL KEY SPECIFIED FOR SELECTION"})
#: Write error codes meaning "the record changed since you read it" (mock and convention).
VERSION_CONFLICT_CODES = frozenset({"EB-RECORD.CHANGED", "EB-VERSION.MISMATCH"})


class NoRecordsFound(RequestRejectedError):
    """Transact's "No records found": an empty enquiry, reported as an error."""


class OverrideRequiredError(RequestRejectedError):
    """A write stopped on T24 overrides; ``overrides`` are the ``overrideDetails`` items."""

    def __init__(self, message: str, *, overrides: tuple[dict[str, Any], ...], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.overrides = overrides


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def translate_error(response: httpx.Response) -> XsellError | None:
    """The error for a non-2xx Transact answer, or None to fall back on the status."""
    payload = _json(response)
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return None
    return _error_from(payload, response.status_code)


def _error_from(payload: Mapping[str, Any], status: int) -> XsellError | None:
    error: Mapping[str, Any] = payload.get("error") or {}
    kind = str(error.get("type") or "").upper()
    details = [d for d in error.get("errorDetails") or () if isinstance(d, dict)]
    vendor = tuple(
        VendorError(
            str(d.get("code") or ""), str(d.get("message") or ""), str(d.get("fieldName") or "")
        )
        for d in details
    ) or (VendorError(str(error.get("code") or ""), str(error.get("message") or "")),)
    text = "; ".join(f"{v.code} {v.reason}".strip() for v in vendor)
    override = payload.get("override")
    overrides = (
        tuple(o for o in (override or {}).get("overrideDetails") or () if isinstance(o, dict))
        if isinstance(override, dict)
        else ()
    )
    if overrides and not details:
        return OverrideRequiredError(
            f"temenos: write needs {len(overrides)} override(s) accepted", overrides=overrides
        )
    if any(v.reason.strip().upper() in EMPTY_MESSAGES for v in vendor):
        return NoRecordsFound(f"temenos: {text}", vendor_errors=vendor)
    if status in (401, 403, 404):
        return None  # the status fallback: AuthenticationError, NotFoundError
    if any(v.code in VERSION_CONFLICT_CODES for v in vendor) or status == 409:
        return ConflictError(f"temenos: version conflict ({text})", vendor_errors=vendor)
    if kind == "SYSTEM" or status >= 500:
        return UpstreamUnavailableError(f"temenos: system error ({text})", vendor_errors=vendor)
    return RequestRejectedError(
        f"temenos: {kind.lower() or 'business'} error ({text})", vendor_errors=vendor
    )


class TransactPaginator(Paginator):
    """``page_size`` / ``page_start`` (1-based record index) / ``page_token`` paging.

    The first call gets a ``page_token`` in ``header``; sending it back with the next
    ``page_start`` walks the same result set. The walk ends when the rows read reach
    ``header.total_size``. The token of this paginator is ``"<page_start>:<page_token>"``.
    """

    def params(self, token: str | None, size: int) -> dict[str, str]:
        start, _, page_token = (token or "1:").partition(":")
        params = {"page_size": str(size), "page_start": start}
        return params | ({"page_token": page_token} if page_token else {})

    _header: Any = None

    def next_token_of(
        self,
        token: str | None,
        size: int,
        response: httpx.Response,
        items: Sequence[Any],
        header: Any,
    ) -> str | None:
        """``next_token`` from the answer's ``header`` already parsed (not the body again)."""
        self._header = header
        try:
            return self.next_token(token, size, response, items)
        finally:
            self._header = None

    def _next_token(
        self, token: str | None, size: int, response: httpx.Response, items: Sequence[Any]
    ) -> str | None:
        header = self._header
        if header is None:
            header = (_json(response) or {}).get("header") or {}
        start = int((token or "1:").partition(":")[0])
        total = header.get("total_size")
        read = start - 1 + len(items)
        if not items or (isinstance(total, int) and read >= total):
            return None
        if total is None and len(items) < size:
            return None
        return f"{read + 1}:{header.get('page_token') or ''}"


class TemenosClient:
    """One installation's HTTP client: ``companyId`` header, envelope, paging, writes."""

    def __init__(
        self,
        settings: TemenosSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        self.http = HttpClient(
            settings.base_url,
            transport=transport,
            auth=settings.auth(),
            headers={"companyId": settings.company_id, **settings.extra_headers},
            timeouts=settings.timeouts(),
            retry=settings.retry_policy(),
            error_translator=translate_error,
            verify=settings.verify_tls,
            platform=PLATFORM,
            **extra,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def get(
        self, path: str, params: Params | None = None, *, operation: str
    ) -> tuple[Mapping[str, Any], Any]:
        """``header`` and ``body`` of a GET; a ``header.status`` of ``failed`` raises."""
        payload, response = await self.http.get_json(path, params=params, operation=operation)
        body = self._body(payload, response)
        return payload.get("header") or {}, body

    async def page(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        token: str | None,
        size: int,
        operation: str,
        paginator: Paginator | None = None,
    ) -> tuple[list[Any], str | None, Mapping[str, Any]]:
        """One page of an enquiry: rows, the next token, and the header.

        An empty enquiry (Transact's "No records found" error) is an empty page.
        """
        walker = paginator or TransactPaginator()
        query = {**params, **walker.params(token, size)}
        try:
            payload, response = await self.http.get_json(path, params=query, operation=operation)
            rows = self._body(payload, response)
        except NoRecordsFound:
            return [], None, {}
        if not isinstance(rows, list):
            raise MappingError("enquiry body is not a list", raw=payload, platform=PLATFORM)
        header = payload.get("header") or {}
        if isinstance(walker, TransactPaginator):
            return rows, walker.next_token_of(token, size, response, rows, header), header
        return rows, walker.next_token(token, size, response, rows), header

    async def walk(self, path: str, params: Mapping[str, str], *, operation: str) -> list[Any]:
        """Every row of an enquiry, page after page over one ``page_token`` snapshot."""
        paginator = TransactPaginator()
        size = self.settings.page_size

        async def fetch(token: str | None) -> tuple[list[Any], str | None]:
            rows, following, _ = await self.page(
                path, params, token=token, size=size, operation=operation, paginator=paginator
            )
            return rows, following

        return [row async for row in iterate_pages(fetch)]

    async def write(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        *,
        version: str | None = None,
        validate_only: bool = False,
        operation: str,
    ) -> tuple[Mapping[str, Any], Any]:
        """Send a write once; resubmit once echoing overrides of an accepted ``type``.

        Returns:
            The answer's ``header`` and ``body``.

        Raises:
            OverrideRequiredError: an override whose type is not on the allow-list.
            ConflictError: ``version`` is stale.
        """
        accepted: list[dict[str, Any]] = []
        for _ in range(2):
            header: dict[str, Any] = {"override": {"overrideDetails": accepted}}
            if version is not None:
                header["audit"] = {"versionNumber": version}
            try:
                payload, response = await self.http.request_json(
                    method,
                    path,
                    json={"header": header, "body": dict(body)},
                    params={"validate_only": "true"} if validate_only else None,
                    retry=False,
                    operation=operation,
                )
            except OverrideRequiredError as exc:
                allowed = self.settings.conventions.accepted_override_types
                refused = [o for o in exc.overrides if str(o.get("type")) not in allowed]
                if refused or accepted:
                    ids = ", ".join(str(o.get("id")) for o in refused or exc.overrides)
                    raise OverrideRequiredError(
                        f"temenos: {operation} stopped on override(s) not accepted: {ids}",
                        overrides=exc.overrides,
                        response=exc.response,
                    ) from exc
                accepted = list(exc.overrides)
                continue
            return payload.get("header") or {}, self._body(payload, response)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    @staticmethod
    def _body(payload: Any, response: httpx.Response) -> Any:
        if not isinstance(payload, dict) or "header" not in payload:
            raise MappingError(
                "answer is not a {header, body} envelope", raw=payload, platform=PLATFORM
            )
        header = payload["header"]
        if isinstance(header, dict) and str(header.get("status", "")).lower() == "failed":
            raise _error_from(payload, response.status_code) or RequestRejectedError(
                "temenos: header.status is failed", vendor_errors=()
            )
        return payload.get("body")
