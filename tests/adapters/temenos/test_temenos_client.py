"""The Transact wire as the client sees it: envelope, error shapes, paging, overrides (respx)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from _temenos_support import BASE, no_wait, settings
from xsell_connect_temenos import TemenosAdapter
from xsell_connect_temenos.client import OverrideRequiredError

from xsell_connect.adapter import PageRequest
from xsell_connect.errors import (
    AuthenticationError,
    MappingError,
    NotFoundError,
    RequestRejectedError,
    UpstreamUnavailableError,
)
from xsell_connect.testing.suite import _offer

CUSTOMERS = f"{BASE}/v4.0.0/party/customers"
ADVERTS = f"{BASE}/v1.0.0/party/customers/adverts"
AUDIT = {"T24_time": 12, "versionNumber": "3"}


def adapter(**extra: object) -> TemenosAdapter:
    return TemenosAdapter.from_settings(settings(max_attempts=1, **extra), sleep=no_wait)


def failed(status: int, kind: str, code: str, message: str) -> httpx.Response:
    body = {
        "header": {"audit": AUDIT, "status": "failed"},
        "error": {"type": kind, "code": code, "message": message},
    }
    return httpx.Response(status, json=body)


def item(cid: str) -> dict[str, object]:
    return {
        "customerId": cid,
        "firstName": "Sara",
        "lastName": "Ahmed",
        "sectorId": "1001",
        "customerStatus": "1",
        "dateOfBirth": "1984-05-02",
    }


@respx.mock
async def test_envelope_body_becomes_the_party_and_headers_carry_key_and_company() -> None:
    route = respx.get(f"{CUSTOMERS}/100100").respond(
        json={
            "header": {"audit": AUDIT, "status": "success"},
            "body": {
                "customerNames": [{"customerName": "Sara Ahmed"}],
                "givenName": "Sara",
                "lastName": "Ahmed",
                "dateOfBirth": "1984-05-02",
                "customerStatus": 1,
                "sectorId": 1001,
                "language": 1,
                "target": 2,
                "communicationDevices": [{"email": "sara@example.com"}],
            },
        }
    )
    async with adapter() as core:
        party = await core.get_party("100100")
    assert (party.id, party.given_name, party.family_name, party.segment, party.language) == (
        "100100",
        "Sara",
        "Ahmed",
        "AFFLUENT",
        "en",
    )
    sent = route.calls.last.request
    assert (sent.headers["apikey"], sent.headers["companyId"]) == ("test-api-key", "GB0010001")


@respx.mock
async def test_no_records_found_is_an_empty_page_whatever_the_status() -> None:
    respx.get(CUSTOMERS).mock(
        side_effect=[
            failed(400, "BUSINESS", "E-1", "No records found"),
            failed(404, "BUSINESS", "E-2", "NULL KEY SPECIFIED FOR SELECTION"),
        ]
    )
    async with adapter() as core:
        first = await core.list_parties()
        second = await core.list_parties()
    assert (first.items, first.next, second.items, second.next) == ((), None, (), None)


@respx.mock
async def test_paging_sends_page_start_and_the_snapshot_token_and_stops_at_total_size() -> None:
    token = "a1f3c9e2-7b1d-4c55-9e0a-3f6d2b8c1e77"
    route = respx.get(CUSTOMERS).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "header": {
                        "status": "success",
                        "page_size": 2,
                        "page_start": 1,
                        "total_size": 3,
                        "page_token": token,
                    },
                    "body": [item("1"), item("2")],
                },
            ),
            httpx.Response(
                200,
                json={
                    "header": {
                        "status": "success",
                        "page_size": 2,
                        "page_start": 3,
                        "total_size": 3,
                        "page_token": token,
                    },
                    "body": [item("3")],
                },
            ),
        ]
    )
    async with adapter() as core:
        first = await core.list_parties(PageRequest(size=2))
        assert first.next is not None
        second = await core.list_parties(first.next)
    assert [p.id for p in (*first.items, *second.items)] == ["1", "2", "3"]
    assert second.next is None
    asked = [dict(c.request.url.params) for c in route.calls]
    assert asked == [
        {"page_size": "2", "page_start": "1"},
        {"page_size": "2", "page_start": "3", "page_token": token},
    ]


@respx.mock
async def test_a_system_error_is_retriable_unavailable_with_the_vendor_code() -> None:
    respx.get(f"{CUSTOMERS}/100100").mock(return_value=failed(500, "SYSTEM", "EB-DB", "DB DOWN"))
    async with adapter() as core:
        with pytest.raises(UpstreamUnavailableError) as caught:
            await core.get_party("100100")
    assert caught.value.vendor_codes == ("EB-DB",)


@respx.mock
async def test_a_business_error_is_rejected_and_401_is_authentication() -> None:
    respx.get(CUSTOMERS).mock(return_value=failed(400, "BUSINESS", "EB-X", "INVALID FILTER"))
    respx.get(f"{CUSTOMERS}/1").mock(return_value=failed(401, "BUSINESS", "EB-S", "NO ACCESS"))
    async with adapter() as core:
        with pytest.raises(RequestRejectedError) as caught:
            await core.list_parties()
        with pytest.raises(AuthenticationError):
            await core.get_party("1")
    assert caught.value.vendor_codes == ("EB-X",)


@respx.mock
async def test_failed_status_inside_a_200_answer_is_still_an_error() -> None:
    respx.get(CUSTOMERS).mock(
        return_value=httpx.Response(
            200,
            json={
                "header": {"status": "failed"},
                "error": {"type": "BUSINESS", "code": "EB-Y", "message": "BAD"},
            },
        )
    )
    async with adapter() as core:
        with pytest.raises(RequestRejectedError):
            await core.list_parties()


@respx.mock
async def test_an_answer_without_the_envelope_is_a_mapping_error() -> None:
    respx.get(f"{CUSTOMERS}/1").mock(return_value=httpx.Response(200, json=[{"id": 1}]))
    async with adapter() as core:
        with pytest.raises(MappingError):
            await core.get_party("1")


@respx.mock
async def test_a_missing_customer_is_not_found() -> None:
    respx.get(f"{CUSTOMERS}/9").mock(return_value=failed(404, "BUSINESS", "E", "RECORD NOT FOUND"))
    async with adapter() as core:
        with pytest.raises(NotFoundError) as caught:
            await core.get_party("9")
    assert caught.value.ident == "9"


def _override(kind: str) -> httpx.Response:
    return httpx.Response(
        400,
        json={
            "header": {"status": "failed"},
            "error": {"type": "Business", "errorDetails": []},
            "override": {
                "overrideDetails": [
                    {
                        "id": "AA-HELD",
                        "code": "O-1",
                        "type": kind,
                        "description": "HELD",
                        "options": ["RECEIVED"],
                    }
                ]
            },
        },
    )


@respx.mock
async def test_a_warning_override_is_accepted_by_resubmitting_it_echoed() -> None:
    respx.get(f"{BASE}/v1.0.0/party/customers/100100/adverts").mock(
        return_value=failed(400, "BUSINESS", "E", "No records found")
    )
    created = httpx.Response(
        200,
        json={
            "header": {"id": "OP00000001", "status": "success", "transactionStatus": "Live"},
            "body": {},
        },
    )
    route = respx.post(ADVERTS).mock(side_effect=[_override("Warning"), created])
    async with adapter() as core:
        receipt = await core.write_offer(_offer("100100", "k"), idempotency_key="key-1")
    assert receipt.reference == "OP00000001"
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert bodies[0]["header"]["override"]["overrideDetails"] == []
    assert [o["id"] for o in bodies[1]["header"]["override"]["overrideDetails"]] == ["AA-HELD"]
    assert bodies[0]["body"] == bodies[1]["body"]


@respx.mock
async def test_an_override_of_a_type_not_allowed_is_reported_and_never_resubmitted() -> None:
    respx.get(f"{BASE}/v1.0.0/party/customers/100100/adverts").mock(
        return_value=failed(400, "BUSINESS", "E", "No records found")
    )
    route = respx.post(ADVERTS).mock(return_value=_override("Error"))
    async with adapter() as core:
        with pytest.raises(OverrideRequiredError) as caught:
            await core.write_offer(_offer("100100", "k"), idempotency_key="key-2")
    assert route.call_count == 1
    assert [o["id"] for o in caught.value.overrides] == ["AA-HELD"]


@respx.mock
async def test_write_error_details_are_kept_as_vendor_errors() -> None:
    respx.post(ADVERTS).mock(
        return_value=httpx.Response(
            400,
            json={
                "header": {"status": "failed"},
                "error": {
                    "type": "Business",
                    "errorDetails": [
                        {
                            "fieldName": "opportunityProductId",
                            "code": "EB-INVALID.PRODUCT",
                            "message": "PRODUCT NOT IN CATALOGUE",
                        }
                    ],
                },
            },
        )
    )
    async with adapter() as core:
        with pytest.raises(RequestRejectedError) as caught:
            await core.ex_validate_offer(_offer("100100", "k"))
    assert [(e.code, e.source) for e in caught.value.vendor_errors] == [
        ("EB-INVALID.PRODUCT", "opportunityProductId")
    ]
