"""Signed push of an offer to a channel endpoint, in the Standard Webhooks format.

Headers: ``webhook-id`` (the effect's idempotency key: stable across retries, so the
channel deduplicates on it), ``webhook-timestamp`` (unix seconds of this attempt) and
``webhook-signature`` = ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` with the
bytes of a ``whsec_<base64>`` secret (https://www.standardwebhooks.com/).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from xsell_connect.errors import (
    ConfigurationError,
    RequestRejectedError,
    RetriableUpstreamError,
    UpstreamTimeoutError,
)

__all__ = ["ChannelPusher", "sign"]

_PREFIX = "whsec_"


def _secret_bytes(secret: str) -> bytes:
    if not secret.startswith(_PREFIX):
        raise ConfigurationError("channel push secret must be whsec_<base64>")
    try:
        key = base64.b64decode(secret[len(_PREFIX) :], validate=True)
    except ValueError as exc:
        raise ConfigurationError("channel push secret is not valid base64") from exc
    if not 24 <= len(key) <= 64:
        raise ConfigurationError("channel push secret must hold 24 to 64 bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class ChannelPusher:
    """POSTs offers to one channel endpoint, signed; errors map onto the error tree."""

    def __init__(
        self,
        url: str,
        secret: SecretStr,
        *,
        client: httpx.AsyncClient | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        _secret_bytes(secret.get_secret_value())
        self.url = url
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=10.0)
        self._now = now

    async def push(self, msg_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one message; the receipt names the endpoint's status and the message id."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        timestamp = int(self._now().timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self._secret.get_secret_value(), msg_id, timestamp, body),
        }
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeoutError(f"channel push timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise RetriableUpstreamError(f"channel push failed: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise RetriableUpstreamError(f"channel push answered {response.status_code}")
        if response.status_code >= 400:
            raise RequestRejectedError(f"channel push answered {response.status_code}")
        return {"operation": "channel_push", "status": response.status_code, "webhook_id": msg_id}

    async def aclose(self) -> None:
        await self._client.aclose()
