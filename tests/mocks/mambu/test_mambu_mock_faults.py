"""Injected faults answer with Mambu error bodies and never with Retry-After."""

from __future__ import annotations

from _mambu_mock_support import connect, error, make_mock
from xsell_connect_mocks.framework import FaultKind, FaultRule

DEPOSIT = "/api/deposits/10000000101/deposit-transactions"


async def test_vendor_error_fault_has_the_mambu_body_shape_and_defaults_to_400() -> None:
    mock = make_mock(faults=[FaultRule(FaultKind.VENDOR_ERROR, route="/api/clients")])
    async with connect(mock) as http:
        response = await http.get("/api/clients")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"errorCode": 4, "errorSource": "injected fault", "errorReason": "INVALID_PARAMETERS"}
        ]
    }


async def test_a_409_can_be_forced_on_transaction_posts() -> None:
    mock = make_mock(
        faults=[
            FaultRule(
                FaultKind.VENDOR_ERROR, route=DEPOSIT, status=409, methods=frozenset({"POST"})
            )
        ]
    )
    async with connect(mock) as http:
        response = await http.post(DEPOSIT, json={"amount": "5"})
        rows = (
            await http.get("/api/deposits/10000000101/transactions", params={"limit": 1000})
        ).json()
    assert response.status_code == 409
    assert error(response)["errorReason"] == "CONFLICT"
    assert not any(r["id"].startswith("9000") for r in rows)


async def test_a_429_on_transaction_posts_carries_no_retry_after() -> None:
    mock = make_mock(faults=[FaultRule(FaultKind.RATE_LIMIT, route=DEPOSIT, retry_after=5)])
    async with connect(mock) as http:
        response = await http.post(DEPOSIT, json={"amount": "5"})
    assert response.status_code == 429
    assert "retry-after" not in response.headers
    assert error(response)["errorReason"] == "TOO_MANY_REQUESTS"


async def test_rules_armed_later_are_also_stripped_of_retry_after() -> None:
    mock = make_mock()
    mock.faults.add("rate_limit@/api/clients,retry_after=3")
    async with connect(mock) as http:
        response = await http.get("/api/clients")
    assert response.status_code == 429
    assert "retry-after" not in response.headers


async def test_faults_are_journalled() -> None:
    mock = make_mock(faults=[FaultRule(FaultKind.SERVER_ERROR, route="/api/clients")])
    async with connect(mock) as http:
        response = await http.get("/api/clients")
    assert response.status_code == 500
    assert error(response)["errorReason"] == "INTERNAL_ERROR"
    assert mock.journal.entries()[0].fault == "server_error"
