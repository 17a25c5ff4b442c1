"""The Transact mock speaks the provider APIs: gate, envelope, paging, typing, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos import TemenosMock

HEADERS = {"apikey": "k", "companyId": "GB0010001"}
CUSTOMERS = "/api/v4.0.0/party/customers"


@pytest.fixture
def mock() -> TemenosMock:
    return TemenosMock(SyntheticBank(BankConfig(seed=5, customers=12)))


@pytest_asyncio.fixture
async def client(mock: TemenosMock) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=mock.transport(), base_url=mock.base_url, headers=HEADERS
    ) as c:
        yield c


async def test_a_call_without_company_id_is_a_business_error(client: httpx.AsyncClient) -> None:
    response = await client.get(CUSTOMERS, headers={"companyId": ""})
    assert response.status_code == 400
    assert response.json()["header"]["status"] == "failed"
    assert response.json()["error"]["code"] == "EB-COMPANY.MISSING"


async def test_a_call_without_credentials_is_refused(mock: TemenosMock) -> None:
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as c:
        response = await c.get(CUSTOMERS, headers={"companyId": "GB0010001"})
    assert response.status_code == 401


async def test_pages_walk_one_snapshot_to_total_size(client: httpx.AsyncClient) -> None:
    first = (await client.get(CUSTOMERS, params={"page_size": 5})).json()
    header = first["header"]
    assert (header["page_start"], header["total_size"], len(first["body"])) == (1, 12, 5)
    ids = [r["customerId"] for r in first["body"]]
    start = 6
    while start <= header["total_size"]:
        params = {"page_size": 5, "page_start": start, "page_token": header["page_token"]}
        page = (await client.get(CUSTOMERS, params=params)).json()
        assert page["header"]["page_token"] == header["page_token"]
        ids += [r["customerId"] for r in page["body"]]
        start += 5
    assert ids == [f"{100000000 + i}" for i in range(12)]


async def test_an_unknown_page_token_is_a_business_error(client: httpx.AsyncClient) -> None:
    response = await client.get(CUSTOMERS, params={"page_token": "nope", "page_start": 2})
    assert (response.status_code, response.json()["error"]["code"]) == (
        400,
        "EB-INVALID.PAGE.TOKEN",
    )


async def test_a_page_token_expires_once_newer_enquiries_crowd_it_out(
    client: httpx.AsyncClient, mock: TemenosMock
) -> None:
    mock.snapshots.limit = 2
    tokens = []
    for _ in range(3):
        first = (await client.get(CUSTOMERS, params={"page_size": 5})).json()
        tokens.append(first["header"]["page_token"])

    later = {"page_size": 5, "page_start": 6}
    oldest = await client.get(CUSTOMERS, params={"page_token": tokens[0], **later})
    newest = await client.get(CUSTOMERS, params={"page_token": tokens[2], **later})

    assert (oldest.status_code, oldest.json()["error"]["code"]) == (400, "EB-INVALID.PAGE.TOKEN")
    assert [r["customerId"] for r in newest.json()["body"]] == [
        f"{100000000 + i}" for i in range(5, 10)
    ]


async def test_disable_pagination_returns_every_row(client: httpx.AsyncClient) -> None:
    response = await client.get(
        CUSTOMERS, params={"page_size": 2}, headers={"disablePagination": "true"}
    )
    assert len(response.json()["body"]) == 12


async def test_an_empty_enquiry_is_no_records_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1.0.0/holdings/customers/999/accounts")
    body = response.json()
    assert response.status_code == 400
    assert body["error"] == {
        "type": "BUSINESS",
        "code": "EB-NO.RECORDS",
        "message": "No records found",
    }
    assert "body" not in body


async def test_a_transaction_search_without_account_is_a_null_key(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v2.0.0/holdings/transactions")
    assert response.json()["error"]["message"] == "NULL KEY SPECIFIED FOR SELECTION"


async def test_the_single_customer_uses_multi_value_arrays_and_numbers(
    client: httpx.AsyncClient, mock: TemenosMock
) -> None:
    c = mock.bank.customer(1)
    response = await client.get(f"{CUSTOMERS}/{c.number}")
    body = response.json()["body"]
    assert response.json()["header"]["audit"]["versionNumber"] == "1"
    assert body["streets"] == [{"street": c.address_line}]
    assert isinstance(body["sectorId"], int)
    assert isinstance(body["customerStatus"], int)


async def test_amounts_are_typed_per_resource(client: httpx.AsyncClient, mock: TemenosMock) -> None:
    account = mock.bank.accounts_of(0)[0]
    holdings = await client.get(f"/api/v1.0.0/holdings/customers/{account.number[:9]}/accounts")
    item = holdings.json()["body"][0]
    assert isinstance(item["workingBalance"], float)
    assert isinstance(item["availableLimit"], str)
    statements = await client.get(
        f"/api/v9.2.0//holdings/accounts/{account.number}/statements",
        params={"fromDate": "20260901", "toDate": "2026-10-31"},
    )
    row = statements.json()["body"][0]
    assert isinstance(row["closingBalance"], str)
    assert {row["debitAmount"], row["creditAmount"]} & {""} == {""}
    assert statements.json()["header"]["data"]["accountNumber"] == account.number


async def test_a_loan_balance_and_its_entries_are_negative_for_what_the_customer_owes(
    client: httpx.AsyncClient, mock: TemenosMock
) -> None:
    loan = next(
        a
        for c in mock.bank.customers()
        for a in mock.bank.accounts_of(c.index)
        if a.family.value == "LOAN" and mock.bank.balance(a) > 0
    )
    items = (await client.get(f"/api/v1.0.0/holdings/customers/{loan.number[:9]}/accounts")).json()
    [row] = [i for i in items["body"] if i["accountId"] == loan.number]
    assert row["workingBalance"] == -float(mock.bank.balance(loan))


async def test_eligible_products_follow_the_catalog_rules(
    client: httpx.AsyncClient, mock: TemenosMock
) -> None:
    person = mock.bank.customer(0)
    url = f"/api/v1.0.0/product/customers/{person.number}/eligibleProducts"
    body = (await client.get(url)).json()["body"]
    offered = {i["productId"] for i in body}
    allowed = {
        p.code.replace("_", ".")
        for p in mock.bank.products
        if not p.for_organisations and (not p.segments or person.segment in p.segments)
    }
    assert offered
    assert offered <= allowed
