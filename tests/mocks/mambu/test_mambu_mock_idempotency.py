"""Idempotency-Key: replay, mismatch and in-flight (102)."""

from __future__ import annotations

import asyncio

from _mambu_mock_support import connect, error, make_mock
from xsell_connect_mocks.framework import FaultKind, FaultRule

TASK = {
    "title": "offer",
    "dueDate": "2026-12-31",
    "taskLinkType": "CLIENT",
    "taskLinkKey": "100000001",
}
KEY = {"Idempotency-Key": "6f1d2c1e-0000-4000-8000-000000000001"}


async def test_same_key_and_body_replays_the_first_task() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        first = await http.post("/api/tasks", json=TASK, headers=KEY)
        second = await http.post("/api/tasks", json=TASK, headers=KEY)
        listed = (await http.get("/api/tasks")).json()
    assert second.status_code == first.status_code == 201
    assert second.json() == first.json()
    assert len(listed) == 1
    assert [e.created for e in mock.journal.entries(operation="create_task")] == [
        ("task:10001",),
        (),
    ]
    assert len(mock.journal.writes()) == 1


async def test_same_key_with_another_body_is_a_400() -> None:
    async with connect(make_mock()) as http:
        await http.post("/api/tasks", json=TASK, headers=KEY)
        response = await http.post("/api/tasks", json={**TASK, "title": "other"}, headers=KEY)
    assert response.status_code == 400
    assert error(response) == {
        "errorCode": 4,
        "errorSource": f"Idempotency-Key {KEY['Idempotency-Key']} was already used with a "
        "different request",
        "errorReason": "INVALID_PARAMETERS",
    }


async def test_same_key_while_the_first_is_in_flight_is_a_102() -> None:
    mock = make_mock(write_latency=0.3)
    async with connect(mock) as http:
        slow = asyncio.create_task(http.post("/api/tasks", json=TASK, headers=KEY))
        await asyncio.sleep(0.05)
        duplicate = await http.post("/api/tasks", json=TASK, headers=KEY)
        first = await slow
    assert (first.status_code, duplicate.status_code) == (201, 102)
    assert error(duplicate) == {
        "errorCode": 27,
        "errorSource": "Idempotency-Key",
        "errorReason": "IDEMPOTENCY_KEY_IN_PROGRESS",
    }
    assert len(mock.journal.writes()) == 1


async def test_a_latency_fault_delays_before_the_key_is_claimed() -> None:
    # Fault latency sits in front of the route: the delayed request has not claimed its
    # key yet, so the later duplicate runs first and the delayed one is its replay.
    mock = make_mock(
        faults=[FaultRule(FaultKind.LATENCY, route="/api/tasks", times=1, latency=0.2)]
    )
    async with connect(mock) as http:
        slow = asyncio.create_task(http.post("/api/tasks", json=TASK, headers=KEY))
        await asyncio.sleep(0.05)
        fast = await http.post("/api/tasks", json=TASK, headers=KEY)
        first = await slow
    assert first.json() == fast.json()
    assert len(mock.journal.writes()) == 1


async def test_a_refused_request_releases_its_key() -> None:
    async with connect(make_mock()) as http:
        refused = await http.post("/api/tasks", json={"title": "no due date"}, headers=KEY)
        accepted = await http.post("/api/tasks", json={"title": "no due date"}, headers=KEY)
    assert refused.status_code == accepted.status_code == 400


async def test_a_deposit_replayed_with_its_key_posts_once() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        for _ in range(2):
            await http.post(
                "/api/deposits/10000000101/deposit-transactions", json={"amount": "10"}, headers=KEY
            )
        rows = (
            await http.get("/api/deposits/10000000101/transactions", params={"limit": 1000})
        ).json()
    assert sum(1 for r in rows if r["id"].startswith("9000")) == 1
    assert len(mock.events) == 1
