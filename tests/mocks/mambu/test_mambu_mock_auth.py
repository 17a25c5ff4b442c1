"""The guard: v2 Accept header, API key or Basic, Mambu 401 bodies."""

from __future__ import annotations

import httpx
from _mambu_mock_support import MEDIA, basic, error, make_mock


async def _get(headers: dict[str, str], path: str = "/api/clients") -> httpx.Response:
    mock = make_mock()
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as http:
        return await http.get(path, headers=headers)


async def test_missing_accept_header_is_a_400_with_a_mambu_error_body() -> None:
    response = await _get({"apiKey": "test-api-key"})
    assert response.status_code == 400
    assert error(response) == {
        "errorCode": 4,
        "errorSource": f"Accept header must be {MEDIA}",
        "errorReason": "INVALID_PARAMETERS",
    }


async def test_plain_json_accept_is_refused() -> None:
    response = await _get({"apiKey": "test-api-key", "Accept": "application/json"})
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_PARAMETERS"


async def test_unknown_api_key_is_401_invalid_api_key() -> None:
    response = await _get({"apiKey": "wrong", "Accept": MEDIA})
    assert response.status_code == 401
    assert error(response) == {
        "errorCode": 24,
        "errorSource": "apiKey",
        "errorReason": "INVALID_API_KEY",
    }


async def test_no_credentials_is_401_invalid_credentials() -> None:
    response = await _get({"Accept": MEDIA})
    assert response.status_code == 401
    assert error(response)["errorReason"] == "INVALID_CREDENTIALS"
    assert error(response)["errorCode"] == 2


async def test_api_key_header_name_is_case_insensitive() -> None:
    response = await _get({"apikey": "test-api-key", "Accept": MEDIA})
    assert response.status_code == 200


async def test_basic_auth_of_a_known_user_is_accepted() -> None:
    response = await _get({"Authorization": basic("xsell", "xsell-pass"), "Accept": MEDIA})
    assert response.status_code == 200


async def test_basic_auth_with_a_wrong_password_is_401_invalid_credentials() -> None:
    response = await _get({"Authorization": basic("xsell", "nope"), "Accept": MEDIA})
    assert response.status_code == 401
    assert error(response)["errorReason"] == "INVALID_CREDENTIALS"


async def test_streaming_api_refuses_basic_auth() -> None:
    response = await _get(
        {"Authorization": basic("xsell", "xsell-pass"), "Accept": MEDIA}, "/api/subscriptions/any"
    )
    assert response.status_code == 401
    assert error(response)["errorReason"] == "INVALID_API_KEY"
