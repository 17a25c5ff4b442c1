"""The shared HTTP layer: timeouts, retries, auth strategies, pagination and the client.

Adapters build one :class:`HttpClient` per core and pass it an ``httpx`` transport in tests,
so mock cores run in process and no socket is opened.
"""

from xsell_connect.http.auth import ApiKeyAuth, BasicAuth, OAuth2ClientCredentials
from xsell_connect.http.client import ClientStats, HttpClient, Params
from xsell_connect.http.pagination import (
    CursorPaginator,
    OffsetPaginator,
    PageTokenPaginator,
    Paginator,
    TokenGuard,
    iterate_pages,
)
from xsell_connect.http.policy import RetryPolicy, Timeouts
from xsell_connect.http.translate import (
    ErrorTranslator,
    error_for_exception,
    error_for_response,
    parse_retry_after,
    response_info,
)

__all__ = [
    "ApiKeyAuth",
    "BasicAuth",
    "ClientStats",
    "CursorPaginator",
    "ErrorTranslator",
    "HttpClient",
    "OAuth2ClientCredentials",
    "OffsetPaginator",
    "PageTokenPaginator",
    "Paginator",
    "Params",
    "RetryPolicy",
    "Timeouts",
    "TokenGuard",
    "error_for_exception",
    "error_for_response",
    "iterate_pages",
    "parse_retry_after",
    "response_info",
]
