"""Webhook events: template body, headers, retries and the communication history."""

from __future__ import annotations

import json

import httpx
from _mambu_mock_support import connect, make_mock
from xsell_connect_mocks.mambu import render_webhook_request

DEPOSIT = "/api/deposits/10000000101/deposit-transactions"


def _receiver(statuses: list[int], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(statuses.pop(0) if statuses else 200)

    return httpx.MockTransport(handle)


async def test_a_deposit_is_posted_with_the_xsell_template() -> None:
    seen: list[httpx.Request] = []
    mock = make_mock(
        webhook_url="https://xsell.bank.example/hooks/mambu",
        webhook_secret="s3cret",
        webhook_transport=_receiver([], seen),
    )
    async with connect(mock) as http:
        await http.patch(
            "/api/clients/100000001",
            json=[{"op": "ADD", "path": "/_xsell/Next_Best_Action", "value": "OFFER_SAVINGS_PLUS"}],
        )
        await http.post(DEPOSIT, json={"amount": "25"})
    assert mock.webhooks is not None
    await mock.webhooks.drain()
    (request,) = seen
    assert str(request.url) == "https://xsell.bank.example/hooks/mambu"
    assert json.loads(request.content) == {
        "source": "mambu",
        "event": "SAVINGS_DEPOSIT",
        "accountId": "10000000101",
        "clientId": "100000001",
        "nba": "OFFER_SAVINGS_PLUS",
    }
    assert request.headers["X-Xsell-Webhook-Secret"] == "s3cret"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-notifications-idempotency-key"] == mock.events.all()[0].eid
    assert not {"signature", "x-signature", "webhook-signature"} & set(request.headers)


async def test_non_2xx_answers_are_retried_with_back_off_and_kept_in_history() -> None:
    seen: list[httpx.Request] = []
    mock = make_mock(
        webhook_url="http://listener.test/hook",
        webhook_backoff=0.01,
        webhook_transport=_receiver([500, 503], seen),
    )
    async with connect(mock) as http:
        await http.post(DEPOSIT, json={"amount": "25"})
    assert mock.webhooks is not None
    await mock.webhooks.drain()
    assert [d.status for d in mock.webhooks.history] == [500, 503, 200]
    assert [d.attempt for d in mock.webhooks.history] == [1, 2, 3]
    assert len({r.headers["x-notifications-idempotency-key"] for r in seen}) == 1


async def test_delivery_gives_up_after_five_tries() -> None:
    mock = make_mock(
        webhook_url="http://listener.test/hook",
        webhook_backoff=0.001,
        webhook_transport=_receiver([500] * 10, []),
    )
    async with connect(mock) as http:
        await http.post(DEPOSIT, json={"amount": "25"})
    assert mock.webhooks is not None
    await mock.webhooks.drain()
    assert [d.delivered for d in mock.webhooks.history] == [False] * 5


async def test_a_withdrawal_is_a_savings_withdrawal_event() -> None:
    seen: list[httpx.Request] = []
    mock = make_mock(webhook_url="http://listener.test/hook", webhook_transport=_receiver([], seen))
    async with connect(mock) as http:
        await http.post("/api/deposits/10000000101/withdrawal-transactions", json={"amount": "1"})
    assert mock.webhooks is not None
    await mock.webhooks.drain()
    assert json.loads(seen[0].content)["event"] == "SAVINGS_WITHDRAWAL"


async def test_rendering_a_webhook_request_needs_no_network() -> None:
    mock = make_mock()
    (event, *_) = mock.replay(days=3)
    request = render_webhook_request(event, url="https://x.example/h", secret="k")
    assert request.method == "POST"
    assert request.headers == {
        "Content-Type": "application/json",
        "x-notifications-idempotency-key": event.eid,
        "X-Xsell-Webhook-Secret": "k",
    }
    assert json.loads(request.body)["accountId"] == event.account_id


async def test_replayed_events_are_pushed_too() -> None:
    seen: list[httpx.Request] = []
    mock = make_mock(webhook_url="http://listener.test/hook", webhook_transport=_receiver([], seen))
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as http:
        answer = (await http.post("/_mock/events/replay", json={"days": 2})).json()
    assert mock.webhooks is not None
    await mock.webhooks.drain()
    assert answer["events"] == len(seen) > 0
