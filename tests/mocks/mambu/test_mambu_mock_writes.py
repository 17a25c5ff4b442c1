"""Client custom-field PATCH, tasks and comments."""

from __future__ import annotations

from typing import Any

import httpx
from _mambu_mock_support import connect, error, make_mock

CLIENT = "100000003"


def _op(op: str, field: str, value: Any = None) -> dict[str, Any]:
    body = {"op": op, "path": f"/_xsell/{field}"}
    if value is not None:
        body["value"] = value
    return body


async def _patch_then_read(*bodies: list[dict[str, Any]]) -> tuple[httpx.Response, dict[str, Any]]:
    async with connect(make_mock()) as http:
        response = None
        for body in bodies:
            response = await http.patch(f"/api/clients/{CLIENT}", json=body)
        client = (await http.get(f"/api/clients/{CLIENT}", params={"detailsLevel": "FULL"})).json()
    assert response is not None
    return response, client


async def test_patch_answers_204_with_an_empty_body() -> None:
    response, _ = await _patch_then_read([_op("ADD", "Next_Best_Action", "OFFER_SAVINGS_PLUS")])
    assert response.status_code == 204
    assert response.content == b""


async def test_patched_values_read_back_with_full_details() -> None:
    _, client = await _patch_then_read(
        [
            _op("ADD", "Next_Best_Action", "OFFER_SAVINGS_PLUS"),
            _op("ADD", "NBA_Score", "0.82"),
            _op("ADD", "NBA_Expiry", "2026-12-31"),
        ]
    )
    assert client["_xsell"] == {
        "Next_Best_Action": "OFFER_SAVINGS_PLUS",
        "NBA_Score": "0.82",
        "NBA_Expiry": "2026-12-31",
    }


async def test_lower_case_ops_are_accepted() -> None:
    response, client = await _patch_then_read([_op("add", "Next_Best_Action", "OFFER_CARD")])
    assert response.status_code == 204
    assert client["_xsell"]["Next_Best_Action"] == "OFFER_CARD"


async def test_replace_changes_a_present_value() -> None:
    _, client = await _patch_then_read(
        [_op("ADD", "Next_Best_Action", "A")], [_op("REPLACE", "Next_Best_Action", "B")]
    )
    assert client["_xsell"]["Next_Best_Action"] == "B"


async def test_replace_of_an_absent_value_is_a_400() -> None:
    response, client = await _patch_then_read([_op("REPLACE", "Next_Best_Action", "B")])
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_PARAMETERS"
    assert "_xsell" not in client


async def test_empty_string_value_is_rejected() -> None:
    response, _ = await _patch_then_read([_op("ADD", "Next_Best_Action", "")])
    assert response.status_code == 400
    assert error(response) == {
        "errorCode": 1103,
        "errorSource": "/_xsell/Next_Best_Action",
        "errorReason": "INVALID_CUSTOM_FIELD_VALUE",
    }


async def test_null_value_is_rejected() -> None:
    async with connect(make_mock()) as http:
        response = await http.patch(
            f"/api/clients/{CLIENT}",
            json=[{"op": "ADD", "path": "/_xsell/Next_Best_Action", "value": None}],
        )
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_CUSTOM_FIELD_VALUE"


async def test_non_string_value_is_rejected() -> None:
    response, _ = await _patch_then_read([_op("ADD", "NBA_Score", 0.82)])
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_CUSTOM_FIELD_VALUE"


async def test_a_score_that_is_no_number_is_rejected() -> None:
    response, _ = await _patch_then_read([_op("ADD", "NBA_Score", "high")])
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_CUSTOM_FIELD_VALUE"


async def test_unknown_field_is_rejected() -> None:
    response, _ = await _patch_then_read([_op("ADD", "Favourite_Colour", "blue")])
    assert response.status_code == 400
    assert error(response) == {
        "errorCode": 1102,
        "errorSource": "/_xsell/Favourite_Colour",
        "errorReason": "INVALID_CUSTOM_FIELD_ID",
    }


async def test_unknown_set_is_rejected() -> None:
    response, _ = await _patch_then_read([{"op": "ADD", "path": "/_other/Field", "value": "x"}])
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_CUSTOM_FIELD_ID"


async def test_a_failing_operation_leaves_the_whole_patch_unapplied() -> None:
    response, client = await _patch_then_read(
        [_op("ADD", "Next_Best_Action", "A"), _op("ADD", "NBA_Score", "")]
    )
    assert response.status_code == 400
    assert "_xsell" not in client


async def test_remove_clears_the_field() -> None:
    _, client = await _patch_then_read(
        [_op("ADD", "Next_Best_Action", "A"), _op("ADD", "NBA_Score", "0.5")],
        [_op("REMOVE", "Next_Best_Action")],
    )
    assert client["_xsell"] == {"NBA_Score": "0.5"}


async def test_removing_the_last_field_drops_the_set() -> None:
    response, client = await _patch_then_read(
        [_op("ADD", "Next_Best_Action", "A")],
        [_op("REMOVE", "Next_Best_Action")],
        [_op("REMOVE", "Next_Best_Action")],
    )
    assert response.status_code == 204
    assert "_xsell" not in client


async def test_move_renames_a_value() -> None:
    _, client = await _patch_then_read(
        [_op("ADD", "NBA_Offer_Ref", "OFR-1")],
        [{"op": "MOVE", "from": "/_xsell/NBA_Offer_Ref", "path": "/_xsell/Next_Best_Action"}],
    )
    assert client["_xsell"] == {"Next_Best_Action": "OFR-1"}


async def test_patch_updates_last_modified_date() -> None:
    async with connect(make_mock()) as http:
        before = (await http.get(f"/api/clients/{CLIENT}")).json()["lastModifiedDate"]
        await http.patch(f"/api/clients/{CLIENT}", json=[_op("ADD", "Next_Best_Action", "A")])
        after = (await http.get(f"/api/clients/{CLIENT}")).json()["lastModifiedDate"]
    assert after > before


async def test_a_task_is_created_with_a_numeric_id_and_listed_for_its_client() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        client = (await http.get(f"/api/clients/{CLIENT}")).json()
        created = await http.post(
            "/api/tasks",
            json={
                "title": "xsell offer OFR-1",
                "description": "NBA=OFFER_SAVINGS_PLUS",
                "dueDate": "2026-12-31",
                "status": "OPEN",
                "taskLinkType": "CLIENT",
                "taskLinkKey": client["encodedKey"],
            },
        )
        listed = (
            await http.get("/api/tasks", params={"clientId": CLIENT, "status": "OPEN"})
        ).json()
    task = created.json()
    assert created.status_code == 201
    assert task["id"] == 10001
    assert len(task["encodedKey"]) == 32
    assert task["createdByFullName"] == "xsell api"
    assert listed == [task]
    assert mock.journal.entries(operation="create_task")[0].created == ("task:10001",)


async def test_a_task_without_due_date_is_refused() -> None:
    async with connect(make_mock()) as http:
        response = await http.post("/api/tasks", json={"title": "x"})
    assert response.status_code == 400
    assert error(response)["errorSource"] == "dueDate"


async def test_a_task_is_completed_with_a_patch() -> None:
    async with connect(make_mock()) as http:
        task = (
            await http.post(
                "/api/tasks",
                json={
                    "title": "t",
                    "dueDate": "2026-12-31",
                    "taskLinkType": "CLIENT",
                    "taskLinkKey": CLIENT,
                },
            )
        ).json()
        patched = await http.patch(
            f"/api/tasks/{task['id']}",
            json=[{"op": "REPLACE", "path": "/status", "value": "COMPLETED"}],
        )
        open_tasks = (
            await http.get("/api/tasks", params={"clientId": CLIENT, "status": "OPEN"})
        ).json()
        done = (await http.get(f"/api/tasks/{task['encodedKey']}")).json()
    assert patched.status_code == 204
    assert patched.content == b""
    assert open_tasks == []
    assert done["status"] == "COMPLETED"


async def test_comments_are_appended_and_listed_by_owner() -> None:
    async with connect(make_mock()) as http:
        client = (await http.get(f"/api/clients/{CLIENT}")).json()
        first = await http.post(
            "/api/comments",
            json={
                "ownerType": "CLIENT",
                "ownerKey": client["encodedKey"],
                "text": 'AI_Interaction_Audit/v1 {"audit_id":"a1"}',
            },
        )
        await http.post(
            "/api/comments",
            json={"ownerType": "CLIENT", "ownerKey": client["encodedKey"], "text": "two"},
        )
        listed = (
            await http.get(
                "/api/comments",
                params={
                    "ownerType": "CLIENT",
                    "ownerKey": client["encodedKey"],
                    "offset": 0,
                    "limit": 50,
                },
            )
        ).json()
    assert first.status_code == 201
    assert set(first.json()) >= {"encodedKey", "creationDate", "userKey", "text"}
    assert [c["text"] for c in listed] == ['AI_Interaction_Audit/v1 {"audit_id":"a1"}', "two"]


async def test_a_comment_on_an_unknown_client_is_404() -> None:
    async with connect(make_mock()) as http:
        response = await http.post(
            "/api/comments", json={"ownerType": "CLIENT", "ownerKey": "nope", "text": "x"}
        )
    assert response.status_code == 404
