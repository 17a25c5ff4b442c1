"""HttpClient: what comes back for each answer, transport failure and body."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, MutableMapping
from typing import Any

import httpx
import pytest
import respx

from xsell_connect.errors import (
    BODY_SNIPPET_BYTES,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    MappingError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    UpstreamConnectionError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
    XsellError,
)
from xsell_connect.http import HttpClient, RetryPolicy, Timeouts

BASE = "https://core.test/api"


@pytest.fixture
def core() -> respx.MockRouter:
    return respx.MockRouter(base_url=BASE, assert_all_called=False)


@pytest.fixture
async def client(core: respx.MockRouter) -> AsyncIterator[HttpClient]:
    async with HttpClient(
        BASE,
        transport=httpx.MockTransport(core.async_handler),
        retry=RetryPolicy.none(),
        platform="testcore",
    ) as http:
        yield http


def raising(exc: BaseException) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.MockTransport(handler)


async def test_2xx_response_is_returned(core: respx.MockRouter, client: HttpClient) -> None:
    core.get("/clients/1").respond(200, json={"id": "1"})

    response = await client.request("GET", "/clients/1")

    assert response.status_code == 200
    assert response.json() == {"id": "1"}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, RequestRejectedError),
        (422, RequestRejectedError),
        (302, RequestRejectedError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (500, UpstreamUnavailableError),
        (502, UpstreamUnavailableError),
        (503, UpstreamUnavailableError),
    ],
)
async def test_status_raises_its_error_class(
    core: respx.MockRouter, client: HttpClient, status: int, error: type[XsellError]
) -> None:
    core.get("/thing").respond(status)

    with pytest.raises(error) as raised:
        await client.request("GET", "/thing")

    assert type(raised.value) is error


async def test_404_names_the_path_and_keeps_the_response(
    core: respx.MockRouter, client: HttpClient
) -> None:
    core.get("/clients/42").respond(404, text="no such client")

    with pytest.raises(NotFoundError) as raised:
        await client.request("GET", "/clients/42")

    assert (raised.value.kind, raised.value.ident) == ("resource", "/api/clients/42")
    assert raised.value.response is not None
    assert raised.value.response.status_code == 404
    assert raised.value.response.body == b"no such client"


async def test_error_keeps_method_url_and_body_cut_to_snippet_size(
    core: respx.MockRouter, client: HttpClient
) -> None:
    core.post("/loans").respond(400, content=b"x" * (BODY_SNIPPET_BYTES + 10))

    with pytest.raises(RequestRejectedError) as raised:
        await client.request("POST", "/loans", json={})

    info = raised.value.response
    assert info is not None
    assert (info.method, info.url) == ("POST", f"{BASE}/loans")
    assert info.body == b"x" * BODY_SNIPPET_BYTES


async def test_error_response_info_never_keeps_credential_headers(
    core: respx.MockRouter, client: HttpClient
) -> None:
    core.get("/x").respond(
        400,
        headers={
            "Set-Cookie": "session=abc",
            "apiKey": "leaked",
            "Authorization": "Bearer leaked",
            "X-Request-Id": "req-1",
        },
    )

    with pytest.raises(RequestRejectedError) as raised:
        await client.request("GET", "/x")

    assert raised.value.response is not None
    assert dict(raised.value.response.headers) == {"x-request-id": "req-1"}


async def test_error_translator_result_wins_over_status_fallback(core: respx.MockRouter) -> None:
    core.get("/clients/42").respond(400, json={"errors": [{"errorCode": 301}]})

    def translate(response: httpx.Response) -> XsellError | None:
        return NotFoundError("customer", "42") if response.status_code == 400 else None

    async with HttpClient(
        BASE, transport=httpx.MockTransport(core.async_handler), error_translator=translate
    ) as http:
        with pytest.raises(NotFoundError) as raised:
            await http.request("GET", "/clients/42")

    assert (raised.value.kind, raised.value.ident) == ("customer", "42")
    assert raised.value.response is not None
    assert raised.value.response.status_code == 400


async def test_error_translator_returning_none_leaves_the_status_fallback(
    core: respx.MockRouter,
) -> None:
    core.get("/x").respond(409)

    async with HttpClient(
        BASE, transport=httpx.MockTransport(core.async_handler), error_translator=lambda r: None
    ) as http:
        with pytest.raises(ConflictError):
            await http.request("GET", "/x")


async def test_httpx_timeout_raises_upstream_timeout() -> None:
    transport = raising(httpx.ReadTimeout("slow"))
    async with HttpClient(BASE, transport=transport, retry=RetryPolicy.none()) as http:
        with pytest.raises(UpstreamTimeoutError) as raised:
            await http.request("GET", "/x")

    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)


async def test_total_deadline_times_out_an_asgi_app_that_ignores_httpx_timeouts() -> None:
    async def slow_app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(5)

    async with HttpClient(
        BASE,
        transport=httpx.ASGITransport(app=slow_app),
        timeouts=Timeouts(total=0.05),
        retry=RetryPolicy.none(),
    ) as http:
        started = time.perf_counter()
        with pytest.raises(UpstreamTimeoutError):
            await http.request("GET", "/x")

    assert time.perf_counter() - started < 1


async def test_raw_connection_reset_from_an_asgi_app_raises_upstream_connection_error() -> None:
    async def resetting_app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        raise ConnectionResetError("peer reset")

    async with HttpClient(
        BASE, transport=httpx.ASGITransport(app=resetting_app), retry=RetryPolicy.none()
    ) as http:
        with pytest.raises(UpstreamConnectionError) as raised:
            await http.request("GET", "/x")

    assert isinstance(raised.value.__cause__, ConnectionResetError)


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError("reset"),
        httpx.ConnectError("refused"),
        httpx.ReadError("closed mid-body"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
async def test_transport_failure_raises_upstream_connection_error(exc: Exception) -> None:
    async with HttpClient(BASE, transport=raising(exc), retry=RetryPolicy.none()) as http:
        with pytest.raises(UpstreamConnectionError):
            await http.request("GET", "/x")


async def test_unsupported_protocol_raises_configuration_error() -> None:
    transport = raising(httpx.UnsupportedProtocol("ftp"))
    async with HttpClient(BASE, transport=transport) as http:
        with pytest.raises(ConfigurationError):
            await http.request("GET", "/x")


async def test_every_request_carries_the_explicit_timeouts() -> None:
    seen: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200)

    timeouts = Timeouts(connect=1, read=2, write=3, pool=4, total=10)
    async with HttpClient(BASE, transport=httpx.MockTransport(handler), timeouts=timeouts) as http:
        await http.request("GET", "/x")

    assert seen == [{"connect": 1, "read": 2, "write": 3, "pool": 4}]


async def test_client_and_call_headers_are_both_sent(core: respx.MockRouter) -> None:
    route = core.get("/x").respond(200)

    async with HttpClient(
        BASE, transport=httpx.MockTransport(core.async_handler), headers={"Accept": "a/b"}
    ) as http:
        await http.request("GET", "/x", headers={"Idempotency-Key": "k1"})

    sent = route.calls.last.request.headers
    assert (sent["accept"], sent["idempotency-key"]) == ("a/b", "k1")


async def test_get_json_returns_the_parsed_body_and_the_response(
    core: respx.MockRouter, client: HttpClient
) -> None:
    core.get("/clients", params={"limit": "2"}).respond(200, json=[{"id": "1"}, {"id": "2"}])

    body, response = await client.get_json("/clients", params={"limit": 2})

    assert body == [{"id": "1"}, {"id": "2"}]
    assert response.status_code == 200


@pytest.mark.parametrize("body", [b"{'id': 1}", b'{"id": "1", "na', b"<html>oops</html>"])
async def test_malformed_or_truncated_json_raises_mapping_error_keeping_the_raw_body(
    core: respx.MockRouter, client: HttpClient, body: bytes
) -> None:
    core.get("/clients/1").respond(200, content=body)

    with pytest.raises(MappingError) as raised:
        await client.get_json("/clients/1")

    assert raised.value.raw == body.decode()
    assert raised.value.platform == "testcore"


async def test_empty_body_raises_mapping_error(core: respx.MockRouter, client: HttpClient) -> None:
    core.post("/search").respond(200, content=b"")

    with pytest.raises(MappingError):
        await client.request_json("POST", "/search", json={"filter": []})


async def test_logs_name_the_operation_but_never_the_path_or_headers(
    core: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    account = "DE89370400440532013000"
    core.get(f"/deposits/{account}").respond(200, json={})
    caplog.set_level(logging.DEBUG, logger="xsell_connect.http")

    async with HttpClient(
        BASE, transport=httpx.MockTransport(core.async_handler), headers={"apiKey": "s3cret"}
    ) as http:
        await http.get_json(f"/deposits/{account}", operation="get_account")

    assert "GET get_account -> 200 (attempt 1" in caplog.text
    assert account not in caplog.text
    assert "s3cret" not in caplog.text


async def test_closed_client_refuses_requests(core: respx.MockRouter) -> None:
    core.get("/x").respond(200)
    async with HttpClient(BASE, transport=httpx.MockTransport(core.async_handler)) as http:
        pass

    with pytest.raises(RuntimeError):
        await http.request("GET", "/x")


@pytest.mark.parametrize(
    "make",
    [lambda: Timeouts(total=0), lambda: Timeouts(read=-1), lambda: RetryPolicy(max_attempts=0)],
)
def test_invalid_knobs_raise_configuration_error(make: Callable[[], object]) -> None:
    with pytest.raises(ConfigurationError):
        make()


def test_timeouts_convert_to_httpx() -> None:
    assert Timeouts(connect=1, read=2, write=3, pool=4).to_httpx() == httpx.Timeout(
        connect=1, read=2, write=3, pool=4
    )


class _ImportRecorder:
    """A meta-path finder that only notes which modules the import system looked for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        self.names.append(name)


async def test_requests_over_a_socket_make_no_failing_import_on_each_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """httpcore imports sniffio on every request; were it missing, each call walks sys.path."""
    from xsell_connect_mocks.bank import BankConfig, SyntheticBank
    from xsell_connect_mocks.framework import ServerThread
    from xsell_connect_mocks.mambu import MambuMock

    recorder = _ImportRecorder()
    with ServerThread(MambuMock(SyntheticBank(BankConfig(customers=1)))) as server:
        async with HttpClient(server.url) as http:
            await http.request("GET", "/_mock/health")  # first use may import lazily
            monkeypatch.setattr(sys, "meta_path", [recorder, *sys.meta_path])
            for _ in range(3):
                await http.request("GET", "/_mock/health")

    assert recorder.names == []


@pytest.mark.parametrize(
    "base",
    [
        BASE,
        BASE + "/",
        "http://127.0.0.1:8080",
        "https://h.test/a/b/",
        "https://u:p@h.test/a",
        "http://[::1]:8080/api",
        "https://h.test/a?tenant=1",
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/clients/1",
        "clients/1",
        "party/customers/100 200/adverts",
        "holdings/accounts/GB%2F01",
        "product/FIXED.DEPOSIT.12M",
        "a/./b/../c",
        "clients/é",
        "clients/1?x=1",
        "https://other.test/x",
        "",
    ],
)
async def test_requests_go_to_the_url_httpx_itself_merges(base: str, path: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    plain = httpx.AsyncClient(base_url=base)
    expected = [
        str(plain.build_request("GET", path).url),
        str(plain.build_request("GET", path, params={"page": 2}).url),
    ]
    async with HttpClient(base, transport=httpx.MockTransport(handler)) as http:
        for _ in range(2):  # the second time from the client's cache
            await http.get_json(path)
            await http.get_json(path, params={"page": 2})
    assert seen == expected * 2


async def test_cookies_a_core_sets_are_kept_and_sent_back() -> None:
    sent: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"set-cookie": "route=a1; Path=/"})

    async with HttpClient(BASE, transport=httpx.MockTransport(handler)) as http:
        await http.get_json("/clients/1")
        await http.get_json("/clients/2")
    assert sent == [None, "route=a1"]
