"""Deposits, loans and products rendered from the bank."""

from __future__ import annotations

from decimal import Decimal

from _mambu_mock_support import bank, connect, error, make_mock
from xsell_connect_mocks.bank import Family

LOANS = {Family.LOAN, Family.MORTGAGE, Family.CARD}


def _holder_with(family: Family) -> int:
    return next(
        c.index
        for c in bank().customers()
        if any(a.family is family for a in bank().accounts_of(c.index))
    )


async def test_deposits_of_a_holder_are_its_deposit_accounts() -> None:
    index = _holder_with(Family.CURRENT)
    number = bank().customer(index).number
    async with connect(make_mock()) as http:
        rows = (
            await http.get(
                "/api/deposits", params={"accountHolderType": "CLIENT", "accountHolderId": number}
            )
        ).json()
    expected = [a.number for a in bank().accounts_of(index) if a.family not in LOANS]
    assert [r["id"] for r in rows] == expected


async def test_a_current_account_renders_mambu_fields() -> None:
    index = _holder_with(Family.CURRENT)
    spec = next(a for a in bank().accounts_of(index) if a.family is Family.CURRENT)
    async with connect(make_mock()) as http:
        account = (await http.get(f"/api/deposits/{spec.number}")).json()
        holder = (await http.get(f"/api/clients/{bank().customer(index).number}")).json()
    assert account["accountType"] == "CURRENT_ACCOUNT"
    assert account["accountHolderKey"] == holder["encodedKey"]
    assert Decimal(str(account["balances"]["totalBalance"])) == bank().balance(spec)
    assert account["overdraftSettings"] == {
        "allowOverdraft": spec.limit > 0,
        "overdraftLimit": float(spec.limit),
    }


async def test_deposit_lookup_by_encoded_key_matches_lookup_by_id() -> None:
    spec = next(a for a in bank().accounts_of(_holder_with(Family.CURRENT)))
    async with connect(make_mock()) as http:
        by_id = (await http.get(f"/api/deposits/{spec.number}")).json()
        by_key = (await http.get(f"/api/deposits/{by_id['encodedKey']}")).json()
    assert by_id == by_key


async def test_a_loan_is_not_found_among_deposits() -> None:
    index = _holder_with(Family.CARD)
    card = next(a for a in bank().accounts_of(index) if a.family is Family.CARD)
    async with connect(make_mock()) as http:
        as_deposit = await http.get(f"/api/deposits/{card.number}")
        as_loan = await http.get(f"/api/loans/{card.number}")
    assert as_deposit.status_code == 404
    assert error(as_deposit)["errorReason"] == "OBJECT_NOT_FOUND"
    assert as_loan.json()["loanAmount"] == float(card.limit)


async def test_loans_search_by_holder_key() -> None:
    index = _holder_with(Family.CARD)
    async with connect(make_mock()) as http:
        holder = (await http.get(f"/api/clients/{bank().customer(index).number}")).json()
        rows = (
            await http.post(
                "/api/loans:search",
                json={
                    "filterCriteria": [
                        {
                            "field": "accountHolderKey",
                            "operator": "EQUALS",
                            "value": holder["encodedKey"],
                        }
                    ]
                },
            )
        ).json()
    assert [r["id"] for r in rows] == [
        a.number for a in bank().accounts_of(index) if a.family in LOANS
    ]


async def test_deposit_products_list_the_catalogue_deposits() -> None:
    async with connect(make_mock()) as http:
        rows = (await http.get("/api/depositproducts")).json()
    assert [r["id"] for r in rows] == [p.code for p in bank().products if p.family not in LOANS]
    assert {r["type"] for r in rows} <= {"CURRENT_ACCOUNT", "REGULAR_SAVINGS", "FIXED_DEPOSIT"}


async def test_product_rates_are_min_max_default_and_eligibility_rides_in_notes() -> None:
    async with connect(make_mock()) as http:
        product = (await http.get("/api/depositproducts/YOUTH_SAVER")).json()
    assert product["interestSettings"]["interestRateSettings"]["interestRate"] == {
        "minValue": 3,
        "maxValue": 4,
        "defaultValue": 3.5,
    }
    assert product["notes"].startswith("xsell-eligibility: family=SAVINGS;")
    assert ";max_age=25;" in product["notes"]
    assert ";requires=CURRENT;" in product["notes"]


async def test_loan_products_carry_type_category_and_amount_bounds() -> None:
    async with connect(make_mock()) as http:
        product = (await http.get("/api/loanproducts/HOME_MORTGAGE")).json()
    assert (product["type"], product["category"]) == ("FIXED_TERM_LOAN", "RETAIL_MORTGAGES")
    assert product["loanAmountSettings"]["loanAmount"] == {"minValue": 50000, "maxValue": 1500000}


async def test_product_lookup_by_encoded_key() -> None:
    async with connect(make_mock()) as http:
        product = (await http.get("/api/loanproducts/PERSONAL_LOAN")).json()
        again = (await http.get(f"/api/loanproducts/{product['encodedKey']}")).json()
    assert again == product
