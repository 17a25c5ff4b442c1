"""The signed channel push follows Standard Webhooks: id, timestamp, v1 HMAC-SHA256."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from xsell_connect.errors import ConfigurationError, RequestRejectedError, RetriableUpstreamError
from xsell_connect.pipeline.push import ChannelPusher

KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _pusher(status: int, seen: list[httpx.Request]) -> ChannelPusher:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return ChannelPusher(
        "https://channel.example/offers", SecretStr(SECRET), client=client, now=lambda: NOW
    )


async def test_the_signature_verifies_over_id_timestamp_and_body() -> None:
    seen: list[httpx.Request] = []
    receipt = await _pusher(204, seen).push("key-1:push", {"id": "OFR-1"})
    (request,) = seen
    ts = str(int(NOW.timestamp()))
    assert request.headers["webhook-id"] == "key-1:push"
    assert request.headers["webhook-timestamp"] == ts
    expected = hmac.new(KEY, f"key-1:push.{ts}.".encode() + request.content, hashlib.sha256)
    assert (
        request.headers["webhook-signature"] == "v1," + base64.b64encode(expected.digest()).decode()
    )
    assert receipt == {"operation": "channel_push", "status": 204, "webhook_id": "key-1:push"}


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, RetriableUpstreamError), (429, RetriableUpstreamError), (400, RequestRejectedError)],
)
async def test_errors_map_onto_the_error_tree(status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        await _pusher(status, []).push("k", {})


def test_a_secret_without_the_whsec_prefix_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="whsec_"):
        ChannelPusher("https://x.example", SecretStr("plain"))
