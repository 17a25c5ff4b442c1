"""The Mambu wire: error bodies into the error tree, retries, headers, JSON (respx)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
import respx
from _support import (
    API_KEY,
    FIXTURES,
    MEDIA_TYPE,
    RecordingSleep,
    fixture,
    fixture_bytes,
    mambu_error,
    respx_adapter,
    router,
)
from xsell_connect_mambu.client import IDEMPOTENCY_NAMESPACE, MambuErrorTranslator, idempotency_uuid
from xsell_connect_mambu.settings import MambuSettings

from xsell_connect.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    MappingError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    RetriableUpstreamError,
    UpstreamUnavailableError,
    VendorError,
    XsellError,
)
from xsell_connect.models import Channel, Offer, OfferPricing

CLIENT = fixture("get_client")
KEY = CLIENT["encodedKey"]


def offer() -> Offer:
    now = datetime(2024, 11, 4, 8, 30, tzinfo=UTC)
    return Offer(
        id="OFR-0123456789ABCDEF",
        party_id="417023981",
        product_code="SAVPLUS",
        product_name="Savings Plus",
        nba_code="OFFER_SAVINGS_PLUS",
        pricing=OfferPricing(currency="EUR", rate=Decimal("3.1")),
        channel=Channel.EMAIL,
        score=Decimal("0.82"),
        created_at=now,
        expires_at=datetime(2024, 12, 31, 22, 0, tzinfo=UTC),
    )


@pytest.fixture
def core() -> respx.MockRouter:
    return router()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


# -- vendor errors ------------------------------------------------------------------------


async def test_invalid_api_key_is_an_authentication_error(core: respx.MockRouter) -> None:
    core.get("/clients/417023981").respond(401, json=mambu_error("INVALID_API_KEY", "apiKey", 24))

    with pytest.raises(AuthenticationError) as caught:
        await respx_adapter(core).get_party("417023981")

    assert caught.value.vendor_errors == (VendorError("24", "INVALID_API_KEY", "apiKey"),)
    assert core.calls.call_count == 1


async def test_object_not_found_on_get_party_is_not_found_for_that_party(
    core: respx.MockRouter,
) -> None:
    core.get("/clients/404040404").respond(404, json=mambu_error("OBJECT_NOT_FOUND", "", 301))

    with pytest.raises(NotFoundError) as caught:
        await respx_adapter(core).get_party("404040404")

    assert (caught.value.kind, caught.value.ident) == ("party", "404040404")
    assert caught.value.response is not None
    assert caught.value.response.status_code == 404


async def test_invalid_parameters_is_rejected_once_with_the_vendor_codes_kept(
    core: respx.MockRouter,
) -> None:
    core.get("/clients/417023981").respond(
        400, json=mambu_error("INVALID_PARAMETERS", "birthDate", 4)
    )

    with pytest.raises(RequestRejectedError) as caught:
        await respx_adapter(core).get_party("417023981")

    assert caught.value.vendor_errors == (VendorError("4", "INVALID_PARAMETERS", "birthDate"),)
    assert caught.value.vendor_codes == ("4",)
    assert core.calls.call_count == 1


async def test_conflict_on_a_write_is_a_conflict_error(core: respx.MockRouter) -> None:
    core.get("/clients/417023981").respond(200, json=CLIENT)
    core.post("/tasks").respond(409, json=mambu_error("DUPLICATE_ENTRY", "title", 409))

    with pytest.raises(ConflictError) as caught:
        await respx_adapter(core).write_offer(offer(), idempotency_key="evt-1:offer")

    assert [v.reason for v in caught.value.vendor_errors] == ["DUPLICATE_ENTRY"]


async def test_same_key_in_flight_102_is_retried_with_the_same_key(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    core.get("/clients/417023981").respond(200, json=CLIENT)
    tasks = core.post("/tasks")
    tasks.side_effect = [
        httpx.Response(102, json=mambu_error("IDEMPOTENCY_KEY_IN_PROGRESS", "Idempotency-Key")),
        httpx.Response(201, json={"id": 10457, "encodedKey": "8a19" + "0" * 28}),
    ]

    receipt = await respx_adapter(core, sleep).write_offer(offer(), idempotency_key="evt-1:offer")

    assert receipt.reference == "10457"
    keys = {call.request.headers["Idempotency-Key"] for call in tasks.calls}
    assert len(tasks.calls) == 2
    assert keys == {idempotency_uuid("evt-1:offer", scope="/tasks")}
    assert len(sleep.calls) == 1


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        (401, "INVALID_CREDENTIALS", AuthenticationError),
        (403, "API_NOT_AUTHORIZED", AuthenticationError),
        (404, "OBJECT_NOT_FOUND", NotFoundError),
        (400, "CLIENT_NOT_FOUND", NotFoundError),
        (400, "INVALID_JSON_SYNTAX", RequestRejectedError),
        (400, "INVALID_DATE_FORMAT", RequestRejectedError),
        (400, "OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE", RequestRejectedError),
        (400, "INSUFFICIENT_BALANCE", RequestRejectedError),
        (400, "DUPLICATE_CLIENT", RequestRejectedError),
        (409, "DUPLICATE_CLIENT", ConflictError),
        (400, "EXCESSIVE_INVALID_REQUESTS", RateLimitedError),
        (429, "TOO_MANY_REQUESTS", RateLimitedError),
        (102, "IDEMPOTENCY_KEY_IN_PROGRESS", RateLimitedError),
        (500, "INTERNAL_ERROR", UpstreamUnavailableError),
        (503, "", UpstreamUnavailableError),
    ],
)
def test_translator_table(status: int, reason: str, expected: type[XsellError]) -> None:
    body = mambu_error(reason) if reason else None
    request = httpx.Request("GET", "https://acme.sandbox.mambu.com/api/clients/1")
    response = httpx.Response(status, json=body, request=request)

    assert type(MambuErrorTranslator()(response)) is expected


# -- retries ------------------------------------------------------------------------------


async def test_429_with_retry_after_waits_that_long_then_succeeds(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = core.get("/clients/417023981")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "3"}, json=mambu_error("TOO_MANY_REQUESTS")),
        httpx.Response(200, json=CLIENT),
    ]

    party = await respx_adapter(core, sleep).get_party("417023981")

    assert party.id == "417023981"
    assert len(sleep.calls) == 1
    assert 3.0 <= sleep.calls[0] <= 3.5  # Retry-After plus at most initial_wait of jitter


async def test_429_without_retry_after_backs_off_exponentially(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = core.get("/clients/417023981")
    route.side_effect = [httpx.Response(429, json=mambu_error("TOO_MANY_REQUESTS"))] * 3 + [
        httpx.Response(200, json=CLIENT)
    ]

    await respx_adapter(core, sleep).get_party("417023981")

    assert route.call_count == 4
    assert len(sleep.calls) == 3
    assert all(0 <= wait <= 30 for wait in sleep.calls)


async def test_exhausted_retries_raise_the_last_retriable_error(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = core.get("/clients/417023981").respond(503, text="maintenance")

    with pytest.raises(RetriableUpstreamError) as caught:
        await respx_adapter(core, sleep).get_party("417023981")

    assert isinstance(caught.value, UpstreamUnavailableError)
    assert caught.value.attempts == 7
    assert route.call_count == 7
    assert caught.value.response is not None
    assert caught.value.response.status_code == 503
    assert caught.value.response.body == b"maintenance"


# -- bodies and headers -------------------------------------------------------------------


async def test_malformed_json_is_a_mapping_error_keeping_the_body(core: respx.MockRouter) -> None:
    core.get("/clients/417023981").respond(200, content=b'{"id": "417023981", "state"')

    with pytest.raises(MappingError) as caught:
        await respx_adapter(core).get_party("417023981")

    assert caught.value.raw == '{"id": "417023981", "state"'


async def test_amounts_are_read_as_exact_decimals_never_floats(core: respx.MockRouter) -> None:
    raw = (FIXTURES / "get_deposit.json").read_text()
    body = "[" + raw.replace('"totalBalance":2450.5', '"totalBalance":12345678901234567.89') + "]"
    core.get("/clients/417023981").respond(200, json=CLIENT)
    core.get("/deposits").respond(200, content=body.encode())
    core.get("/loans").respond(200, json=[])
    core.get("/depositproducts").respond(200, json=fixture("list_depositproducts"))
    core.get("/loanproducts").respond(200, json=fixture("list_loanproducts"))

    (account,) = await respx_adapter(core).list_accounts("417023981")

    assert account.booked == Decimal("12345678901234567.89")


async def test_every_call_sends_the_v2_accept_header_and_the_api_key(
    core: respx.MockRouter,
) -> None:
    core.get("/clients/417023981").respond(200, json=CLIENT)
    core.get("/deposits").respond(200, content=fixture_bytes("get_deposit", array=True))
    core.get("/loans").respond(200, json=[])
    core.get("/depositproducts").respond(200, json=fixture("list_depositproducts"))
    core.get("/loanproducts").respond(200, json=fixture("list_loanproducts"))

    await respx_adapter(core).list_accounts("417023981")

    assert core.calls.call_count == 5
    for call in core.calls:
        assert call.request.headers["Accept"] == MEDIA_TYPE
        assert call.request.headers["apiKey"] == API_KEY


async def test_basic_auth_is_sent_when_configured(core: respx.MockRouter) -> None:
    route = core.get("/clients/417023981").respond(200, json=CLIENT)

    await respx_adapter(core, api_key=None, username="xsell", password="s3cret").get_party(
        "417023981"
    )

    expected = "Basic " + base64.b64encode(b"xsell:s3cret").decode()
    assert route.calls.last.request.headers["Authorization"] == expected
    assert "apiKey" not in route.calls.last.request.headers


async def test_pagination_details_are_never_asked_for(core: respx.MockRouter) -> None:
    clients = core.get("/clients").respond(200, json=[CLIENT, CLIENT])
    core.get("/clients/417023981").respond(200, json=CLIENT)
    core.post("/deposits/transactions:search").respond(200, json=[])
    core.get("/deposits/DXQK512").respond(200, content=fixture_bytes("get_deposit"))
    adapter = respx_adapter(core)

    await adapter.list_parties()
    await adapter.list_ledger_entries("DXQK512")

    assert clients.calls.last.request.url.params["sortBy"] == "creationDate:ASC"
    assert core.calls.call_count == 3
    assert all("paginationDetails" not in str(call.request.url) for call in core.calls)


def test_idempotency_key_is_a_uuid5_of_the_callers_key() -> None:
    derived = idempotency_uuid("evt-1:offer", scope="/tasks")

    assert uuid.UUID(derived).version == 5
    assert derived == str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, "/tasks\x1fevt-1:offer"))
    assert derived == idempotency_uuid("evt-1:offer", scope="/tasks")
    assert derived != idempotency_uuid("evt-1:offer", scope="/comments")


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({}, "XSELL_MAMBU_API_KEY"),
        ({"api_key": "k", "username": "u", "password": "p"}, "not both"),
        ({"username": "u"}, "XSELL_MAMBU_PASSWORD"),
        ({"api_key": "k", "tenant_timezone": "Mars/Olympus"}, "XSELL_MAMBU_TENANT_TIMEZONE"),
        ({"api_key": "k", "page_size": 20, "ledger_overlap": 20}, "XSELL_MAMBU_LEDGER_OVERLAP"),
    ],
)
def test_settings_need_exactly_one_auth_method(values: dict[str, object], names: str) -> None:
    with pytest.raises(ConfigurationError, match=names):
        MambuSettings(base_url="https://acme.sandbox.mambu.com/api", **values)  # type: ignore[arg-type]
