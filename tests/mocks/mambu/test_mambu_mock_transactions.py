"""Ledger reads, searches and deposit/withdrawal writes."""

from __future__ import annotations

from decimal import Decimal

from _mambu_mock_support import bank, connect, error, make_mock
from xsell_connect_mocks.bank import AccountSpec, AccountState, Family


def _current() -> AccountSpec:
    return next(
        a
        for c in bank().customers()
        for a in bank().accounts_of(c.index)
        if a.family is Family.CURRENT and a.state is AccountState.ACTIVE
    )


async def test_account_transactions_page_the_accounts_postings() -> None:
    spec = _current()
    postings = list(bank().postings(spec))
    async with connect(make_mock()) as http:
        rows = (
            await http.get(
                f"/api/deposits/{spec.number}/transactions", params={"limit": 5, "offset": 1}
            )
        ).json()
    assert [r["id"] for r in rows] == [p.id for p in postings[1:6]]
    assert Decimal(str(rows[0]["amount"])) == postings[1].amount
    assert Decimal(str(rows[0]["accountBalances"]["totalBalance"])) == postings[1].balance_after


async def test_search_by_parent_account_key_returns_only_that_account() -> None:
    spec = _current()
    async with connect(make_mock()) as http:
        account = (await http.get(f"/api/deposits/{spec.number}")).json()
        rows = (
            await http.post(
                "/api/deposits/transactions:search",
                params={"limit": 1000},
                json={
                    "filterCriteria": [
                        {
                            "field": "parentAccountKey",
                            "operator": "EQUALS",
                            "value": account["encodedKey"],
                        }
                    ],
                    "sortingCriteria": {"field": "creationDate", "order": "ASC"},
                },
            )
        ).json()
    assert [r["id"] for r in rows] == [p.id for p in bank().postings(spec)]
    assert {r["parentAccountKey"] for r in rows} == {account["encodedKey"]}


async def test_search_by_parent_account_id_and_window() -> None:
    spec = _current()
    postings = list(bank().postings(spec))
    first, last = postings[0].booked_at, postings[2].booked_at
    async with connect(make_mock()) as http:
        rows = (
            await http.post(
                "/api/deposits/transactions:search",
                json={
                    "filterCriteria": [
                        {"field": "parentAccountID", "operator": "EQUALS", "value": spec.number},
                        {
                            "field": "creationDate",
                            "operator": "BETWEEN",
                            "value": first.replace(microsecond=0).isoformat(),
                            "secondValue": last.replace(microsecond=0).isoformat(),
                        },
                    ]
                },
            )
        ).json()
    assert [r["id"] for r in rows] == [p.id for p in postings[:3]]


async def test_a_window_search_across_accounts_stays_in_the_window() -> None:
    async with connect(make_mock()) as http:
        response = await http.post(
            "/api/deposits/transactions:search",
            params={"limit": 50},
            json={
                "filterCriteria": [
                    {
                        "field": "creationDate",
                        "operator": "BETWEEN",
                        "value": "2026-03-01T00:00:00+01:00",
                        "secondValue": "2026-03-31T23:59:59+02:00",
                    }
                ]
            },
        )
    rows = response.json()
    assert response.status_code == 200
    assert rows
    assert all("2026-03-01" <= r["creationDate"][:10] <= "2026-03-31" for r in rows)


async def test_single_transaction_by_id_and_by_encoded_key() -> None:
    posting = next(iter(bank().postings(_current())))
    async with connect(make_mock()) as http:
        by_id = (await http.get(f"/api/deposits/transactions/{posting.id}")).json()
        by_key = (await http.get(f"/api/deposits/transactions/{by_id['encodedKey']}")).json()
    assert by_id == by_key
    assert by_id["id"] == posting.id


async def test_deposit_transaction_amount_trims_trailing_zeros() -> None:
    spec = _current()
    async with connect(make_mock()) as http:
        response = await http.post(
            f"/api/deposits/{spec.number}/deposit-transactions",
            content=b'{"amount": 1200.50, "transactionDetails": {"transactionChannelId": "SEPA"},'
            b' "notes": "top-up", "externalId": "SEPA-1"}',
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 201
    assert b'"amount":1200.5,' in response.content
    body = response.json()
    assert (body["type"], body["externalId"], body["notes"]) == ("DEPOSIT", "SEPA-1", "top-up")


async def test_a_deposit_raises_the_balance_and_is_journalled() -> None:
    spec = _current()
    mock = make_mock()
    async with connect(mock) as http:
        made = (
            await http.post(
                f"/api/deposits/{spec.number}/deposit-transactions", json={"amount": "100"}
            )
        ).json()
        account = (await http.get(f"/api/deposits/{spec.number}")).json()
    assert Decimal(str(account["balances"]["totalBalance"])) == bank().balance(spec) + 100
    assert mock.journal.entries(operation="make_deposit")[0].created == (
        f"deposit_transaction:{made['id']}",
    )


async def test_a_withdrawal_beyond_balance_and_overdraft_is_refused() -> None:
    spec = _current()
    too_much = bank().balance(spec) + spec.limit + 1
    async with connect(make_mock()) as http:
        response = await http.post(
            f"/api/deposits/{spec.number}/withdrawal-transactions", json={"amount": str(too_much)}
        )
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INSUFFICIENT_BALANCE"


async def test_a_non_positive_amount_is_refused() -> None:
    async with connect(make_mock()) as http:
        response = await http.post(
            f"/api/deposits/{_current().number}/deposit-transactions", json={"amount": 0}
        )
    assert response.status_code == 400
    assert error(response)["errorReason"] == "INVALID_AMOUNT"


async def test_card_spend_is_a_withdrawal_with_merchant_fields() -> None:
    spec = _current()
    posting = next(p for p in bank().postings(spec) if p.kind.value == "CARD_SPEND")
    async with connect(make_mock()) as http:
        row = (await http.get(f"/api/deposits/transactions/{posting.id}")).json()
    assert row["type"] == "WITHDRAWAL"
    assert row["transactionDetails"]["transactionChannelId"] == "CARD"
    assert row["_card"]["MCC"] == posting.mcc
    assert row["affectedAmounts"]["fundsAmount"] == float(posting.amount)


async def test_loan_transactions_carry_the_outstanding_principal() -> None:
    loan = next(
        a
        for c in bank().customers()
        for a in bank().accounts_of(c.index)
        if a.family is Family.LOAN
    )
    postings = list(bank().postings(loan))
    async with connect(make_mock()) as http:
        rows = (
            await http.post(
                "/api/loans/transactions:search",
                params={"limit": 1000},
                json={
                    "filterCriteria": [
                        {"field": "parentAccountID", "operator": "EQUALS", "value": loan.number}
                    ]
                },
            )
        ).json()
    assert [r["id"] for r in rows] == [p.id for p in postings]
    repayment = next(
        r for r, p in zip(rows, postings, strict=True) if p.kind.value == "LOAN_REPAYMENT"
    )
    assert repayment["type"] == "REPAYMENT"
    assert set(repayment["accountBalances"]) >= {"principalBalance"}
