"""Client rendering, detailsLevel, keys and the default lastModifiedDate:DESC order."""

from __future__ import annotations

import re

from _mambu_mock_support import CUSTOMERS, bank, connect, make_mock

PATCH = [{"op": "ADD", "path": "/_xsell/Next_Best_Action", "value": "OFFER_SAVINGS_PLUS"}]


async def test_basic_details_hide_custom_fields_addresses_and_contact_info() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        await http.patch("/api/clients/100000003", json=PATCH)
        client = (await http.get("/api/clients/100000003")).json()
    assert not {
        "_xsell",
        "_profile",
        "addresses",
        "idDocuments",
        "emailAddress",
        "mobilePhone",
    } & set(client)
    assert client["id"] == "100000003"


async def test_full_details_show_custom_fields_addresses_and_contact_info() -> None:
    mock = make_mock()
    async with connect(mock) as http:
        await http.patch("/api/clients/100000003", json=PATCH)
        client = (await http.get("/api/clients/100000003", params={"detailsLevel": "FULL"})).json()
    spec = bank().customer(3)
    assert client["_xsell"] == {"Next_Best_Action": "OFFER_SAVINGS_PLUS"}
    assert client["emailAddress"] == spec.email
    assert client["addresses"][0]["line1"] == spec.address_line
    assert client["_profile"]["Segment"] == spec.segment


async def test_lookup_by_id_and_by_encoded_key_give_the_same_record() -> None:
    async with connect(make_mock()) as http:
        by_id = (await http.get("/api/clients/100000007")).json()
        by_key = (await http.get(f"/api/clients/{by_id['encodedKey']}")).json()
    assert by_key == by_id


async def test_encoded_key_is_32_lowercase_hex() -> None:
    async with connect(make_mock()) as http:
        client = (await http.get("/api/clients/100000001")).json()
    assert re.fullmatch(r"[0-9a-f]{32}", client["encodedKey"])


async def test_encoded_key_never_rendered_before_still_resolves() -> None:
    from xsell_connect_mocks.mambu.wire import encoded_key

    key = encoded_key(bank().config.seed, "client", "100000042")
    async with connect(make_mock()) as http:
        response = await http.get(f"/api/clients/{key}")
    assert response.json()["id"] == "100000042"


async def test_datetimes_carry_the_tenant_offset() -> None:
    async with connect(make_mock()) as http:
        client = (await http.get("/api/clients/100000001")).json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", client["creationDate"])


async def test_default_order_is_newest_first_when_nothing_was_modified() -> None:
    async with connect(make_mock()) as http:
        page = (await http.get("/api/clients", params={"limit": 3})).json()
    assert [c["id"] for c in page] == [
        str(100_000_000 + i) for i in (CUSTOMERS - 1, CUSTOMERS - 2, CUSTOMERS - 3)
    ]


async def test_creation_date_ascending_is_index_order() -> None:
    async with connect(make_mock()) as http:
        page = (
            await http.get("/api/clients", params={"limit": 3, "sortBy": "creationDate:ASC"})
        ).json()
    assert [c["id"] for c in page] == ["100000000", "100000001", "100000002"]


async def test_a_patched_client_moves_to_the_front_of_the_default_order() -> None:
    async with connect(make_mock()) as http:
        await http.patch("/api/clients/100000010", json=PATCH)
        page = (await http.get("/api/clients", params={"limit": 2})).json()
    assert [c["id"] for c in page] == ["100000010", str(100_000_000 + CUSTOMERS - 1)]
    assert page[0]["lastModifiedDate"] > page[1]["lastModifiedDate"]


async def test_modifying_a_record_between_pages_makes_offset_paging_drift() -> None:
    async with connect(make_mock()) as http:
        first = (await http.get("/api/clients", params={"offset": 0, "limit": 10})).json()
        await http.patch("/api/clients/100000005", json=PATCH)  # not yet read
        second = (await http.get("/api/clients", params={"offset": 10, "limit": 10})).json()
    seen = [c["id"] for c in first + second]
    # The patched client jumped to the front: one row of page one repeats on page two.
    assert seen[9] == seen[10]
    assert "100000005" not in seen


async def test_last_modified_ascending_puts_patched_clients_last() -> None:
    async with connect(make_mock()) as http:
        await http.patch("/api/clients/100000000", json=PATCH)
        page = (
            await http.get(
                "/api/clients",
                params={"offset": CUSTOMERS - 2, "limit": 5, "sortBy": "lastModifiedDate:ASC"},
            )
        ).json()
    assert [c["id"] for c in page] == [str(100_000_000 + CUSTOMERS - 1), "100000000"]


async def test_sort_by_last_name_is_alphabetical() -> None:
    async with connect(make_mock()) as http:
        page = (
            await http.get("/api/clients", params={"limit": 1000, "sortBy": "lastName:ASC"})
        ).json()
    names = [c["lastName"].casefold() for c in page]
    assert names == sorted(names)


async def test_get_filter_on_first_name_returns_only_matches() -> None:
    name = bank().customer(4).first_name or bank().customer(5).first_name
    async with connect(make_mock()) as http:
        page = (await http.get("/api/clients", params={"firstName": name, "limit": 1000})).json()
    assert page
    assert all(c["firstName"] == name for c in page)


async def test_organisations_render_as_clients_with_party_type() -> None:
    index = next(c.index for c in bank().customers() if c.kind == "ORGANISATION")
    spec = bank().customer(index)
    async with connect(make_mock()) as http:
        client = (
            await http.get(f"/api/clients/{spec.number}", params={"detailsLevel": "FULL"})
        ).json()
    assert (client["firstName"], client["lastName"]) == ("-", spec.organisation_name)
    assert client["_profile"]["Party_Type"] == "ORGANISATION"
    assert "birthDate" not in client
    assert "gender" not in client


async def test_full_details_apply_to_lists_too() -> None:
    async with connect(make_mock()) as http:
        basic_page = (await http.get("/api/clients", params={"limit": 2})).json()
        full_page = (
            await http.get("/api/clients", params={"limit": 2, "detailsLevel": "FULL"})
        ).json()
    assert all("_profile" not in c for c in basic_page)
    assert all(c["_profile"]["Party_Type"] in {"PERSON", "ORGANISATION"} for c in full_page)
