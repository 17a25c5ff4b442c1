"""The Transact mock POSTs its business events as webhooks, in either CloudEvents mode."""

from __future__ import annotations

import json

import httpx
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos import TemenosMock
from xsell_connect_temenos.events import parse_cloudevents, parse_webhook

HOOK = "http://listener.test/hooks/temenos"


def _mock_posting_to(received: list[httpx.Request]) -> TemenosMock:
    def receive(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(202)

    mock = TemenosMock(SyntheticBank(BankConfig(seed=5, customers=3)))
    mock.sinks.webhook_transport = httpx.MockTransport(receive)
    return mock


async def _emit(mock: TemenosMock, mode: str) -> int:
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as control:
        sinks = await control.post("/_mock/events/sinks", json={"webhook_url": HOOK, "mode": mode})
        assert sinks.json()["mode"] == mode
        answer = await control.post("/_mock/events/emit", json={"days": 2})
    emitted: int = answer.json()["emitted"]
    return emitted


async def test_structured_mode_posts_each_event_as_cloudevents_json() -> None:
    received: list[httpx.Request] = []
    mock = _mock_posting_to(received)
    emitted = await _emit(mock, "structured")
    assert emitted == len(received) == len(mock.sinks.log) > 0
    assert {r.headers["content-type"] for r in received} == {"application/cloudevents+json"}
    assert [json.loads(r.content) for r in received] == mock.sinks.log


async def test_binary_mode_posts_ce_headers_and_data_and_parses_like_the_log() -> None:
    received: list[httpx.Request] = []
    mock = _mock_posting_to(received)
    emitted = await _emit(mock, "binary")
    assert emitted == len(received) > 0
    for request, event in zip(received, mock.sinks.log, strict=True):
        assert request.headers["content-type"] == "application/json"
        assert request.headers["ce-id"] == event["id"]
        assert json.loads(request.content) == event["data"]
        assert parse_webhook(request.headers, request.content) == parse_cloudevents(
            json.dumps(event).encode()
        )


async def test_an_unknown_mode_is_refused_and_the_mode_kept() -> None:
    mock = TemenosMock(SyntheticBank(BankConfig(seed=5, customers=3)))
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as control:
        answer = await control.post("/_mock/events/sinks", json={"mode": "batched"})
    assert answer.status_code == 400
    assert mock.sinks.mode == "structured"
