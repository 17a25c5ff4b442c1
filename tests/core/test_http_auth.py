"""Auth strategies: the headers they send, the secrets they keep, the tokens they fetch."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from pydantic import SecretStr

from xsell_connect.errors import AuthenticationError
from xsell_connect.http import (
    ApiKeyAuth,
    BasicAuth,
    HttpClient,
    OAuth2ClientCredentials,
    RetryPolicy,
)

BASE = "https://core.test/api"
TOKEN_URL = "https://idp.test/oauth/token"


def token(value: str, expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": value, "token_type": "Bearer", "expires_in": expires_in}
    )


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def answering(
    *responses: httpx.Response,
) -> tuple[list[str], Callable[[httpx.Request], httpx.Response]]:
    """A side effect that records each request's Authorization as sent.

    httpx auth flows re-send the same ``Request`` object, so ``route.calls`` shows only its
    last headers.
    """
    seen: list[str] = []
    queue = list(responses)

    def side_effect(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return queue.pop(0)

    return seen, side_effect


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def core() -> respx.MockRouter:
    return respx.MockRouter(base_url=BASE, assert_all_called=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def oauth(clock: Clock) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        TOKEN_URL, "xsell", SecretStr("cl1ent-s3cret"), scope="accounts.read", clock=clock
    )


@pytest.fixture
async def client(
    core: respx.MockRouter, oauth: OAuth2ClientCredentials
) -> AsyncIterator[HttpClient]:
    transport = httpx.MockTransport(core.async_handler)
    async with HttpClient(BASE, transport=transport, auth=oauth, retry=RetryPolicy.none()) as http:
        yield http


async def send_with(auth: httpx.Auth) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async with HttpClient(BASE, transport=httpx.MockTransport(handler), auth=auth) as http:
        await http.request("GET", "/x")
    return seen[0]


async def test_basic_auth_sends_the_basic_header() -> None:
    request = await send_with(BasicAuth("api-user", SecretStr("pa:ss")))

    assert request.headers["Authorization"] == basic("api-user", "pa:ss")


async def test_api_key_auth_sends_the_key_in_the_mambu_header() -> None:
    request = await send_with(ApiKeyAuth(SecretStr("k-123")))

    assert request.headers["apiKey"] == "k-123"


async def test_api_key_auth_sends_the_key_in_a_chosen_header() -> None:
    request = await send_with(ApiKeyAuth(SecretStr("k-123"), header="X-API-Key"))

    assert request.headers["X-API-Key"] == "k-123"
    assert "apiKey" not in request.headers


@pytest.mark.parametrize(
    "auth",
    [
        BasicAuth("api-user", SecretStr("s3cret")),
        ApiKeyAuth(SecretStr("s3cret")),
        OAuth2ClientCredentials(TOKEN_URL, "xsell", SecretStr("s3cret")),
    ],
)
def test_secrets_never_appear_in_repr(auth: httpx.Auth) -> None:
    assert "s3cret" not in repr(auth)
    assert "**********" in repr(auth)


async def test_token_request_is_a_form_encoded_client_credentials_grant_with_basic_auth(
    core: respx.MockRouter, client: HttpClient
) -> None:
    token_route = core.post(TOKEN_URL).mock(return_value=token("t1"))
    core.get("/x").respond(200)

    await client.request("GET", "/x")

    sent = token_route.calls.last.request
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["Authorization"] == basic("xsell", "cl1ent-s3cret")
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["accounts.read"],
    }


async def test_client_secret_post_sends_the_credentials_in_the_form(
    core: respx.MockRouter,
) -> None:
    token_route = core.post(TOKEN_URL).mock(return_value=token("t1"))
    core.get("/x").respond(200)
    auth = OAuth2ClientCredentials(
        TOKEN_URL, "xsell", SecretStr("s3cret"), client_auth="client_secret_post"
    )

    async with HttpClient(BASE, transport=httpx.MockTransport(core.async_handler), auth=auth) as h:
        await h.request("GET", "/x")

    sent = token_route.calls.last.request
    assert "Authorization" not in sent.headers
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["xsell"],
        "client_secret": ["s3cret"],
    }


async def test_token_is_fetched_once_and_reused_across_calls(
    core: respx.MockRouter, client: HttpClient
) -> None:
    token_route = core.post(TOKEN_URL).mock(return_value=token("t1"))
    api = core.get("/x").respond(200)

    for _ in range(3):
        await client.request("GET", "/x")

    assert token_route.call_count == 1
    assert [c.request.headers["Authorization"] for c in api.calls] == ["Bearer t1"] * 3


async def test_token_is_refreshed_once_expires_in_minus_leeway_has_passed(
    core: respx.MockRouter, client: HttpClient, clock: Clock
) -> None:
    token_route = core.post(TOKEN_URL).mock(side_effect=[token("t1", 100), token("t2", 100)])
    api = core.get("/x").respond(200)

    await client.request("GET", "/x")
    clock.now += 69
    await client.request("GET", "/x")
    clock.now += 1
    await client.request("GET", "/x")

    assert token_route.call_count == 2
    assert [c.request.headers["Authorization"] for c in api.calls] == [
        "Bearer t1",
        "Bearer t1",
        "Bearer t2",
    ]


async def test_401_fetches_a_new_token_once_and_resends_the_request(
    core: respx.MockRouter, client: HttpClient
) -> None:
    token_route = core.post(TOKEN_URL).mock(side_effect=[token("t1"), token("t2")])
    sent, side_effect = answering(httpx.Response(401), httpx.Response(201))
    api = core.post("/x").mock(side_effect=side_effect)

    response = await client.request("POST", "/x", json={"amount": "10.00"})

    assert response.status_code == 201
    assert token_route.call_count == 2
    assert sent == ["Bearer t1", "Bearer t2"]
    assert api.calls.last.request.content == b'{"amount":"10.00"}'


async def test_a_second_401_raises_authentication_error_without_another_token(
    core: respx.MockRouter, client: HttpClient
) -> None:
    token_route = core.post(TOKEN_URL).mock(side_effect=[token("t1"), token("t2"), token("t3")])
    api = core.get("/x").respond(401)

    with pytest.raises(AuthenticationError):
        await client.request("GET", "/x")

    assert (token_route.call_count, api.call_count) == (2, 2)


async def test_failed_token_request_raises_authentication_error_with_the_response(
    core: respx.MockRouter, client: HttpClient
) -> None:
    core.post(TOKEN_URL).respond(400, json={"error": "invalid_client"})
    api = core.get("/x").respond(200)

    with pytest.raises(AuthenticationError) as raised:
        await client.request("GET", "/x")

    assert raised.value.response is not None
    assert raised.value.response.status_code == 400
    assert raised.value.response.body == b'{"error":"invalid_client"}'
    assert api.call_count == 0


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer"},
        {"access_token": "t1", "token_type": "mac"},
        ["not", "an", "object"],
    ],
)
async def test_token_answer_without_a_bearer_token_raises_authentication_error(
    core: respx.MockRouter, client: HttpClient, body: object
) -> None:
    core.post(TOKEN_URL).respond(200, json=body)

    with pytest.raises(AuthenticationError):
        await client.request("GET", "/x")


async def test_relative_token_url_is_joined_to_the_request_url(core: respx.MockRouter) -> None:
    token_route = core.post("https://core.test/oauth/token").mock(return_value=token("t1"))
    core.get("/x").respond(200)
    auth = OAuth2ClientCredentials("/oauth/token", "xsell", SecretStr("s3cret"))

    async with HttpClient(BASE, transport=httpx.MockTransport(core.async_handler), auth=auth) as h:
        await h.request("GET", "/x")

    assert token_route.call_count == 1


async def test_concurrent_requests_share_one_token_fetch(oauth: OAuth2ClientCredentials) -> None:
    token_calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal token_calls
        if request.url == TOKEN_URL:
            token_calls += 1
            await asyncio.sleep(0.01)
            return token("t1")
        return httpx.Response(200)

    async with HttpClient(BASE, transport=httpx.MockTransport(handler), auth=oauth) as http:
        await asyncio.gather(*(http.request("GET", "/x") for _ in range(5)))

    assert token_calls == 1


def test_sync_flow_fetches_once_and_refetches_on_401(
    core: respx.MockRouter, oauth: OAuth2ClientCredentials
) -> None:
    token_route = core.post(TOKEN_URL).mock(side_effect=[token("t1"), token("t2")])
    sent, side_effect = answering(httpx.Response(200), httpx.Response(401), httpx.Response(200))
    core.get("/x").mock(side_effect=side_effect)

    with httpx.Client(base_url=BASE, transport=httpx.MockTransport(core.handler), auth=oauth) as c:
        c.get("/x")
        c.get("/x")

    assert token_route.call_count == 2
    assert sent == [
        "Bearer t1",
        "Bearer t1",
        "Bearer t2",
    ]
