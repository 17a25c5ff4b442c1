"""Transact's ``{header, body}`` envelope, its error shapes and snapshot paging.

Query errors: ``{"header":{"audit":{...},"status":"failed"},"error":{"type","code",
"message"}}`` (400 ``BUSINESS``, 500 ``SYSTEM``); an empty enquiry is the error
"No records found". Write errors: ``{"header":{...},"error":{"type":"Business",
"errorDetails":[...]},"override":{"overrideDetails":[...]}}`` (reference §1 Errors).

Paging: ``page_size`` / ``page_start`` (1-based, project convention) / ``page_token``.
The first call of an enquiry freezes its rows under a new ``page_token``; later calls
with that token read the same rows, whatever changed since (snapshot semantics).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["Snapshots", "failed", "ok", "page", "write_failed"]

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000


def _audit() -> dict[str, Any]:
    return {"T24_time": 42, "requestParse_time": 1, "responseParse_time": 1}


def _json(payload: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(payload, separators=(",", ":")), status, media_type="application/json"
    )


def ok(body: Any, *, header: dict[str, Any] | None = None, status: int = 200) -> Response:
    return _json({"header": {"audit": _audit(), "status": "success", **(header or {})},
                  "body": body}, status)  # fmt: skip


def failed(status: int, code: str, message: str) -> Response:
    """A query error: ``BUSINESS`` below 500, ``SYSTEM`` from 500."""
    kind = "SYSTEM" if status >= 500 else "BUSINESS"
    return _json({"header": {"audit": _audit(), "status": "failed"},
                  "error": {"type": kind, "code": code, "message": message}}, status)  # fmt: skip


def write_failed(
    details: Sequence[dict[str, str]] = (),
    overrides: Sequence[dict[str, Any]] = (),
    *,
    status: int = 400,
) -> Response:
    """A write error with ``errorDetails`` and/or pending ``overrideDetails``."""
    payload: dict[str, Any] = {
        "header": {"audit": _audit(), "status": "failed"},
        "error": {"type": "Business", "errorDetails": list(details)},
    }
    if overrides:
        payload["override"] = {"overrideDetails": list(overrides)}
    return _json(payload, status)


class Snapshots:
    """Frozen enquiry results by ``page_token``, the ``limit`` most recently used.

    A token unused while ``limit`` others were made or read has expired (the mock answers
    "PAGE TOKEN EXPIRED OR UNKNOWN"): a long run would otherwise keep every enquiry's rows.
    """

    def __init__(self, limit: int = 10_000) -> None:
        if limit < 1:
            raise ValueError(f"snapshot limit must be at least 1, not {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._rows: OrderedDict[str, tuple[dict[str, Any], ...]] = OrderedDict()

    def freeze(self, rows: Sequence[dict[str, Any]]) -> str:
        token = str(uuid.uuid4())
        with self._lock:
            self._rows[token] = tuple(rows)
            while len(self._rows) > self.limit:
                self._rows.popitem(last=False)
        return token

    def get(self, token: str) -> tuple[dict[str, Any], ...] | None:
        with self._lock:
            rows = self._rows.get(token)
            if rows is not None:
                self._rows.move_to_end(token)
            return rows

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


def page(
    request: Request,
    snapshots: Snapshots,
    rows: Callable[[], Sequence[dict[str, Any]]],
    *,
    data: dict[str, Any] | None = None,
) -> Response:
    """One page of an enquiry, or "No records found" when it has no rows."""
    q = request.query_params
    try:
        size = int(q.get("page_size") or DEFAULT_PAGE_SIZE)
        start = int(q.get("page_start") or 1)
    except ValueError:
        return failed(400, "EB-INVALID.PAGING", "page_size and page_start must be numbers")
    if not 1 <= size <= MAX_PAGE_SIZE or start < 1:
        return failed(400, "EB-INVALID.PAGING", f"page_size 1..{MAX_PAGE_SIZE}, page_start >= 1")
    token = q.get("page_token")
    if token:
        frozen = snapshots.get(token)
        if frozen is None:
            return failed(400, "EB-INVALID.PAGE.TOKEN", "PAGE TOKEN EXPIRED OR UNKNOWN")
    else:
        frozen = tuple(rows())
        token = snapshots.freeze(frozen) if frozen else ""
    if not frozen:
        return failed(400, "EB-NO.RECORDS", "No records found")
    if request.headers.get("disablePagination", "").lower() == "true":
        size, start = len(frozen), 1
    chunk = list(frozen[start - 1 : start - 1 + size])
    header: dict[str, Any] = {"page_size": size, "page_start": start,
                              "total_size": len(frozen), "page_token": token}  # fmt: skip
    if data is not None:
        header["data"] = data
    return ok(chunk, header=header)
