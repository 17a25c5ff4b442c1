"""httpx-aiohttp's transport, with no aiohttp error left raw (imported only when chosen)."""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

__all__ = ["MappedAiohttpTransport"]


class MappedAiohttpTransport(AiohttpTransport):
    """httpx-aiohttp, with every aiohttp error it leaves unmapped made an httpx one.

    httpx-aiohttp maps connection, timeout and payload errors to httpx's; anything else
    aiohttp raises (a malformed status line or header from a faulty core) would escape as a
    raw aiohttp error, so it becomes ``httpx.RemoteProtocolError``, which the client treats
    as a failed connection (retriable).
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
