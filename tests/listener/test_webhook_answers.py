"""Every answer of POST /webhooks/{source}, byte for byte: status, headers, body and metrics.

The endpoint runs ahead of Starlette's middleware stack (``app.ListenerApp``); these pin
what it answers, so that the fast path answers exactly what the Starlette route answered.
On both stores: PostgreSQL's commits take another path (``AsyncInboxWriter``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence

import httpx
import psycopg
import pytest
from listener_helpers import SECRET, event_body, make_settings
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from xsell_connect.listener.app import create_app
from xsell_connect.listener.ports import InMemoryApprovalQueue, InMemoryNextBestActions, MemorySink
from xsell_connect.listener.services import Services
from xsell_connect.listener.webhooks import SourceVerifier, decode_secret, sign
from xsell_connect.store import Incoming

JSON = (b"content-type", b"application/json")
PROBLEM = (b"content-type", b"application/problem+json")


@pytest.fixture
async def services(
    store_url: str, sink: MemorySink, approvals: InMemoryApprovalQueue
) -> AsyncIterator[Services]:
    built = Services.build(
        make_settings(store_url), sink=sink, approvals=approvals, nba=InMemoryNextBestActions()
    )
    yield built
    await built.intake.aclose()
    built.store.close()


@pytest.fixture
def store_down(
    services: Services, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], None]:
    """Take the store away: PostgreSQL refuses the database; SQLite's commit fails."""

    def put_many(source: str, items: Sequence[Incoming]) -> list[bool]:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    def down() -> None:
        if services.store.engine.dialect.name == "sqlite":
            monkeypatch.setattr(services.store.inbox, "put_many", put_many)
            return
        name = store_url.rsplit("/", 1)[1]
        with psycopg.connect(store_url.rsplit("/", 1)[0] + "/test", autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )

    return down


def signed(msg_id: str, body: bytes) -> dict[str, str]:
    stamp = int(time.time())
    signature = sign(decode_secret(SECRET), msg_id, stamp, body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": signature}


def answer(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return response.status_code, list(response.headers.raw), response.content


def length(body: bytes) -> tuple[bytes, bytes]:
    return (b"content-length", str(len(body)).encode())


def problem_body(status: int, slug: str, title: str, detail: str, extra: str = "") -> bytes:
    return (
        f'{{"type":"urn:xsell-connect:problem:{slug}","title":"{title}",'
        f'"status":{status},"detail":"{detail}"{extra}}}'
    ).encode()


def metric_lines(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name + "{")]


async def test_a_stored_webhook_answers_202_with_its_inbox_id(client: httpx.AsyncClient) -> None:
    body = event_body("a")
    response = await client.post("/webhooks/bank", content=body, headers=signed("msg_1", body))
    expected = b'{"status":"stored","id":"msg_1"}'
    assert answer(response) == (202, [length(expected), JSON], expected)


async def test_an_id_with_quotes_a_backslash_and_latin_1_is_written_as_json_response_would(
    client: httpx.AsyncClient,
) -> None:
    webhook_id = 'msg "\u00e9" \\ 1'
    body = event_body("a")
    headers = {**signed(webhook_id, body), "webhook-id": webhook_id.encode("latin-1")}
    response = await client.post("/webhooks/bank", content=body, headers=headers)
    expected = JSONResponse({"status": "stored", "id": webhook_id}, 202)
    assert answer(response) == (202, expected.raw_headers, expected.body)


async def test_a_duplicate_answers_200_with_the_same_id(client: httpx.AsyncClient) -> None:
    body = event_body("a")
    await client.post("/webhooks/bank", content=body, headers=signed("msg_1", body))
    response = await client.post("/webhooks/bank", content=body, headers=signed("msg_1", body))
    expected = b'{"status":"duplicate","id":"msg_1"}'
    assert answer(response) == (200, [length(expected), JSON], expected)


async def test_a_malformed_event_answers_400_naming_the_attribute_and_the_row(
    client: httpx.AsyncClient,
) -> None:
    body = b'{"specversion":"1.0","id":"x"}'
    response = await client.post("/webhooks/bank", content=body, headers=signed("msg_2", body))
    expected = problem_body(
        400,
        "malformed",
        "Malformed event",
        "not a canonical event: source: Field required",
        ',"attribute":"source","inbox_id":"msg_2"',
    )
    assert answer(response) == (400, [length(expected), PROBLEM], expected)


async def test_a_bad_signature_answers_401(client: httpx.AsyncClient) -> None:
    body = event_body("a")
    response = await client.post(
        "/webhooks/bank", content=body + b" ", headers=signed("msg_3", body)
    )
    expected = problem_body(
        401, "unverified", "Webhook not verified", "no webhook-signature matches"
    )
    assert answer(response) == (401, [length(expected), PROBLEM], expected)


async def test_an_unknown_source_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/webhooks/nobody", content=b"{}")
    expected = problem_body(404, "unknown-source", "Unknown source", "no webhook source 'nobody'")
    assert answer(response) == (404, [length(expected), PROBLEM], expected)


@pytest.mark.parametrize("declared", ["4097", "12a"])
async def test_a_declared_length_over_the_limit_or_not_a_number_answers_413(
    client: httpx.AsyncClient, declared: str
) -> None:
    response = await client.post(
        "/webhooks/bank", content=b"{}", headers={"content-length": declared}
    )
    expected = problem_body(413, "too-large", "Payload too large", "over 4096 bytes")
    assert answer(response) == (413, [length(expected), PROBLEM], expected)


async def test_a_streamed_body_over_the_limit_answers_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 1024

    response = await client.post("/webhooks/bank", content=chunks())
    expected = problem_body(413, "too-large", "Payload too large", "over 4096 bytes")
    assert answer(response) == (413, [length(expected), PROBLEM], expected)


@pytest.mark.parametrize("warm", [False, True], ids=["first", "after-a-commit"])
async def test_a_store_that_is_down_answers_503(
    client: httpx.AsyncClient, store_down: Callable[[], None], warm: bool
) -> None:
    if warm:  # a connection in hand, which the store's going away kills
        body = event_body("w")
        response = await client.post("/webhooks/bank", content=body, headers=signed("w", body))
        assert response.status_code == 202
    store_down()
    body = event_body("a")
    response = await client.post("/webhooks/bank", content=body, headers=signed("msg_4", body))
    expected = problem_body(503, "store-unavailable", "Store unavailable", "try again later")
    assert answer(response) == (503, [length(expected), PROBLEM], expected)


async def test_a_get_answers_405_allowing_post(client: httpx.AsyncClient) -> None:
    response = await client.get("/webhooks/bank")
    expected = problem_body(405, "http", "Method Not Allowed", "Method Not Allowed")
    assert answer(response) == (405, [length(expected), PROBLEM, (b"allow", b"POST")], expected)


async def test_a_trailing_slash_is_redirected_as_starlette_does(client: httpx.AsyncClient) -> None:
    response = await client.post("/webhooks/bank/", content=b"{}")
    assert answer(response) == (
        307,
        [(b"content-length", b"0"), (b"location", b"http://listener/webhooks/bank")],
        b"",
    )


@pytest.mark.parametrize("path", ["/webhooks/", "/webhooks/a%2Fb"])
async def test_a_path_without_one_source_segment_answers_404_not_found(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, content=b"{}")
    expected = problem_body(404, "http", "Not Found", "Not Found")
    assert answer(response) == (404, [length(expected), PROBLEM], expected)


async def test_an_unexpected_error_answers_500_logs_and_reaches_the_server(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def verify(*args: object, **kwargs: object) -> str:
        raise ValueError("a bug")

    monkeypatch.setattr(SourceVerifier, "verify", verify)
    app = create_app(services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
        response = await http.post("/webhooks/bank", content=b"{}")
    expected = problem_body(500, "internal", "Internal error", "the listener failed; see its log")
    assert answer(response) == (500, [length(expected), PROBLEM], expected)
    assert [r.getMessage() for r in caplog.records if r.name == "xsell_connect.listener"] == [
        "unhandled ValueError on POST /webhooks/bank"
    ]
    with pytest.raises(ValueError, match="a bug"):  # as Starlette re-raises it for the server
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://listener"
        ) as http:
            await http.post("/webhooks/bank", content=b"{}")


async def test_the_starlette_route_answers_as_the_fast_path(services: Services) -> None:
    app = create_app(services)

    async def through_starlette(scope: Scope, receive: Receive, send: Send) -> None:
        await Starlette.__call__(app, scope, receive, send)

    transport = httpx.ASGITransport(app=through_starlette)
    body = event_body("a")
    async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
        stored = await http.post("/webhooks/bank", content=body, headers=signed("msg_1", body))
        refused = await http.post("/webhooks/bank", content=body)
    expected = b'{"status":"stored","id":"msg_1"}'
    assert answer(stored) == (202, [length(expected), JSON], expected)
    assert answer(refused)[0] == 401


async def test_deliveries_and_failures_are_counted_by_outcome_and_reason(
    client: httpx.AsyncClient,
) -> None:
    body = event_body("a")
    for msg_id in ["msg_1", "msg_1", "msg_2"]:
        await client.post("/webhooks/bank", content=body, headers=signed(msg_id, body))
    await client.post("/webhooks/bank", content=b"{}", headers=signed("msg_3", b"{}"))
    await client.post("/webhooks/bank", content=body)
    metrics = (await client.get("/metrics")).text
    assert metric_lines(metrics, "xsell_deliveries_total") == [
        'xsell_deliveries_total{outcome="stored",source="bank",transport="webhook"} 2.0',
        'xsell_deliveries_total{outcome="duplicate",source="bank",transport="webhook"} 1.0',
        'xsell_deliveries_total{outcome="rejected",source="bank",transport="webhook"} 1.0',
    ]
    assert metric_lines(metrics, "xsell_events_in_total") == [
        'xsell_events_in_total{source="bank",transport="webhook",type="xsell.party.activity"} 2.0'
    ]
    assert metric_lines(metrics, "xsell_verification_failures_total") == [
        'xsell_verification_failures_total{reason="missing",source="bank"} 1.0'
    ]
