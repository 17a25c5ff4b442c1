"""Streaming API v2: subscriptions, line-per-batch streams, commits, redelivery."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from _mambu_mock_support import connect, error, make_mock
from xsell_connect_mocks.mambu import MambuMock

FAST = {"batch_flush_timeout": "0.05", "stream_timeout": "0.5"}


async def _subscribe(
    http: httpx.AsyncClient, mock: MambuMock, read_from: str = "begin", *templates: str
) -> str:
    response = await http.post(
        "/api/subscriptions",
        json={
            "owning_application": "xsell-connect",
            "consumer_group": "nba",
            "event_types": [mock.event_type(t) for t in templates or ("savings_deposit",)],
            "read_from": read_from,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _stream(
    http: httpx.AsyncClient, sub: str, **params: str
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    response = await http.get(f"/api/subscriptions/{sub}/events", params={**FAST, **params})
    return response, [json.loads(line) for line in response.text.splitlines()]


def _events(batches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in batches for e in b.get("events", [])]


async def test_batches_arrive_one_json_object_per_line_with_a_stream_id() -> None:
    mock = make_mock()
    mock.replay(days=5)
    async with connect(mock) as http:
        sub = await _subscribe(http, mock)
        response, batches = await _stream(http, sub, batch_limit="3", stream_limit="6")
    assert response.status_code == 200
    assert len(response.headers["X-Mambu-StreamId"]) == 36
    assert response.text.endswith("\n")
    assert [len(b["events"]) for b in batches] == [3, 3]
    cursor = batches[0]["cursor"]
    assert cursor["partition"] == "shardId-000000000000"
    assert cursor["event_type"] == "MIXED"
    assert cursor["offset"].isdigit()
    assert batches[0]["info"] == {"debug": "Stream started"}


async def test_event_body_is_the_rendered_template_as_a_string() -> None:
    mock = make_mock()
    mock.replay(days=5)
    async with connect(mock) as http:
        sub = await _subscribe(http, mock)
        _, batches = await _stream(http, sub, stream_limit="1")
    (event,) = _events(batches)
    assert isinstance(event["body"], str)
    assert json.loads(event["body"])["event"] == "SAVINGS_DEPOSIT"
    assert event["template_name"] == "savings_deposit"
    assert event["metadata"]["event_type"] == "mrn.event.xsellbank.streamingapi.savings_deposit"
    assert event["metadata"]["category"] == "DATA"
    assert event["metadata"]["occurred_at"].endswith("Z")


async def test_only_subscribed_event_types_are_streamed() -> None:
    mock = make_mock()
    mock.replay(days=40)
    async with connect(mock) as http:
        sub = await _subscribe(http, mock, "begin", "loan_repayment")
        _, batches = await _stream(http, sub, batch_limit="50")
    names = {json.loads(e["body"])["event"] for e in _events(batches)}
    assert names == {"LOAN_REPAYMENT"}


async def test_an_idle_stream_sends_keep_alive_batches_without_events() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        sub = await _subscribe(http, mock, "end")
        _, batches = await _stream(http, sub, stream_timeout="0.2")
    assert batches
    assert all("events" not in b for b in batches)
    assert all("cursor" in b for b in batches)


async def test_committing_a_newer_cursor_answers_204_and_an_old_one_200() -> None:
    mock = make_mock()
    mock.replay(days=5)
    async with connect(mock) as http:
        sub = await _subscribe(http, mock)
        response, batches = await _stream(http, sub, batch_limit="2", stream_limit="4")
        headers = {"X-Mambu-StreamId": response.headers["X-Mambu-StreamId"]}
        url = f"/api/subscriptions/{sub}/cursors"
        advanced = await http.post(url, headers=headers, json={"items": [batches[1]["cursor"]]})
        again = await http.post(url, headers=headers, json={"items": [batches[0]["cursor"]]})
    assert advanced.status_code == 204
    assert advanced.content == b""
    assert again.status_code == 200
    assert again.json() == {"items": [{"cursor": batches[0]["cursor"], "result": "outdated"}]}


async def test_an_unknown_stream_id_is_422() -> None:
    mock = make_mock()
    mock.replay(days=5)
    async with connect(mock) as http:
        sub = await _subscribe(http, mock)
        _, batches = await _stream(http, sub, stream_limit="1")
        response = await http.post(
            f"/api/subscriptions/{sub}/cursors",
            headers={"X-Mambu-StreamId": "not-a-stream"},
            json={"items": [batches[0]["cursor"]]},
        )
    assert response.status_code == 422
    assert error(response)["errorReason"] == "INVALID_PARAMETERS"


async def test_a_forged_cursor_token_is_422() -> None:
    mock = make_mock()
    mock.replay(days=5)
    async with connect(mock) as http:
        sub = await _subscribe(http, mock)
        response, batches = await _stream(http, sub, stream_limit="1")
        forged = {**batches[0]["cursor"], "cursor_token": "00000000-0000-4000-8000-000000000000"}
        answer = await http.post(
            f"/api/subscriptions/{sub}/cursors",
            headers={"X-Mambu-StreamId": response.headers["X-Mambu-StreamId"]},
            json={"items": [forged]},
        )
    assert answer.status_code == 422


async def test_uncommitted_events_are_redelivered_by_the_next_stream() -> None:
    mock = make_mock()
    mock.replay(days=5)
    async with connect(mock) as http:
        sub = await _subscribe(http, mock)
        response, first = await _stream(http, sub, batch_limit="2", stream_limit="4")
        await http.post(
            f"/api/subscriptions/{sub}/cursors",
            headers={"X-Mambu-StreamId": response.headers["X-Mambu-StreamId"]},
            json={"items": [first[0]["cursor"]]},
        )
        _, second = await _stream(http, sub, batch_limit="2", stream_limit="2")
    assert [e["metadata"]["eid"] for e in _events(second)] == [
        e["metadata"]["eid"] for e in first[1]["events"]
    ]


async def test_a_second_concurrent_stream_is_refused_with_409() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        sub = await _subscribe(http, mock, "end")
        running = asyncio.create_task(_stream(http, sub, stream_timeout="0.4"))
        await asyncio.sleep(0.1)
        second = await http.get(f"/api/subscriptions/{sub}/events", params=FAST)
        await running
    assert second.status_code == 409


async def test_replay_with_duplicates_repeats_event_ids() -> None:
    mock = make_mock()
    events = mock.replay(days=3, duplicates=1.0)
    eids = [e.eid for e in events]
    assert len(eids) == 2 * len(set(eids))


async def test_replay_with_shuffle_delivers_out_of_order() -> None:
    mock = make_mock()
    events = mock.replay(days=10, shuffle=True)
    stamps = [e.occurred_at for e in events]
    assert stamps != sorted(stamps)
    assert sorted(stamps) == sorted(e.occurred_at for e in make_mock().replay(days=10))


async def test_creating_the_same_subscription_again_returns_it() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        first = await _subscribe(http, mock)
        again = await http.post(
            "/api/subscriptions",
            json={
                "owning_application": "xsell-connect",
                "consumer_group": "nba",
                "event_types": [mock.event_type("savings_deposit")],
                "read_from": "begin",
            },
        )
        deleted = await http.delete(f"/api/subscriptions/{first}")
        gone = await http.get(f"/api/subscriptions/{first}")
    assert (again.status_code, again.json()["id"]) == (200, first)
    assert deleted.status_code == 204
    assert gone.status_code == 404


async def test_read_from_cursors_is_refused_in_v2() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        response = await http.post(
            "/api/subscriptions",
            json={"owning_application": "x", "event_types": ["t"], "read_from": "cursors"},
        )
    assert response.status_code == 400


async def test_replay_control_route_takes_an_explicit_window() -> None:
    mock = make_mock()
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as http:
        answer = await http.post(
            "/_mock/events/replay",
            json={"since": "2026-10-01T00:00:00+02:00", "until": "2026-10-08T00:00:00+02:00"},
        )
        logged = (await http.get("/_mock/events")).json()
    assert answer.status_code == 200
    assert answer.json()["events"] == len(logged) > 0
    assert all("2026-09-30" <= e["occurred_at"][:10] <= "2026-10-08" for e in logged)
