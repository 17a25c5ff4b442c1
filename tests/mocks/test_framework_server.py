"""Serving a mock over real loopback sockets."""

from __future__ import annotations

import httpx
import pytest
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultKind, FaultRule, ServerThread, serve

from tests.mocks.test_framework import TinyMock


@pytest.fixture
def mock() -> TinyMock:
    return TinyMock(SyntheticBank(BankConfig(customers=10)))


def test_server_thread_serves_writes_and_reads_over_loopback(mock: TinyMock) -> None:
    with ServerThread(mock) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        created = client.post("/items", json={"name": "a"}, headers={"Idempotency-Key": "k"})
        read = client.get("/items/1")

    assert server.url.startswith("http://127.0.0.1:")
    assert (created.status_code, read.json()) == (201, {"id": "1", "name": "a"})
    assert [(e.method, e.status, e.idempotency_key) for e in mock.journal.entries()] == [
        ("POST", 201, "k"),
        ("GET", 200, None),
    ]


def test_server_thread_stops_accepting_after_exit(mock: TinyMock) -> None:
    with ServerThread(mock) as server:
        url = server.url

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_mock/health", timeout=2)


def test_served_connection_reset_breaks_the_connection(mock: TinyMock) -> None:
    mock.faults.add(FaultRule(FaultKind.CONNECTION_RESET, route="/items/*"))

    with (
        ServerThread(mock, log_level="critical") as server,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        httpx.get(f"{server.url}/items/1", timeout=5)


def test_served_lost_response_commits_and_breaks_the_connection(mock: TinyMock) -> None:
    mock.faults.add(FaultRule(FaultKind.LOST_RESPONSE, route="/items"))

    with (
        ServerThread(mock, log_level="critical") as server,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        httpx.post(f"{server.url}/items", json={"name": "a"}, timeout=5)

    assert mock.store.get("items", "1") == {"id": "1", "name": "a"}
    assert mock.journal.writes()[0].fault == "lost_response"


def test_served_truncated_body_breaks_mid_body(mock: TinyMock) -> None:
    mock.faults.add(FaultRule(FaultKind.TRUNCATED_BODY, route="/items/*"))

    with (
        ServerThread(mock, log_level="critical") as server,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        httpx.get(f"{server.url}/items/1", timeout=5)


def test_serve_refuses_non_loopback_hosts(mock: TinyMock) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        serve(mock, host="0.0.0.0")  # noqa: S104 - the address being refused
