"""Bare arrays, Items-* headers, offset/limit validation, full offset walks."""

from __future__ import annotations

import httpx
import pytest
from _mambu_mock_support import connect, error, make_mock


async def test_list_body_is_a_bare_json_array() -> None:
    async with connect(make_mock()) as http:
        response = await http.get("/api/clients", params={"limit": 3})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mambu.v2+json"
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 3


async def test_items_headers_are_absent_without_pagination_details() -> None:
    async with connect(make_mock()) as http:
        response = await http.get("/api/clients", params={"limit": 3})
    assert not {"items-offset", "items-limit", "items-total"} & set(response.headers)


async def test_items_headers_come_with_pagination_details_on() -> None:
    async with connect(make_mock()) as http:
        response = await http.get(
            "/api/clients", params={"offset": 5, "limit": 3, "paginationDetails": "ON"}
        )
    assert (
        response.headers["Items-Offset"],
        response.headers["Items-Limit"],
        response.headers["Items-Total"],
    ) == ("5", "3", "60")


async def test_search_also_answers_a_bare_array_with_items_headers_on_request() -> None:
    async with connect(make_mock()) as http:
        response = await http.post(
            "/api/clients:search", params={"paginationDetails": "ON"}, json={"filterCriteria": []}
        )
    assert isinstance(response.json(), list)
    assert response.headers["Items-Total"] == "60"


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"limit": 0}, "OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE"),
        ({"limit": 1001}, "OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE"),
        ({"limit": "ten"}, "INVALID_PAGINATION_LIMIT_VALUE"),
        ({"offset": -1}, "OUT_OF_BOUNDS_PAGINATION_OFFSET_VALUE"),
    ],
)
async def test_bad_offset_or_limit_is_a_400_naming_the_mambu_reason(
    params: dict[str, object], reason: str
) -> None:
    async with connect(make_mock()) as http:
        response = await http.get("/api/clients", params=params)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert error(response)["errorReason"] == reason


async def test_offset_past_the_end_gives_an_empty_page() -> None:
    async with connect(make_mock()) as http:
        response = await http.get("/api/clients", params={"offset": 60, "limit": 10})
    assert response.json() == []


async def test_a_thousand_customer_bank_reads_fully_through_offset_paging() -> None:
    mock = make_mock(customers=1000)
    ids: list[str] = []
    async with connect(mock) as http:
        offset = 0
        while True:
            page = (await http.get("/api/clients", params={"offset": offset, "limit": 200})).json()
            ids += [c["id"] for c in page]
            if len(page) < 200:
                break
            offset += 200
    assert len(ids) == 1000
    assert len(set(ids)) == 1000


async def test_unknown_client_is_404_object_not_found() -> None:
    async with connect(make_mock()) as http:
        response: httpx.Response = await http.get("/api/clients/999999999")
    assert response.status_code == 404
    assert error(response) == {
        "errorCode": 301,
        "errorSource": "client 999999999",
        "errorReason": "OBJECT_NOT_FOUND",
    }
