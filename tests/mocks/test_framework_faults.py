"""Each injected fault's exact effect on an in-process client, and the rule syntax."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultKind, FaultRule

from tests.mocks.test_framework import TinyMock


@pytest.fixture
def mock() -> TinyMock:
    return TinyMock(SyntheticBank(BankConfig(customers=10)))


@pytest.fixture
async def client(mock: TinyMock) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as c:
        yield c


def arm(mock: TinyMock, kind: FaultKind, **options: object) -> None:
    mock.faults.add(FaultRule(kind, route="/items*", **options))  # type: ignore[arg-type]


async def test_rate_limit_answers_429_with_retry_after_and_vendor_body(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.RATE_LIMIT, retry_after=7)

    response = await client.get("/items/1")

    assert (response.status_code, response.headers["retry-after"]) == (429, "7")
    assert response.json() == {"errorCode": 42}


async def test_rate_limit_without_retry_after_sends_no_header(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.RATE_LIMIT, retry_after=None)

    response = await client.get("/items/1")

    assert (response.status_code, "retry-after" in response.headers) == (429, False)


async def test_server_error_answers_500(mock: TinyMock, client: httpx.AsyncClient) -> None:
    arm(mock, FaultKind.SERVER_ERROR)

    assert (await client.get("/items/1")).status_code == 500


async def test_unavailable_answers_503_with_retry_after(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.UNAVAILABLE, retry_after=3)

    response = await client.get("/items/1")

    assert (response.status_code, response.headers["retry-after"]) == (503, "3")


async def test_status_override_replaces_the_fault_status(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.SERVER_ERROR, status=502)

    assert (await client.get("/items/1")).status_code == 502


async def test_connection_reset_raises_before_the_route_runs(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.CONNECTION_RESET)

    with pytest.raises(ConnectionResetError):
        await client.post("/items", json={"name": "a"})

    assert mock.store.collection("items") == {}
    [entry] = mock.journal.entries()
    assert (entry.status, entry.fault, entry.body) == (0, "connection_reset", b'{"name":"a"}')


async def test_truncated_body_is_half_the_json(mock: TinyMock, client: httpx.AsyncClient) -> None:
    await client.post("/items", json={"name": "a long enough name"})
    arm(mock, FaultKind.TRUNCATED_BODY)

    response = await client.get("/items/1")

    full = json.dumps({"id": "1", "name": "a long enough name"}, separators=(",", ":"))
    assert response.content == full.encode()[: len(full) // 2]
    assert response.headers["content-length"] == str(len(full))
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_malformed_body_is_invalid_json_with_matching_length(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.MALFORMED_BODY)

    response = await client.post("/items", json={})

    assert (response.status_code, response.content) == (201, b'{"broken": ')
    assert response.headers["content-length"] == "11"


async def test_empty_body_is_200_with_nothing(mock: TinyMock, client: httpx.AsyncClient) -> None:
    arm(mock, FaultKind.EMPTY_BODY)

    response = await client.get("/items/1")

    assert (response.status_code, response.content) == (200, b"")


async def test_vendor_error_answers_the_vendor_shape(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.VENDOR_ERROR)

    response = await client.post("/items", json={})

    assert (response.status_code, response.json()) == (409, {"errorCode": 42})
    assert mock.store.collection("items") == {}


async def test_lost_response_commits_the_write_then_times_out(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.LOST_RESPONSE, methods=frozenset({"POST"}))

    with pytest.raises(TimeoutError):
        await client.post("/items", json={"name": "a"}, headers={"Idempotency-Key": "k-9"})

    assert mock.store.get("items", "1") == {"id": "1", "name": "a"}
    [write] = mock.journal.writes()
    assert (write.status, write.created, write.fault) == (201, ("item:1",), "lost_response")
    assert write.idempotency_key == "k-9"


async def test_timeout_sleeps_then_raises(mock: TinyMock, client: httpx.AsyncClient) -> None:
    arm(mock, FaultKind.TIMEOUT, latency=0.05)
    started = time.monotonic()

    with pytest.raises(TimeoutError):
        await client.get("/items/1")

    assert time.monotonic() - started >= 0.05


async def test_latency_delays_then_the_route_answers(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    arm(mock, FaultKind.LATENCY, latency=0.05)
    started = time.monotonic()

    response = await client.get("/items/1")

    assert (response.status_code, mock.journal.entries()[0].fault) == (404, "latency")
    assert time.monotonic() - started >= 0.05


async def test_fired_fault_is_journalled(mock: TinyMock, client: httpx.AsyncClient) -> None:
    arm(mock, FaultKind.SERVER_ERROR)

    await client.get("/items/1")

    [entry] = mock.journal.entries()
    assert (entry.status, entry.fault, entry.operation) == (500, "server_error", "")


async def test_probability_zero_never_fires(mock: TinyMock, client: httpx.AsyncClient) -> None:
    arm(mock, FaultKind.SERVER_ERROR, probability=0.0)

    statuses = {(await client.get("/items/1")).status_code for _ in range(50)}

    assert (statuses, mock.faults.fired["server_error"]) == ({404}, 0)


async def test_times_two_fires_exactly_twice(mock: TinyMock, client: httpx.AsyncClient) -> None:
    arm(mock, FaultKind.SERVER_ERROR, times=2)

    statuses = [(await client.get("/items/1")).status_code for _ in range(4)]

    assert statuses == [500, 500, 404, 404]
    assert mock.faults.fired == {"server_error": 2}


async def test_route_and_method_filters_limit_where_faults_fire(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    mock.faults.add(FaultRule(FaultKind.SERVER_ERROR, route="/items/*", methods=frozenset({"GET"})))

    assert (await client.post("/items", json={})).status_code == 201
    assert (await client.get("/items/1")).status_code == 500


async def test_control_routes_are_never_faulted(mock: TinyMock, client: httpx.AsyncClient) -> None:
    mock.faults.add(FaultRule(FaultKind.SERVER_ERROR))

    assert (await client.get("/_mock/health")).status_code == 200


async def test_same_seed_fires_the_same_faults() -> None:
    async def pattern(seed: int) -> list[int]:
        mock = TinyMock(SyntheticBank(BankConfig(customers=1)), fault_seed=seed)
        mock.faults.add(FaultRule(FaultKind.SERVER_ERROR, probability=0.5))
        async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as c:
            return [(await c.get("/items/1")).status_code for _ in range(40)]

    first, again, other = await pattern(3), await pattern(3), await pattern(4)

    assert first == again
    assert first != other
    assert 10 < first.count(500) < 30


def test_parse_kind_probability_and_route() -> None:
    assert FaultRule.parse("timeout:0.2@/api/clients/*") == FaultRule(
        FaultKind.TIMEOUT, probability=0.2, route="/api/clients/*"
    )


def test_parse_defaults_to_always_everywhere() -> None:
    assert FaultRule.parse("rate_limit") == FaultRule(FaultKind.RATE_LIMIT)


def test_parse_options() -> None:
    rule = FaultRule.parse(
        "rate_limit:0.5@/api/clients:search,methods=POST|put,times=3,latency=2.5,retry_after=none"
    )

    assert rule == FaultRule(
        FaultKind.RATE_LIMIT,
        probability=0.5,
        route="/api/clients:search",
        methods=frozenset({"POST", "PUT"}),
        times=3,
        latency=2.5,
        retry_after=None,
    )


@pytest.mark.parametrize(
    "text", ["explode", "timeout:2@*", "timeout:x", "timeout@*,colour=red", "timeout,times=-1"]
)
def test_parse_rejects_bad_rules(text: str) -> None:
    with pytest.raises(ValueError, match="bad fault rule"):
        FaultRule.parse(text)


def test_rule_dict_round_trip() -> None:
    rule = FaultRule(FaultKind.UNAVAILABLE, methods=frozenset({"GET", "POST"}), times=1)

    assert FaultRule.from_dict(json.loads(json.dumps(rule.to_dict()))) == rule
