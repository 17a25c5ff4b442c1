"""POST /webhooks/{source}: verified on the raw bytes, committed before any 2xx."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from listener_helpers import MAMBU_SECRET, OTHER_SECRET, SECRET, event_body
from standardwebhooks import Webhook

from xsell_connect.listener.services import Services
from xsell_connect.store import InboxStatus


def signed(
    body: bytes, *, secret: str = SECRET, msg_id: str = "msg_1", age: float = 0
) -> dict[str, str]:
    """Headers signed by the reference ``standardwebhooks`` library."""
    stamp = datetime.now(UTC) - timedelta(seconds=age)
    signature = Webhook(secret).sign(msg_id, stamp, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def test_a_signed_webhook_is_committed_before_its_202(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = event_body("a")
    response = await client.post("/webhooks/bank", content=body, headers=signed(body))
    assert response.status_code == 202
    assert response.json() == {"status": "stored", "id": "msg_1"}
    item = services.store.inbox.get("bank", "msg_1")
    assert item is not None
    assert item.body == body
    assert item.status is InboxStatus.PENDING


async def test_a_tampered_body_is_refused(client: httpx.AsyncClient, services: Services) -> None:
    body = event_body("a")
    response = await client.post(
        "/webhooks/bank", content=body.replace(b"P-1", b"P-2"), headers=signed(body)
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no webhook-signature matches"
    assert services.store.inbox.get("bank", "msg_1") is None


async def test_a_wrong_key_is_refused(client: httpx.AsyncClient) -> None:
    body = event_body("a")
    response = await client.post(
        "/webhooks/bank", content=body, headers=signed(body, secret=OTHER_SECRET)
    )
    assert response.status_code == 401


@pytest.mark.parametrize("age", [301, -301, 3600])
async def test_a_timestamp_outside_five_minutes_is_refused(
    client: httpx.AsyncClient, age: float
) -> None:
    body = event_body("a")
    response = await client.post("/webhooks/bank", content=body, headers=signed(body, age=age))
    assert response.status_code == 401
    assert response.json()["detail"] == "webhook-timestamp is outside the tolerance"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
async def test_a_missing_header_is_refused(client: httpx.AsyncClient, missing: str) -> None:
    body = event_body("a")
    headers = signed(body)
    del headers[missing]
    response = await client.post("/webhooks/bank", content=body, headers=headers)
    assert response.status_code == 401


async def test_a_signature_without_comma_is_refused_not_a_crash(
    client: httpx.AsyncClient,
) -> None:
    body = event_body("a")
    headers = {**signed(body), "webhook-signature": "v1nocomma"}
    response = await client.post("/webhooks/bank", content=body, headers=headers)
    assert response.status_code == 401


async def test_any_of_several_signatures_verifies_during_rotation(
    client: httpx.AsyncClient,
) -> None:
    body = event_body("a")
    old = signed(body, secret=OTHER_SECRET)["webhook-signature"]
    headers = signed(body)
    headers["webhook-signature"] = f"{old} {headers['webhook-signature']}"
    response = await client.post("/webhooks/bank", content=body, headers=headers)
    assert response.status_code == 202


async def test_a_duplicate_webhook_id_answers_200_and_is_stored_once(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = event_body("a")
    first = await client.post("/webhooks/bank", content=body, headers=signed(body))
    again = await client.post("/webhooks/bank", content=body, headers=signed(body))
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"status": "duplicate", "id": "msg_1"}
    assert services.store.inbox.depth()[InboxStatus.PENDING] == 1


async def test_a_malformed_payload_is_a_400_problem_kept_for_inspection(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = b'{"specversion": "1.0", "id": "x"}'
    response = await client.post("/webhooks/bank", content=body, headers=signed(body))
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "urn:xsell-connect:problem:malformed"
    assert problem["status"] == 400
    rejected = services.store.inbox.items(InboxStatus.REJECTED)
    assert [(r.event_id, r.body) for r in rejected] == [("msg_1", body)]


async def test_a_non_utf8_body_is_a_400_not_a_crash(client: httpx.AsyncClient) -> None:
    body = b"\xff\xfe{}"
    from xsell_connect.listener.webhooks import decode_secret, sign

    stamp = int(time.time())
    headers = {
        "webhook-id": "msg_bin",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(decode_secret(SECRET), "msg_bin", stamp, body),
    }
    response = await client.post("/webhooks/bank", content=body, headers=headers)
    assert response.status_code == 400


async def test_a_body_over_the_limit_is_413_by_content_length(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = b"x" * 4097
    response = await client.post("/webhooks/bank", content=body, headers=signed(body))
    assert response.status_code == 413
    assert services.store.inbox.depth()[InboxStatus.PENDING] == 0


async def test_a_streamed_body_over_the_limit_is_413_before_it_ends(
    client: httpx.AsyncClient,
) -> None:
    sent: list[int] = []

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            sent.append(1)
            yield b"x" * 1024

    response = await client.post("/webhooks/bank", content=chunks(), headers=signed(b""))
    assert response.status_code == 413
    assert len(sent) < 100


async def test_an_unknown_source_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/webhooks/nobody", content=b"{}")
    assert response.status_code == 404


async def test_mambu_with_the_shared_secret_is_stored_without_the_secret(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = b'{"source":"mambu","event":"SAVINGS_DEPOSIT","accountId":"A1","clientId":"C1"}'
    headers = {"X-Xsell-Webhook-Secret": MAMBU_SECRET, "x-notifications-idempotency-key": "e-9"}
    response = await client.post("/webhooks/mambu", content=body, headers=headers)
    assert response.status_code == 202
    item = services.store.inbox.get("mambu", "e-9")
    assert item is not None
    assert "x-xsell-webhook-secret" not in item.headers
    assert item.headers["xsell-transport"] == "webhook"


@pytest.mark.parametrize("value", [None, "wrong", MAMBU_SECRET + "x"])
async def test_mambu_without_the_shared_secret_is_401(
    client: httpx.AsyncClient, value: str | None
) -> None:
    headers = {} if value is None else {"X-Xsell-Webhook-Secret": value}
    response = await client.post("/webhooks/mambu", content=b"{}", headers=headers)
    assert response.status_code == 401


async def test_an_address_outside_the_allow_list_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/webhooks/branch", content=event_body("b"))
    assert response.status_code == 401
    assert response.json()["detail"] == "client address is not allowed"


async def test_an_address_inside_the_allow_list_is_stored(services: Services) -> None:
    from xsell_connect.listener.app import create_app

    transport = httpx.ASGITransport(app=create_app(services), client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
        response = await http.post("/webhooks/branch", content=event_body("b"))
    assert response.status_code == 202


async def test_verification_failures_are_counted_by_reason(client: httpx.AsyncClient) -> None:
    body = event_body("a")
    await client.post("/webhooks/bank", content=body, headers=signed(body, age=900))
    metrics = (await client.get("/metrics")).text
    assert 'xsell_verification_failures_total{reason="stale",source="bank"} 1.0' in metrics
