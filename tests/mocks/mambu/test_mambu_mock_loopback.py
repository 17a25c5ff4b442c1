"""The same mock over a real loopback socket (uvicorn in a thread)."""

from __future__ import annotations

import json

import httpx
from _mambu_mock_support import HEADERS, make_mock
from xsell_connect_mocks.framework import ServerThread


async def test_clients_are_served_over_loopback() -> None:
    mock = make_mock()
    with ServerThread(mock) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=HEADERS) as http:
            response = await http.get(
                "/api/clients", params={"limit": 2, "paginationDetails": "ON"}
            )
    assert response.status_code == 200
    assert len(response.json()) == 2
    assert response.headers["Items-Total"] == "60"


async def test_a_stream_is_read_line_by_line_and_committed_while_open() -> None:
    mock = make_mock()
    mock.replay(days=5)
    with ServerThread(mock) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=HEADERS, timeout=10) as http:
            sub = (
                await http.post(
                    "/api/subscriptions",
                    json={
                        "owning_application": "xsell-connect",
                        "consumer_group": "nba",
                        "event_types": [mock.event_type("savings_deposit")],
                        "read_from": "begin",
                    },
                )
            ).json()["id"]
            statuses, eids = [], []
            async with http.stream(
                "GET",
                f"/api/subscriptions/{sub}/events",
                params={
                    "batch_limit": "1",
                    "stream_limit": "3",
                    "batch_flush_timeout": "1",
                    "stream_timeout": "5",
                },
            ) as stream:
                stream_id = stream.headers["X-Mambu-StreamId"]
                async for line in stream.aiter_lines():
                    batch = json.loads(line)
                    eids += [e["metadata"]["eid"] for e in batch.get("events", [])]
                    commit = await http.post(
                        f"/api/subscriptions/{sub}/cursors",
                        headers={"X-Mambu-StreamId": stream_id},
                        json={"items": [batch["cursor"]]},
                    )
                    statuses.append(commit.status_code)
    assert statuses == [204, 204, 204]
    committed = mock.streams.subscriptions[sub].committed
    assert next(e.eid for e in mock.events.all() if e.seq == committed) == eids[-1]
