"""Both connection layers under the HTTP client, against a real mock core over loopback.

The listener carries its requests over aiohttp (``xsell_connect.http.transport``); every
outcome the client promises — a JSON body, a retried fault, the error a caller acts on —
must be the same whichever layer carries them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.framework.rules import FaultKind, FaultRule
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.errors import (
    ConfigurationError,
    UpstreamConnectionError,
    UpstreamTimeoutError,
)
from xsell_connect.http import HttpClient, RetryPolicy, Timeouts, transport

HEADERS = {"apiKey": "test-api-key", "Accept": "application/vnd.mambu.v2+json"}
TRANSPORTS = ["httpx", "aiohttp"]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[MambuMock, str]]:
    mock = MambuMock(SyntheticBank(BankConfig(seed=5, customers=8)))
    with ServerThread(mock) as server:
        yield mock, server.url


@pytest.fixture(params=TRANSPORTS)
def carrier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(transport.ENV, request.param)
    return str(request.param)


def _client(url: str, **kw: object) -> HttpClient:
    policy = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=False)
    return HttpClient(url, headers=HEADERS, retry=policy, platform="mambu", **kw)  # type: ignore[arg-type]


def test_the_environment_chooses_the_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(transport.ENV, raising=False)
    monkeypatch.setattr(transport, "_preferred", "httpx")
    assert transport.chosen() == "httpx"
    assert transport.build_transport(verify=True) is None
    transport.prefer("aiohttp")
    assert transport.chosen() == "aiohttp"
    monkeypatch.setenv(transport.ENV, "httpx")
    assert transport.chosen() == "httpx"
    monkeypatch.setenv(transport.ENV, "curl")
    with pytest.raises(ConfigurationError, match="XSELL_HTTP_TRANSPORT must be"):
        transport.chosen()


async def test_a_client_uses_the_chosen_layer(carrier: str, served: tuple[MambuMock, str]) -> None:
    _, url = served
    async with _client(url) as http:
        layer = type(http._client._transport).__name__
    assert layer == ("MappedAiohttpTransport" if carrier == "aiohttp" else "AsyncHTTPTransport")


async def test_json_is_read_alike(carrier: str, served: tuple[MambuMock, str]) -> None:
    _, url = served
    async with _client(url) as http:
        body, response = await http.get_json(
            "/api/clients", params={"limit": 3, "paginationDetails": "ON"}, operation="list"
        )
    assert response.status_code == 200
    assert len(body) == 3
    assert response.headers["Items-Total"] == "8"
    assert all(len(c["encodedKey"]) == 32 for c in body)


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (FaultKind.CONNECTION_RESET, UpstreamConnectionError),
        (FaultKind.TRUNCATED_BODY, UpstreamConnectionError),
    ],
)
async def test_a_broken_answer_is_retried_and_then_named(
    carrier: str, served: tuple[MambuMock, str], kind: FaultKind, error: type[Exception]
) -> None:
    mock, url = served
    mock.faults.clear()
    mock.faults.add(FaultRule(kind, route="/api/clients"))
    try:
        async with _client(url) as http:
            with pytest.raises(error) as caught:
                await http.get_json("/api/clients", operation="list")
            assert http.stats.requests == 3  # every attempt of the policy was made
    finally:
        mock.faults.clear()
    assert caught.value.attempts == 3  # type: ignore[attr-defined]


async def test_a_fault_that_clears_is_absorbed_by_a_retry(
    carrier: str, served: tuple[MambuMock, str]
) -> None:
    mock, url = served
    mock.faults.clear()
    mock.faults.add(FaultRule(FaultKind.CONNECTION_RESET, route="/api/clients", times=1))
    try:
        async with _client(url) as http:
            body, _ = await http.get_json("/api/clients", params={"limit": 2}, operation="list")
            assert http.stats.requests == 2
    finally:
        mock.faults.clear()
    assert len(body) == 2


async def test_a_core_that_does_not_answer_times_out(
    carrier: str, served: tuple[MambuMock, str]
) -> None:
    mock, url = served
    mock.faults.clear()
    mock.faults.add(FaultRule(FaultKind.TIMEOUT, route="/api/clients", latency=5.0))
    timeouts = Timeouts(connect=1.0, read=0.3, write=1.0, pool=1.0, total=2.0)
    try:
        async with _client(url, timeouts=timeouts) as http:
            with pytest.raises(UpstreamTimeoutError):
                await http.get_json("/api/clients", operation="list", retry=False)
    finally:
        mock.faults.clear()
