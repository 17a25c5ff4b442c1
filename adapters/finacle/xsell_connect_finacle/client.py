"""The wire: one FIXML request out, one checked FIXML reply back, over any transport.

Every call goes through the core's ``HttpClient`` (timeouts, retries of timeouts, resets
and 5xx, the project's errors). Finacle answers HTTP 200 even for failures, so the status
is read from the reply itself (`xsell_connect_finacle.fixml.read_reply`).
"""

from __future__ import annotations

import asyncio
import uuid as uuidlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

import httpx
from lxml import etree

from xsell_connect.http import HttpClient

from .fixml import (
    Caller,
    FixmlReply,
    build_request,
    read_reply,
    serialize,
    soap_request,
    unwrap_soap,
)
from .settings import FinacleSettings

__all__ = ["FinacleClient", "request_uuid"]

Filler = Callable[[etree._Element], None]
_UUID_NAMESPACE = uuidlib.UUID("0e6f3a51-8d2c-5b7e-9f41-6a2d8c0b3e17")


def request_uuid(idempotency_key: str | None = None) -> str:
    """``RequestUUID``: a uuid5 of the idempotency key for writes (a retry reuses it, so the
    bank's ESB can de-duplicate), a fresh uuid4 for reads."""
    if idempotency_key is None:
        return str(uuidlib.uuid4())
    return str(uuidlib.uuid5(_UUID_NAMESPACE, idempotency_key))


class FinacleClient:
    """Sends FIXML requests to one Finacle Integrator through the configured transport."""

    def __init__(
        self,
        settings: FinacleSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.wire = settings.wire
        self.caller = Caller(
            channel_id=settings.channel_id,
            bank_id=settings.bank_id,
            user_id=settings.user_id,
            password=settings.password.get_secret_value(),
        )
        self._now = now or (lambda: datetime.now(settings.zone))
        verify: bool | str = str(settings.ca_bundle) if settings.ca_bundle else True
        self.http = HttpClient(
            settings.base_url,
            transport=transport,
            headers={"Content-Type": self.wire.content_type, "Accept": "application/xml, text/xml"},
            timeouts=settings.timeouts,
            retry=settings.retry,
            verify=verify,  # type: ignore[arg-type]  # httpx takes a CA path as well
            sleep=sleep,
            platform="finacle",
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    def render(self, service: str, fill: Filler, request_id: str) -> bytes:
        """The request body exactly as sent (FIXML, or its SOAP wrapper)."""
        root, body = build_request(service, request_id, self._now(), self.caller)
        fill(body)
        fixml = serialize(root)
        if self.wire.soap_namespace is None:
            return fixml
        return soap_request(fixml, self.wire.soap_namespace, self.wire.soap_argument)

    async def call(
        self,
        service: str,
        fill: Filler,
        *,
        operation: str,
        idempotency_key: str | None = None,
        not_found: Mapping[str, str] | None = None,
        ident: str = "",
    ) -> FixmlReply:
        """Send one service request and return the checked reply.

        Raises:
            NotFoundError, RequestRejectedError, UpstreamUnavailableError: from the reply
                (see ``read_reply``); the ``HttpClient`` errors for the transport.
        """
        content = self.render(service, fill, request_uuid(idempotency_key))
        response = await self.http.request(
            "POST", self.wire.path, content=content, operation=operation
        )
        raw = response.content
        if self.wire.soap_namespace is not None:
            raw = unwrap_soap(raw, self.wire.soap_namespace, self.wire.soap_result)
        return read_reply(raw, operation=operation, not_found=not_found, ident=ident)
