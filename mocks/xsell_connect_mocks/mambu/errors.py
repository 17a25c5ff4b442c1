"""Mambu error bodies: ``{"errors":[{"errorCode":int,"errorSource":str,"errorReason":str}]}``.

Every 4xx the mock sends goes through `MambuError` so the body shape is the same
everywhere (reference §1, "Error body"). Mambu publishes ~600 reasons but not a stable
reason → code table; `ERROR_CODES` is the mock's one table, with numbers chosen to look
like Mambu's historical v1 codes.
"""

from __future__ import annotations

from typing import ClassVar

from starlette.responses import Response

from xsell_connect_mocks.mambu.wire import MEDIA_TYPE, dumps

__all__ = ["ERROR_CODES", "MambuError", "error_body", "error_response"]


#: errorReason -> errorCode. Unknown reasons get ``UNKNOWN_CODE``.
ERROR_CODES: dict[str, int] = {
    "INVALID_BASIC_AUTHORIZATION": 1,
    "INVALID_CREDENTIALS": 2,
    "INVALID_API_OPERATION": 3,
    "INVALID_PARAMETERS": 4,
    "METHOD_NOT_IMPLEMENTED": 5,
    "INTERNAL_ERROR": 6,
    "API_NOT_AUTHORIZED": 7,
    "INVALID_PAGINATION_OFFSET_VALUE": 11,
    "OUT_OF_BOUNDS_PAGINATION_OFFSET_VALUE": 12,
    "INVALID_PAGINATION_LIMIT_VALUE": 13,
    "OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE": 14,
    "INVALID_JSON_SYNTAX": 22,
    "INVALID_API_KEY": 24,
    "EXCESSIVE_INVALID_REQUESTS": 26,
    "IDEMPOTENCY_KEY_IN_PROGRESS": 27,
    "INVALID_AMOUNT": 101,
    "INSUFFICIENT_BALANCE": 110,
    "INVALID_ACCOUNT_STATE": 124,
    "OBJECT_NOT_FOUND": 301,
    "INVALID_CLIENT_STATE_TRANSITION": 308,
    "INVALID_CUSTOM_FIELD_ID": 1102,
    "INVALID_CUSTOM_FIELD_VALUE": 1103,
    "DUPLICATE_ENTRY_FOR_CUSTOM_FIELD_VALUE": 1104,
    "INVALID_DATE_FORMAT": 2301,
    "TOO_MANY_REQUESTS": 429,
    "CONFLICT": 409,
}
UNKNOWN_CODE = ERROR_CODES["INTERNAL_ERROR"]


def error_body(reason: str, source: str = "") -> bytes:
    """The JSON body of one Mambu error."""
    code = ERROR_CODES.get(reason, UNKNOWN_CODE)
    return dumps({"errors": [{"errorCode": code, "errorSource": source, "errorReason": reason}]})


def error_response(status: int, reason: str, source: str = "") -> Response:
    """A complete error response, in Mambu's media type."""
    return Response(error_body(reason, source), status_code=status, media_type=MEDIA_TYPE)


class MambuError(Exception):
    """A request the mock refuses; routes raise it and the guard renders it.

    Args:
        reason: Mambu ``errorReason``.
        source: Mambu ``errorSource`` (field name or free text).
        status: HTTP status; defaults from `STATUS_BY_REASON`, else 400.
    """

    STATUS_BY_REASON: ClassVar[dict[str, int]] = {
        "INVALID_CREDENTIALS": 401,
        "INVALID_API_KEY": 401,
        "INVALID_BASIC_AUTHORIZATION": 401,
        "API_NOT_AUTHORIZED": 403,
        "OBJECT_NOT_FOUND": 404,
        "CONFLICT": 409,
        "TOO_MANY_REQUESTS": 429,
        "IDEMPOTENCY_KEY_IN_PROGRESS": 102,
    }
    DEFAULT_STATUS: ClassVar[int] = 400

    def __init__(self, reason: str, source: str = "", *, status: int | None = None) -> None:
        super().__init__(f"{reason}: {source}")
        self.reason = reason
        self.source = source
        self.status = status or self.STATUS_BY_REASON.get(reason, self.DEFAULT_STATUS)

    def response(self) -> Response:
        """This error as a Starlette response."""
        return error_response(self.status, self.reason, self.source)
