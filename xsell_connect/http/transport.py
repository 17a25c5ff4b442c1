"""Which connection layer carries the HTTP client's requests to a real core.

httpx's own async transport (httpcore) costs a few milliseconds of CPU per request on a
loaded machine; aiohttp under the same ``httpx`` API costs a third to a half of that
(measured against a mock core over loopback at load ~5: 2.4–5.0 ms against 0.9–1.2 ms of
client CPU per request, at concurrency 1 and 16). The listener, which sends about
ten requests per event, asks for aiohttp (:func:`prefer`); everything else keeps httpx's
own transport. ``XSELL_HTTP_TRANSPORT=httpx`` or ``=aiohttp`` decides for a process, and a
transport passed to :class:`~xsell_connect.http.HttpClient` (mocks in process, recordings)
always wins.
"""

from __future__ import annotations

import os
from typing import Literal

import httpx

__all__ = ["TransportName", "build_transport", "chosen", "prefer"]

TransportName = Literal["httpx", "aiohttp"]
ENV = "XSELL_HTTP_TRANSPORT"
_preferred: TransportName = "httpx"


def prefer(name: TransportName) -> None:
    """The transport of this process when ``XSELL_HTTP_TRANSPORT`` does not name one."""
    global _preferred
    _preferred = name


def chosen() -> TransportName:
    """``XSELL_HTTP_TRANSPORT`` if set, else the preferred one; aiohttp only if installed."""
    name = os.environ.get(ENV, "").strip().lower() or _preferred
    if name not in ("httpx", "aiohttp"):
        from xsell_connect.errors import ConfigurationError

        raise ConfigurationError(f"{ENV} must be 'httpx' or 'aiohttp', not {name!r}")
    if name == "aiohttp":
        try:
            import httpx_aiohttp  # noqa: F401
        except ImportError:
            return "httpx"
    return name  # type: ignore[return-value]


def build_transport(*, verify: bool) -> httpx.AsyncBaseTransport | None:
    """The transport for a client to a real core; ``None`` means httpx's own."""
    if chosen() != "aiohttp":
        return None
    from xsell_connect.http._aiohttp import MappedAiohttpTransport

    return MappedAiohttpTransport(verify=verify)
