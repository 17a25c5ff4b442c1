"""The synthetic bank as Transact provider-API records (shared/reference/temenos.md §2).

Amount typing follows each resource exactly: numbers in the holdings lists, strings in
statements, the catalogue and ``availableLimit``. Balances and entry amounts are signed
as T24 signs them: a loan's ``workingBalance`` is negative, a debit entry's ``amount`` is
negative. Product ids are the bank's codes spelt with dots (``FIXED.DEPOSIT.12M``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from xsell_connect_mocks.bank import AccountSpec, CustomerSpec, PostingSpec, ProductSpec
from xsell_connect_mocks.bank.ledger import CREDIT_FAMILIES
from xsell_connect_mocks.bank.specs import AccountState, Family, PostingKind

__all__ = [
    "GROUPS",
    "account_item",
    "customer_item",
    "customer_record",
    "entry_row",
    "product_id",
    "product_record",
    "signed_amount",
    "signed_balance",
    "statement_row",
    "txn_code",
]

COMPANY = "GB0010001"
#: Family → (productLineId, productGroupId); the adapter reads the family back from the group.
GROUPS: dict[Family, tuple[str, str]] = {
    Family.CURRENT: ("ACCOUNTS", "CURRENT.ACCOUNTS"),
    Family.SAVINGS: ("ACCOUNTS", "SAVINGS.ACCOUNTS"),
    Family.TERM_DEPOSIT: ("DEPOSITS", "FIXED.DEPOSITS"),
    Family.CARD: ("LENDING", "CREDIT.CARDS"),
    Family.LOAN: ("LENDING", "PERSONAL.LOANS"),
    Family.MORTGAGE: ("LENDING", "MORTGAGES"),
}
SECTOR_PERSON, SECTOR_ORGANISATION = 1001, 2001
TARGETS = {"MASS": 1, "AFFLUENT": 2, "PRIVATE": 3, "SME": 4}
LANGUAGES = {"en": 1, "fr": 2, "de": 3, "es": 4, "it": 5, "nl": 6, "pt": 7}
#: PostingKind → the bank's TRANSACTION code (project convention).
TXN_CODES: dict[PostingKind, str] = {
    PostingKind.TRANSFER_IN: "210", PostingKind.TRANSFER_OUT: "211",
    PostingKind.DIRECT_DEBIT: "212", PostingKind.SALARY: "213",
    PostingKind.LARGE_DEPOSIT: "214", PostingKind.CASH_WITHDRAWAL: "311",
    PostingKind.CARD_SPEND: "312", PostingKind.CARD_REPAYMENT: "313",
    PostingKind.INTEREST: "400", PostingKind.FEE: "401",
    PostingKind.LOAN_DISBURSEMENT: "500", PostingKind.LOAN_REPAYMENT: "501",
    PostingKind.DEPOSIT_PLACEMENT: "600", PostingKind.DEPOSIT_MATURITY: "601",
}  # fmt: skip
_STATUS = {AccountState.ACTIVE: "CURRENT", AccountState.DORMANT: "CURRENT",
           AccountState.MATURED: "MATURED", AccountState.CLOSED: "CLOSE"}  # fmt: skip


def product_id(code: str) -> str:
    return code.replace("_", ".")


def txn_code(posting: PostingSpec) -> str:
    return TXN_CODES[posting.kind]


def _num(value: Decimal) -> float:
    # Holdings lists carry numbers (reference §2.2); two places survive a float round trip.
    return float(value)


def _str(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def signed_balance(account: AccountSpec, balance: Decimal) -> Decimal:
    """The bank's balance as T24 shows it: what the customer owes is negative."""
    return -balance if account.family in CREDIT_FAMILIES else balance


def signed_amount(posting: PostingSpec) -> Decimal:
    return posting.amount if posting.direction == "CRDT" else -posting.amount


def _name(c: CustomerSpec) -> str:
    return c.organisation_name if c.kind == "ORGANISATION" else f"{c.first_name} {c.last_name}"


def customer_item(c: CustomerSpec, version: int) -> dict[str, Any]:
    """One ``GET /party/customers`` list item (codes as strings, reference §2.1)."""
    person = c.kind != "ORGANISATION"
    item: dict[str, Any] = {
        "customerId": c.number,
        "customerName": _name(c),
        "customerMnemonic": f"C{c.number}",
        "customerStatus": "1",
        "statusName": "Active",
        "customerType": "ACTIVE",
        "sectorId": str(SECTOR_PERSON if person else SECTOR_ORGANISATION),
        "sectorName": "Individual" if person else "Corporate",
        "target": str(TARGETS.get(c.segment, 1)),
        "targetName": c.segment.title(),
        "accountOfficerId": str(int(c.relationship_manager[2:] or 0)),
        "nationalityId": c.nationality,
        "residenceId": c.residency,
        "companyId": COMPANY,
        "language": str(LANGUAGES.get(c.language, 1)),
        "versionNumber": str(version),
    }
    if person:
        item |= {"firstName": c.first_name, "lastName": c.last_name,
                 "gender": c.gender, "dateOfBirth": _iso(c.birth_date)}  # fmt: skip
    return item


def customer_record(c: CustomerSpec) -> dict[str, Any]:
    """The single record of ``GET /party/customers/{id}`` (multi-value arrays, numbers)."""
    person = c.kind != "ORGANISATION"
    record: dict[str, Any] = {
        "customerNames": [{"customerName": _name(c)}],
        "displayNames": [{"displayName": _name(c)}],
        "customerStatus": 1,
        "sectorId": SECTOR_PERSON if person else SECTOR_ORGANISATION,
        "industryId": 1000,
        "target": TARGETS.get(c.segment, 1),
        "accountOfficerId": int(c.relationship_manager[2:] or 0),
        "language": LANGUAGES.get(c.language, 1),
        "customerCompany": COMPANY,
        "nationalityId": c.nationality,
        "residenceId": c.residency,
        "communicationDevices": [{"email": c.email, "smsNumber": c.mobile.lstrip("+")}],
        "streets": [{"street": c.address_line}],
        "addressCities": [{"addressCity": c.city}],
        "postCodes": [{"postCode": c.postcode}],
        "countries": [{"country": c.country}],
        "isKycComplete": c.kyc_status == "VERIFIED",
        "extensions": {},
    }
    if person:
        record |= {"givenName": c.first_name, "lastName": c.last_name,
                   "dateOfBirth": _iso(c.birth_date)}  # fmt: skip
    return record


def _iso(day: Any) -> str | None:
    return None if day is None else str(day.isoformat())


def arrangement_id(account: AccountSpec) -> str:
    """``AA`` + YYDDD of opening + the account's last five digits (≤17 characters)."""
    opened = account.opened_on
    return f"AA{opened:%y}{opened.timetuple().tm_yday:03d}{account.number[-5:]}"


def account_item(
    account: AccountSpec, customer: CustomerSpec, product: ProductSpec, balance: Decimal
) -> dict[str, Any]:
    """One ``GET /holdings/customers/{id}/accounts`` item (balances are numbers)."""
    working = signed_balance(account, balance)
    if account.family is Family.CARD:
        available = max(account.limit + working, Decimal(0))
    elif account.family in CREDIT_FAMILIES:
        available = Decimal(0)
    else:
        available = working + account.limit
    return {
        "accountId": account.number,
        "arrangementId": arrangement_id(account),
        "displayName": product.name,
        "productId": product_id(account.product_code),
        "productName": product.name,
        "productGroupId": GROUPS[account.family][1],
        "currencyId": account.currency,
        "workingBalance": _num(working),
        "onlineActualBalance": _num(working),
        "availableBalance": _num(available),
        "clearedBalance": _num(working),
        "availableFunds": _num(available),
        "lockedAmount": 0,
        "availableLimit": _str(account.limit),
        "openingDate": account.opened_on.isoformat(),
        "customerId": customer.number,
        "customerName": _name(customer),
        "status": _STATUS[account.state],  # as v9.2.0 accountsDetails carries it (inferred)
    }


def entry_row(posting: PostingSpec, account: AccountSpec) -> dict[str, Any]:
    """One ``GET /holdings/transactions`` row (STMT.ENTRY: a negative amount is a debit)."""
    return {
        "entryReference": posting.id,
        "transactionReference": transaction_reference(posting),
        "accountId": account.number,
        "amount": _num(signed_amount(posting)),
        "currencyId": account.currency,
        "balance": _num(signed_balance(account, posting.balance_after)),
        "bookingDate": posting.booked_at.date().isoformat(),
        "narrative": posting.description,
        "transactionType": txn_code(posting),
        "companyId": COMPANY,
    }


def transaction_reference(posting: PostingSpec) -> str:
    """``FT`` + YYDDD + five characters (reference §1 Ids), stable per posting."""
    day = posting.booked_at
    return f"FT{day:%y}{day.timetuple().tm_yday:03d}{int(posting.id.rsplit('-', 1)[1]):05d}"


def statement_row(posting: PostingSpec, account: AccountSpec) -> dict[str, Any]:
    """One v9.2.0 statement row (amounts are strings)."""
    credit = posting.direction == "CRDT"
    return {
        "transactionReference": transaction_reference(posting),
        "transactionCode": txn_code(posting),
        "bookingDate": posting.booked_at.date().isoformat(),
        "valueDate": posting.value_date.isoformat(),
        "debitAmount": "" if credit else _str(posting.amount),
        "creditAmount": _str(posting.amount) if credit else "",
        "closingBalance": _str(signed_balance(account, posting.balance_after)),
        "narratives": [{"narrative": posting.description}],
        "extensions": {},
    }


def product_record(p: ProductSpec) -> dict[str, Any]:
    """One Product Builder product (``ccySpecific`` terms; amounts and rates as strings)."""
    lending = p.family in CREDIT_FAMILIES
    terms: dict[str, Any] = {
        "currency": p.currency,
        "debitInterest" if lending else "creditInterest": _str(p.rate_default),
        "interestRates": [{"minimumRate": _str(p.rate_min), "maximumRate": _str(p.rate_max)}],
    }
    if p.amount_min is not None:
        terms["minimumAmount"] = _str(p.amount_min)
    if p.amount_max is not None:
        terms["maximumAmount"] = _str(p.amount_max)
    if p.term_min_months is not None:
        terms["minimumTerm"] = f"{p.term_min_months}M"
    if p.term_max_months is not None:
        terms["maximumTerm"] = f"{p.term_max_months}M"
    record: dict[str, Any] = {
        "productId": product_id(p.code),
        "productGroupId": GROUPS[p.family][1],
        "productDescription": p.name,
        "availableFromDate": p.active_from.isoformat(),
        "ccySpecific": [terms],
    }
    if p.active_to is not None:
        record["availableToDate"] = p.active_to.isoformat()
    return record


def eligible_item(p: ProductSpec) -> dict[str, Any]:
    line, group = GROUPS[p.family]
    return {
        "productLineId": line, "productLineName": line.title(), "productGroupId": group,
        "productGroupName": group.replace(".", " ").title(), "productId": product_id(p.code),
        "productName": p.name, "availableFromDate": p.active_from.isoformat(),
        "currencies": [{"currency": p.currency}],
    }  # fmt: skip


def families(accounts: Iterable[AccountSpec]) -> frozenset[Family]:
    return frozenset(a.family for a in accounts if a.state is not AccountState.CLOSED)
