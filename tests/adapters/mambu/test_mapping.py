"""Mambu records → canonical models, exactly; every defect a MappingError with its path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from _support import fixture, fixture_bytes, products_by_key, respx_adapter, router
from xsell_connect_mambu.client import decode_json, render_datetime
from xsell_connect_mambu.mapping import (
    to_account,
    to_ledger_entry,
    to_party,
    to_product,
    trim,
)

from xsell_connect.errors import MappingError
from xsell_connect.models import (
    Account,
    AccountHolder,
    AccountStatus,
    AmountBounds,
    Balance,
    BalanceType,
    BankTransactionCode,
    CashAccountType,
    Channel,
    Consent,
    ContactKind,
    ContactPoint,
    CreditDebit,
    EligibilityRules,
    KycStatus,
    LedgerEntry,
    Party,
    PartyStatus,
    PartyType,
    PostalAddress,
    Product,
    ProductFamily,
    ProductStatus,
    RateBounds,
    TermBounds,
)

PARIS = ZoneInfo("Europe/Paris")
CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
ANA_KEY = "8a19b7057471f4af017472dc0fd80472"
HOLDERS = {ANA_KEY: "417023981"}
D = Decimal


def party(raw: Any) -> Party:
    return to_party(raw, tz=PARIS)


def deposit(raw: Any) -> Account:
    return to_account(raw, "deposit", products_by_key(), HOLDERS, tz=PARIS)


def loan(raw: Any) -> Account:
    return to_account(raw, "loan", products_by_key(), HOLDERS, tz=PARIS)


def deposit_entry(raw: Any) -> LedgerEntry:
    return to_ledger_entry(
        raw, "deposit", "DXQK512", family=ProductFamily.CURRENT, currency="EUR", tz=PARIS
    )


def mortgage_entry(raw: Any) -> LedgerEntry:
    return to_ledger_entry(
        raw, "loan", "MORT001", family=ProductFamily.MORTGAGE, currency="EUR", tz=PARIS
    )


def eur(kind: BalanceType, amount: str, raw: str | None = None) -> Balance:
    return Balance(type=kind, type_raw=raw, amount=D(amount), currency="EUR")


def btc(domain: str, family: str, sub: str, proprietary: str) -> BankTransactionCode:
    return BankTransactionCode(
        domain=domain, family=family, sub_family=sub, proprietary=proprietary
    )


DEPOSIT_EXTRA = {
    "productTypeKey": "8a19df6c8f2e41aa018f2e7b44c1035e",
    "accountHolderKey": ANA_KEY,
}
TX_PARENT = {"parentAccountKey": "8a19a3c27e1b5d4f017e1c2a9b3d0a11"}
MORTGAGE_PARENT = {"parentAccountKey": "8a19a3c27e1b5d4f017e1c2a9b3d0b31"}

EXPECTED: list[tuple[str, Callable[[Any], Any], Any]] = [
    (
        "get_client",
        party,
        Party(
            platform="mambu",
            source_id=ANA_KEY,
            id="417023981",
            type=PartyType.PERSON,
            type_raw="PERSON",
            status=PartyStatus.ACTIVE,
            status_raw="ACTIVE",
            given_name="Ana",
            family_name="Moreau",
            birth_date=date(1986, 3, 14),
            segment="AFFLUENT",
            branch="PAR01",
            kyc_status=KycStatus.VERIFIED,
            kyc_status_raw="VERIFIED",
            relationship_manager="RM017",
            customer_since=date(2021, 2, 10),
            nationality="FR",
            residency="FR",
            language="fr",
            preferred_channel=Channel.EMAIL,
            consents=(
                Consent(channel=Channel.EMAIL, granted=True),
                Consent(channel=Channel.SMS, granted=False),
            ),
            addresses=(
                PostalAddress(
                    lines=("12 rue Lafayette",),
                    city="Paris",
                    postcode="75009",
                    country="FR",
                    country_raw="France",
                ),
            ),
            contacts=(
                ContactPoint(kind=ContactKind.EMAIL, value="ana.moreau@example.org"),
                ContactPoint(kind=ContactKind.MOBILE, value="+33612345678"),
            ),
            created_at=datetime(2021, 2, 10, 9, 12, 44, tzinfo=CET),
            updated_at=datetime(2024, 11, 2, 16, 3, 10, tzinfo=CET),
            extra={
                "gender": "FEMALE",
                "preferredLanguage": "FRENCH",
                "assignedBranchKey": "8a19cda5778bea6c01778c17fdff027c",
                "_xsell": {
                    "Next_Best_Action": "OFFER_SAVINGS_PLUS",
                    "NBA_Score": "0.82",
                    "NBA_Expiry": "2024-12-31",
                },
            },
        ),
    ),
    (
        "get_client_organisation",
        party,
        Party(
            platform="mambu",
            source_id="8a19b7057471f4af017472dc0fd80999",
            id="100000777",
            type=PartyType.ORGANISATION,
            type_raw="ORGANISATION",
            status=PartyStatus.PENDING,
            status_raw="PENDING_APPROVAL",
            legal_name="Boulangerie Dupain SARL",
            segment="SME",
            kyc_status=KycStatus.UNKNOWN,
            kyc_status_raw="UNDER_REVIEW",
            residency="DE",
            preferred_channel=Channel.UNKNOWN,
            created_at=datetime(2023, 3, 26, 1, 59, 59, tzinfo=CET),
            updated_at=datetime(2023, 3, 26, 3, 0, 0, tzinfo=CEST),
            extra={"preferredLanguage": "KLINGON", "Preferred_Channel": "FAX"},
        ),
    ),
    (
        "get_deposit",
        deposit,
        Account(
            platform="mambu",
            source_id="8a19a3c27e1b5d4f017e1c2a9b3d0a11",
            id="DXQK512",
            holders=(AccountHolder(party_id="417023981"),),
            product_code="EVERYDAY_CURRENT",
            family=ProductFamily.CURRENT,
            family_raw="CURRENT_ACCOUNT",
            cash_account_type=CashAccountType.CACC,
            name="Everyday Current",
            currency="EUR",
            balances=(eur(BalanceType.ITBD, "2450.5"), eur(BalanceType.ITAV, "2450.5")),
            status=AccountStatus.ENAB,
            status_raw="ACTIVE",
            opened_on=date(2021, 2, 11),
            interest_rate=D("0.1"),
            limit=D("500"),
            extra=DEPOSIT_EXTRA,
        ),
    ),
    (
        "get_deposit_overdrawn",
        deposit,
        Account(
            platform="mambu",
            source_id="8a19a3c27e1b5d4f017e1c2a9b3d0a12",
            id="DXQK513",
            holders=(AccountHolder(party_id="417023981"),),
            product_code="EVERYDAY_CURRENT",
            family=ProductFamily.CURRENT,
            family_raw="CURRENT_ACCOUNT",
            cash_account_type=CashAccountType.CACC,
            name="Everyday Current",
            currency="EUR",
            balances=(
                eur(BalanceType.ITBD, "-120.4"),
                eur(BalanceType.ITAV, "0"),
                eur(BalanceType.INFO, "25.5", "holdBalance"),
            ),
            status=AccountStatus.DISA,
            status_raw="DORMANT",
            extra=DEPOSIT_EXTRA,
        ),
    ),
    (
        "get_loan_card",
        loan,
        Account(
            platform="mambu",
            source_id="8a19a3c27e1b5d4f017e1c2a9b3d0b21",
            id="LCARD77",
            holders=(AccountHolder(party_id="417023981"),),
            product_code="GOLD_CARD",
            family=ProductFamily.CARD,
            family_raw="REVOLVING_CREDIT",
            cash_account_type=CashAccountType.CARD,
            name="Gold Credit Card",
            currency="EUR",
            balances=(eur(BalanceType.ITBD, "-692.46"), eur(BalanceType.ITAV, "2307.54")),
            status=AccountStatus.ENAB,
            status_raw="ACTIVE_IN_ARREARS",
            opened_on=date(2025, 8, 1),
            interest_rate=D("18.9"),
            limit=D("3000"),
            extra={
                "accountSubState": "LOCKED",
                "daysInArrears": 12,
                "productTypeKey": "8a19df6c8f2e41aa018f2e7b44c10400",
                "accountHolderKey": ANA_KEY,
            },
        ),
    ),
    (
        "get_loan_mortgage",
        loan,
        Account(
            platform="mambu",
            source_id="8a19a3c27e1b5d4f017e1c2a9b3d0b31",
            id="MORT001",
            holders=(AccountHolder(party_id="417023981"),),
            product_code="HOME_MORTGAGE",
            family=ProductFamily.MORTGAGE,
            family_raw="RETAIL_MORTGAGES",
            cash_account_type=CashAccountType.LOAN,
            name="Home Mortgage",
            currency="EUR",
            balances=(eur(BalanceType.ITBD, "0"),),
            status=AccountStatus.DELE,
            status_raw="CLOSED",
            opened_on=date(2015, 6, 1),
            matures_on=date(2040, 6, 1),
            closed_on=date(2024, 10, 27),
            interest_rate=D("2.9"),
            principal=D("250000"),
            extra={
                "accountSubState": "REPAID",
                "productTypeKey": "8a19df6c8f2e41aa018f2e7b44c10500",
                "accountHolderKey": ANA_KEY,
            },
        ),
    ),
    (
        "get_depositproduct",
        lambda raw: to_product(raw, "deposit"),
        Product(
            platform="mambu",
            source_id="8a19df6c8f2e41aa018f2e7b44c10601",
            code="SAVPLUS",
            name="Savings Plus",
            family=ProductFamily.SAVINGS,
            family_raw="REGULAR_SAVINGS",
            currency="EUR",
            status=ProductStatus.ACTIVE,
            status_raw="ACTIVE",
            rate=RateBounds(min=D("2.5"), max=D("3.5"), default=D("3.1")),
            amount=AmountBounds(min=D("10"), max=D("1000000"), currency="EUR"),
            eligibility=EligibilityRules(
                min_age=18,
                max_age=25,
                segments=("MASS", "AFFLUENT"),
                min_balance=D("1000"),
                requires_holdings=(ProductFamily.CURRENT,),
                party_types=(PartyType.PERSON, PartyType.ORGANISATION),
            ),
            channels=(Channel.EMAIL, Channel.PUSH),
            active_from=date(2020, 1, 1),
            version="2026-01",
        ),
    ),
    (
        "get_loanproduct",
        lambda raw: to_product(raw, "loan"),
        Product(
            platform="mambu",
            source_id="8a19df6c8f2e41aa018f2e7b44c10700",
            code="PERSONAL_LOAN",
            name="Personal Loan",
            family=ProductFamily.LOAN,
            family_raw="DYNAMIC_TERM_LOAN",
            currency="EUR",
            status=ProductStatus.INACTIVE,
            status_raw="INACTIVE",
            rate=RateBounds(min=D("3.9"), max=D("12.9"), default=D("6.9")),
            amount=AmountBounds(min=D("1000"), max=D("75000"), currency="EUR"),
            term=TermBounds(min_months=6, max_months=84),
            eligibility=EligibilityRules(party_types=(PartyType.PERSON, PartyType.ORGANISATION)),
            extra={"category": "PERSONAL_LENDING"},
        ),
    ),
]


def _entry(**values: Any) -> LedgerEntry:
    return LedgerEntry(platform="mambu", currency="EUR", **values)


DEPOSIT_ENTRIES = [
    _entry(
        source_id="8a19df6c8f2e41aa018fbb0c1e2a7710",
        id="58211",
        account_id="DXQK512",
        amount=D("1200"),
        credit_debit=CreditDebit.CRDT,
        booking_date=date(2024, 10, 25),
        value_date=date(2024, 10, 25),
        booked_at=datetime(2024, 10, 25, 10, 15, 3, tzinfo=CEST),
        bank_transaction_code=btc("PMNT", "RCDT", "ESCT", "DEPOSIT"),
        description="SALAIRE OCTOBRE",
        counterparty="ACME SA",
        channel="SEPA",
        balance_after=D("3650.5"),
        extra={
            "externalId": "SEPA-7781",
            "affectedAmounts": {  # integers as received; fractions as exact text
                "fundsAmount": 1200,
                "interestAmount": 0,
                "feesAmount": 0,
                "overdraftAmount": 0,
            },
            **TX_PARENT,
        },
    ),
    _entry(  # created 23:30 UTC on the 26th = 01:30 on the 27th in Paris (still CEST)
        source_id="8a19df6c8f2e41aa018fbb0c1e2a7711",
        id="58212",
        account_id="DXQK512",
        amount=D("50.01"),
        credit_debit=CreditDebit.DBIT,
        booking_date=date(2024, 10, 27),
        value_date=date(2024, 10, 27),
        booked_at=datetime(2024, 10, 26, 23, 30, tzinfo=UTC),
        bank_transaction_code=btc("PMNT", "CCRD", "POSD", "WITHDRAWAL"),
        description="CB BRICO DEPOT 26/10",
        merchant_category_code="5200",
        merchant_country="FR",
        channel="CARD",
        balance_after=D("3600.49"),
        extra=TX_PARENT,
    ),
    _entry(
        source_id="8a19df6c8f2e41aa018fbb0c1e2a7712",
        id="58213",
        account_id="DXQK512",
        amount=D("0.1"),
        credit_debit=CreditDebit.DBIT,
        booking_date=date(2024, 10, 28),
        value_date=date(2024, 10, 28),
        booked_at=datetime(2024, 10, 28, 9, 0, tzinfo=CET),
        bank_transaction_code=btc("PMNT", "RDDT", "ESDD", "WITHDRAWAL"),
        channel="DIRECT_DEBIT",
        balance_after=D("3600.39"),
        extra=TX_PARENT,
    ),
    _entry(
        source_id="8a19df6c8f2e41aa018fbb0c1e2a7713",
        id="58214",
        account_id="DXQK512",
        amount=D("1200"),
        credit_debit=CreditDebit.DBIT,
        booking_date=date(2024, 10, 29),
        value_date=date(2024, 10, 29),
        booked_at=datetime(2024, 10, 29, 9, 0, tzinfo=CET),
        bank_transaction_code=btc("PMNT", "RCDT", "ESCT", "DEPOSIT_ADJUSTMENT"),
        channel="SEPA",
        balance_after=D("2400.39"),
        reversal=True,
        extra={"originalTransactionKey": "8a19df6c8f2e41aa018fbb0c1e2a7710", **TX_PARENT},
    ),
    _entry(  # a type no table knows: ISO "not available", direction from the sign
        source_id="8a19df6c8f2e41aa018fbb0c1e2a7714",
        id="58215",
        account_id="DXQK512",
        amount=D("3.2"),
        credit_debit=CreditDebit.DBIT,
        booking_date=date(2024, 10, 31),
        value_date=date(2024, 10, 31),
        booked_at=datetime(2024, 10, 31, 23, 0, tzinfo=CET),
        bank_transaction_code=BankTransactionCode.unknown("NET_DIFF_INTEREST"),
        balance_after=D("2397.19"),
        extra={**TX_PARENT, "direction_from_sign": True},
    ),
]
MORTGAGE_ENTRIES = [
    _entry(
        source_id="8a19df6c8f2e41aa018fbb0c1e2a7800",
        id="L-1",
        account_id="MORT001",
        amount=D("250000"),
        credit_debit=CreditDebit.DBIT,
        booking_date=date(2015, 6, 1),
        value_date=date(2015, 6, 1),
        booked_at=datetime(2015, 6, 1, 9, 0, tzinfo=CEST),
        bank_transaction_code=btc("LDAS", "MGLN", "DDWN", "DISBURSEMENT"),
        balance_after=D("-250000"),
        extra={"affectedAmounts": {"principalAmount": 250000}, **MORTGAGE_PARENT},
    ),
    _entry(
        source_id="8a19df6c8f2e41aa018fbb0c1e2a7801",
        id="L-2",
        account_id="MORT001",
        amount=D("1021.37"),
        credit_debit=CreditDebit.CRDT,
        booking_date=date(2015, 7, 1),
        value_date=date(2015, 7, 1),
        booked_at=datetime(2015, 7, 1, 9, 0, tzinfo=CEST),
        bank_transaction_code=btc("LDAS", "MGLN", "RPMT", "REPAYMENT"),
        channel="INTERNAL",
        balance_after=D("-249500.12"),
        extra=MORTGAGE_PARENT,
    ),
]


@pytest.mark.parametrize(("name", "mapper", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_record_maps_to_the_exact_canonical_model(
    name: str, mapper: Callable[[Any], Any], expected: Any
) -> None:
    assert mapper(fixture(name)) == expected


@pytest.mark.parametrize(
    ("index", "expected"), list(enumerate(DEPOSIT_ENTRIES)), ids=[e.id for e in DEPOSIT_ENTRIES]
)
def test_deposit_transaction_maps_to_the_exact_entry(index: int, expected: LedgerEntry) -> None:
    assert deposit_entry(fixture("search_deposit_transactions")[index]) == expected


@pytest.mark.parametrize(
    ("index", "expected"), list(enumerate(MORTGAGE_ENTRIES)), ids=[e.id for e in MORTGAGE_ENTRIES]
)
def test_mortgage_transaction_maps_to_the_exact_entry(index: int, expected: LedgerEntry) -> None:
    assert mortgage_entry(fixture("search_loan_transactions")[index]) == expected


def test_party_extra_holds_no_personal_data() -> None:
    flat = json.dumps(party(fixture("get_client")).extra)

    for value in ("Ana", "Moreau", "1986-03-14", "Lafayette", "75009", "+33612345678", "ana."):
        assert value not in flat


# -- defects ------------------------------------------------------------------------------


def _set(record: Any, path: tuple[str | int, ...], value: Any) -> Any:
    changed = copy.deepcopy(record)
    target = changed
    for step in path[:-1]:
        target = target.setdefault(step, {}) if isinstance(target, dict) else target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DELETE = object()
DEFECTS: list[tuple[str, Callable[[Any], Any], tuple[str | int, ...], Any]] = [
    ("get_client", party, ("id",), _DELETE),
    ("get_client", party, ("encodedKey",), 1.5),
    ("get_client", party, ("birthDate",), "14/03/1986"),
    ("get_client", party, ("creationDate",), "2021-02-10T09:12:44"),
    ("get_client", party, ("_profile",), ["AFFLUENT"]),
    ("get_client", party, ("_profile", "Consent_EMAIL"), "MAYBE"),
    ("get_client", party, ("addresses",), {"line1": "x"}),
    ("get_deposit", deposit, ("balances",), [2450.5]),
    ("get_deposit", deposit, ("balances", "totalBalance"), "abc"),
    ("get_deposit", deposit, ("balances", "totalBalance"), _DELETE),
    ("get_deposit", deposit, ("activationDate",), "not a date"),
    ("get_deposit", deposit, ("productTypeKey",), "8a19ffffffffffffffffffffffffffff"),
    ("get_deposit", deposit, ("accountHolderKey",), "8a19eeeeeeeeeeeeeeeeeeeeeeeeeeee"),
    ("get_loan_card", loan, ("loanAmount",), {"value": 3000}),
    ("get_loan_card", loan, ("balances", "principalBalance"), True),
    ("get_depositproduct", lambda r: to_product(r, "deposit"), ("notes",),
     "xsell-eligibility: min_age=eighteen"),
    ("get_depositproduct", lambda r: to_product(r, "deposit"), ("notes",),
     "xsell-eligibility: requires=BOAT"),
    ("get_depositproduct", lambda r: to_product(r, "deposit"), ("currencySettings",), _DELETE),
    ("get_loanproduct", lambda r: to_product(r, "loan"), ("type",), _DELETE),
]  # fmt: skip
TX_DEFECTS: list[tuple[tuple[str | int, ...], Any]] = [
    (("amount",), "abc"),
    (("amount",), _DELETE),
    (("type",), _DELETE),
    (("valueDate",), "yesterday"),
    (("creationDate",), 20241025),
    (("accountBalances", "totalBalance"), [3650.5]),
    (("transactionDetails",), "SEPA"),
    (("_card", "MCC"), "54-11"),
]


@pytest.mark.parametrize(
    ("name", "mapper", "path", "value"),
    DEFECTS,
    ids=[f"{d[0]}:{'.'.join(map(str, d[2]))}" for d in DEFECTS],
)
def test_defect_is_a_mapping_error_with_the_exact_path(
    name: str, mapper: Callable[[Any], Any], path: tuple[str | int, ...], value: Any
) -> None:
    raw = _set(fixture(name), path, value)

    with pytest.raises(MappingError) as caught:
        mapper(raw)

    assert caught.value.path == path
    assert caught.value.raw == raw
    assert caught.value.platform == "mambu"


@pytest.mark.parametrize(
    ("path", "value"), TX_DEFECTS, ids=[".".join(map(str, d[0])) for d in TX_DEFECTS]
)
def test_transaction_defect_is_a_mapping_error_with_the_exact_path(
    path: tuple[str | int, ...], value: Any
) -> None:
    raw = _set(fixture("search_deposit_transactions")[0], path, value)

    with pytest.raises(MappingError) as caught:
        deposit_entry(raw)

    assert caught.value.path == path
    assert caught.value.raw == raw


def test_unknown_client_state_is_unknown_with_the_raw_code() -> None:
    mapped = party(_set(fixture("get_client"), ("state",), "ZOMBIE"))

    assert (mapped.status, mapped.status_raw) == (PartyStatus.UNKNOWN, "ZOMBIE")


def test_unknown_account_state_and_type_are_unknown_with_the_raw_codes() -> None:
    raw = _set(_set(fixture("get_deposit"), ("accountState",), "FROZEN"), ("accountType",), "X")

    mapped = deposit(raw)

    assert (mapped.status, mapped.status_raw) == (AccountStatus.UNKNOWN, "FROZEN")
    assert (mapped.family, mapped.family_raw) == (ProductFamily.UNKNOWN, "X")
    assert mapped.cash_account_type is CashAccountType.UNKNOWN


def test_unknown_product_state_is_unknown_with_the_raw_code() -> None:
    mapped = to_product(_set(fixture("get_depositproduct"), ("state",), "ARCHIVED"), "deposit")

    assert (mapped.status, mapped.status_raw) == (ProductStatus.UNKNOWN, "ARCHIVED")


# -- numbers and datetimes ----------------------------------------------------------------


def test_json_numbers_become_exact_decimals() -> None:
    body = decode_json(httpx.Response(200, content=b'{"a": 0.1, "b": 50.010000000, "c": 7}'))

    assert body == {"a": D("0.1"), "b": D("50.010000000"), "c": 7}
    assert str(trim(body["a"])) == "0.1"
    assert str(trim(body["b"])) == "50.01"


@pytest.mark.parametrize(
    ("raw", "text"), [("50.010000000", "50.01"), ("1.2E+3", "1200"), ("-0.00", "0"), ("7", "7")]
)
def test_trim_drops_trailing_zeros_without_exponents(raw: str, text: str) -> None:
    assert str(trim(D(raw))) == text


def test_deposit_fixture_amounts_survive_the_wire_exactly() -> None:
    records = json.loads(fixture_bytes("search_deposit_transactions"), parse_float=D)

    assert deposit_entry(records[2]).amount == D("0.1")
    assert str(deposit_entry(records[1]).amount) == "50.01"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 10, 1, 0, 0, tzinfo=PARIS), "2024-10-01T00:00:00+02:00"),
        (datetime(2024, 10, 31, 23, 59, 59, tzinfo=PARIS), "2024-10-31T23:59:59+01:00"),
        (datetime(2024, 10, 27, 0, 59, 59, tzinfo=UTC), "2024-10-27T02:59:59+02:00"),
        (datetime(2024, 10, 27, 1, 0, 0, tzinfo=UTC), "2024-10-27T02:00:00+01:00"),
        (datetime(2024, 3, 31, 12, 0, 0, 999999), "2024-03-31T12:00:00+02:00"),
    ],
)
def test_datetimes_carry_the_tenant_offset_at_that_instant(moment: datetime, text: str) -> None:
    assert render_datetime(moment, PARIS) == text


async def test_ledger_window_bounds_are_rendered_with_the_offset_of_each_bound() -> None:
    core = router()
    core.get("/deposits/DXQK512").respond(200, content=fixture_bytes("get_deposit"))
    search = core.post("/deposits/transactions:search").respond(200, json=[])

    await respx_adapter(core).list_ledger_entries(
        "DXQK512",
        since=datetime(2024, 10, 1, tzinfo=PARIS),
        until=datetime(2024, 10, 31, 23, 59, 59, tzinfo=PARIS),
    )

    assert json.loads(search.calls.last.request.content) == {
        "filterCriteria": [
            {
                "field": "parentAccountKey",
                "operator": "EQUALS",
                "value": "8a19a3c27e1b5d4f017e1c2a9b3d0a11",
            },
            {
                "field": "creationDate",
                "operator": "BETWEEN",
                "value": "2024-10-01T00:00:00+02:00",
                "secondValue": "2024-10-31T23:59:59+01:00",
            },
        ],
        "sortingCriteria": {"field": "creationDate", "order": "ASC"},
    }
    assert dict(search.calls.last.request.url.params) == {
        "offset": "0",
        "limit": "200",
        "detailsLevel": "FULL",
    }


@pytest.mark.parametrize(
    ("tx_type", "affected", "direction", "reversal", "codes"),
    [
        ("INTEREST_APPLIED", {"interestAmount": 1.25}, "CRDT", False, ("ACMT", "MCOP", "INTR")),
        (
            "INTEREST_APPLIED",
            {"interestAmount": 0, "overdraftInterestAmount": 1.25},
            "DBIT",
            False,
            ("ACMT", "MDOP", "INTR"),
        ),
        (
            "INTEREST_APPLIED",
            {"technicalOverdraftInterestAmount": "1.25"},
            "DBIT",
            False,
            ("ACMT", "MDOP", "INTR"),
        ),
        (
            "INTEREST_APPLIED_ADJUSTMENT",
            {"overdraftInterestAmount": 1.25},
            "CRDT",
            True,
            ("ACMT", "MDOP", "INTR"),
        ),
    ],
)
def test_overdraft_interest_on_a_deposit_account_is_a_charge(
    tx_type: str,
    affected: dict[str, Any],
    direction: str,
    reversal: bool,
    codes: tuple[str, str, str],
) -> None:
    raw = json.loads(
        json.dumps(
            {
                "encodedKey": "8a1",
                "id": "77",
                "type": tx_type,
                "amount": 1.25,
                "currencyCode": "EUR",
                "creationDate": "2026-10-31T23:00:00+01:00",
                "valueDate": "2026-10-31T23:00:00+01:00",
                "affectedAmounts": affected,
            }
        ),
        parse_float=D,
    )
    for record in (raw, MappingProxyType(raw)):  # the dict fast path and the reader path
        entry = deposit_entry(record)
        assert (entry.credit_debit, entry.reversal) == (direction, reversal)
        assert entry.amount == D("1.25")
        code = entry.bank_transaction_code
        assert (code.domain, code.family, code.sub_family) == codes
