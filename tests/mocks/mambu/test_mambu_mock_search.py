"""filterCriteria operators, sortingCriteria and the tenant-offset rule on datetimes."""

from __future__ import annotations

from typing import Any

import httpx
from _mambu_mock_support import bank, connect, error, make_mock


async def _search(
    criteria: list[dict[str, Any]], sort: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    body: dict[str, Any] = {"filterCriteria": criteria}
    if sort:
        body["sortingCriteria"] = sort
    async with connect(make_mock()) as http:
        return await http.post("/api/clients:search", params={"limit": 1000, **params}, json=body)


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


async def test_equals_ignores_case() -> None:
    name = bank().customer(1).last_name or bank().customer(2).last_name
    ids = _ids(await _search([{"field": "lastName", "operator": "EQUALS", "value": name.upper()}]))
    expected = [
        c.number
        for c in bank().customers()
        if (c.organisation_name or c.last_name).casefold() == name.casefold()
    ]
    assert ids == expected


async def test_equals_case_sensitive_does_not() -> None:
    name = bank().customer(1).last_name or bank().customer(2).last_name
    ids = _ids(
        await _search(
            [{"field": "lastName", "operator": "EQUALS_CASE_SENSITIVE", "value": name.upper()}]
        )
    )
    assert ids == []


async def test_in_matches_any_of_the_values() -> None:
    ids = _ids(
        await _search([{"field": "id", "operator": "IN", "values": ["100000002", "100000009"]}])
    )
    assert ids == ["100000002", "100000009"]


async def test_starts_with_matches_a_prefix() -> None:
    ids = _ids(await _search([{"field": "id", "operator": "STARTS_WITH", "value": "10000001"}]))
    assert ids == [str(100_000_010 + i) for i in range(10)]


async def test_different_than_excludes_the_value() -> None:
    ids = _ids(await _search([{"field": "id", "operator": "DIFFERENT_THAN", "value": "100000000"}]))
    assert "100000000" not in ids
    assert len(ids) == 59


async def test_between_on_birth_date_is_inclusive() -> None:
    spec = next(c for c in bank().customers() if c.birth_date)
    assert spec.birth_date is not None
    day = spec.birth_date.isoformat()
    ids = _ids(
        await _search(
            [{"field": "birthDate", "operator": "BETWEEN", "value": day, "secondValue": day}]
        )
    )
    assert spec.number in ids
    assert all(
        bank().customer_by_number(i).birth_date == spec.birth_date  # type: ignore[union-attr]
        for i in ids
    )


async def test_empty_and_not_empty_on_a_custom_field() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        await http.patch(
            "/api/clients/100000004",
            json=[{"op": "ADD", "path": "/_xsell/Next_Best_Action", "value": "OFFER_CARD"}],
        )
        filled = await http.post(
            "/api/clients:search",
            params={"limit": 1000},
            json={
                "filterCriteria": [{"field": "_xsell.Next_Best_Action", "operator": "NOT_EMPTY"}]
            },
        )
        empty = await http.post(
            "/api/clients:search",
            params={"limit": 1000},
            json={"filterCriteria": [{"field": "_xsell.Next_Best_Action", "operator": "EMPTY"}]},
        )
    assert _ids(filled) == ["100000004"]
    assert len(_ids(empty)) == 59


async def test_more_than_on_creation_date_with_the_right_offset() -> None:
    pivot = bank().customer(50).created_at
    assert pivot is not None
    ids = _ids(
        await _search(
            [
                {
                    "field": "creationDate",
                    "operator": "MORE_THAN",
                    "value": pivot.replace(microsecond=0).isoformat(),
                }
            ]
        )
    )
    assert ids == [str(100_000_000 + i) for i in range(51, 60)]


async def test_sorting_criteria_orders_the_result() -> None:
    ids = _ids(await _search([], sort={"field": "id", "order": "DESC"}, limit=3))
    assert ids == ["100000059", "100000058", "100000057"]


async def test_unknown_operator_is_400_invalid_parameters() -> None:
    response = await _search([{"field": "id", "operator": "LOOKS_LIKE", "value": "1"}])
    assert response.status_code == 400
    assert error(response) == {
        "errorCode": 4,
        "errorSource": "Invalid operator LOOKS_LIKE",
        "errorReason": "INVALID_PARAMETERS",
    }


async def test_unknown_field_is_400_invalid_parameters() -> None:
    response = await _search([{"field": "shoeSize", "operator": "EQUALS", "value": "1"}])
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_PARAMETERS"


async def test_summer_offset_after_the_dst_change_is_rejected() -> None:
    response = await _search(
        [
            {
                "field": "creationDate",
                "operator": "BETWEEN",
                "value": "2024-10-01T00:00:00+02:00",
                "secondValue": "2024-10-31T23:59:59+02:00",
            }
        ]
    )
    assert response.status_code == 400
    assert error(response) == {
        "errorCode": 4,
        "errorSource": "Invalid date offset for value 2024-10-31T23:59:59+02:00 "
        "org offset is +01:00",
        "errorReason": "INVALID_PARAMETERS",
    }


async def test_the_reference_window_with_per_instant_offsets_is_accepted() -> None:
    response = await _search(
        [
            {
                "field": "creationDate",
                "operator": "BETWEEN",
                "value": "2024-10-01T00:00:00+02:00",
                "secondValue": "2024-10-31T23:59:59+01:00",
            }
        ]
    )
    assert response.status_code == 200


async def test_a_datetime_without_offset_is_rejected() -> None:
    response = await _search(
        [{"field": "creationDate", "operator": "AFTER", "value": "2024-10-01T00:00:00"}]
    )
    assert response.status_code == 400
    assert error(response)["errorSource"] == (
        "Invalid date offset for value 2024-10-01T00:00:00 org offset is +02:00"
    )


async def test_tenant_time_zone_is_configurable() -> None:
    mock = make_mock(tenant_timezone="UTC")
    async with connect(mock) as http:
        response = await http.post(
            "/api/clients:search",
            json={
                "filterCriteria": [
                    {
                        "field": "creationDate",
                        "operator": "AFTER",
                        "value": "2024-10-01T00:00:00+02:00",
                    }
                ]
            },
        )
    assert response.status_code == 400
    assert error(response)["errorSource"].endswith("org offset is +00:00")
