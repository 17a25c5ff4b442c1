"""Bank specs → Mambu v2 clients and accounts. Pure functions, no I/O; see the package
docstring for the project conventions (``_profile``, organisations, balances). Products
render in `products`, transactions in `render_ledger`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from xsell_connect_mocks.bank.specs import (
    AccountSpec,
    AccountState,
    CustomerSpec,
    Family,
    ProductSpec,
)
from xsell_connect_mocks.mambu.wire import format_date, format_datetime

__all__ = [
    "DEPOSIT_FAMILIES",
    "LOAN_FAMILIES",
    "ZERO",
    "RenderContext",
    "client",
    "customer_created",
    "deposit",
    "drop_none",
    "loan",
]

#: Bank family -> Mambu deposit account / product type.
DEPOSIT_FAMILIES: dict[Family, str] = {
    Family.CURRENT: "CURRENT_ACCOUNT",
    Family.SAVINGS: "REGULAR_SAVINGS",
    Family.TERM_DEPOSIT: "FIXED_DEPOSIT",
    Family.INVESTMENT: "INVESTOR_ACCOUNT",
}
#: Bank family -> Mambu loan product (type, category).
LOAN_FAMILIES: dict[Family, tuple[str, str]] = {
    Family.LOAN: ("FIXED_TERM_LOAN", "PERSONAL_LENDING"),
    Family.MORTGAGE: ("FIXED_TERM_LOAN", "RETAIL_MORTGAGES"),
    Family.CARD: ("REVOLVING_CREDIT", "PURCHASE_FINANCING"),
}
_DEPOSIT_STATES: dict[AccountState, str] = {
    AccountState.ACTIVE: "ACTIVE",
    AccountState.DORMANT: "DORMANT",
    AccountState.MATURED: "MATURED",
    AccountState.CLOSED: "CLOSED",
}
#: Loan state -> (accountState, accountSubState or None).
_LOAN_STATES: dict[AccountState, tuple[str, str | None]] = {
    AccountState.ACTIVE: ("ACTIVE", None),
    AccountState.DORMANT: ("ACTIVE", None),
    AccountState.MATURED: ("CLOSED", "REPAID"),
    AccountState.CLOSED: ("CLOSED", "REPAID"),
}
_LANGUAGES: dict[str, str] = {
    "fr": "FRENCH",
    "en": "ENGLISH",
    "es": "SPANISH",
    "de": "GERMAN",
    "it": "ITALIAN",
    "pt": "PORTUGUESE",
    "nl": "DUTCH",
    "ro": "ROMANIAN",
    "ru": "RUSSIAN",
    "pl": "POLISH",
}
_UNKNOWN_LANGUAGE = "ENGLISH"

_OPENING_TIME = time(9, 0)
ZERO = Decimal("0")


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs besides the spec: the tenant zone and the key function."""

    tz: tzinfo
    key: Callable[[str, str], str]  # (kind, id) -> encodedKey
    as_of: date

    def stamp(self, value: datetime | date | None) -> str | None:
        """A datetime (or a date, at 09:00 local) in the tenant zone with its offset."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            value = datetime.combine(value, _OPENING_TIME, self.tz)
        return format_datetime(value, self.tz)


def drop_none(record: dict[str, Any]) -> dict[str, Any]:
    """The record without its None values."""
    return {k: v for k, v in record.items() if v is not None}


def customer_created(spec: CustomerSpec, ctx: RenderContext) -> datetime:
    """When the client record was created in the core."""
    return spec.created_at or datetime.combine(spec.customer_since, _OPENING_TIME, ctx.tz)


def client(
    spec: CustomerSpec,
    ctx: RenderContext,
    *,
    details: bool,
    xsell: dict[str, str] | None = None,
    modified: datetime | None = None,
) -> dict[str, Any]:
    """A client. Organisations: ``firstName`` "-", ``lastName`` = organisation name."""
    key = ctx.key("client", spec.number)
    organisation = spec.kind == "ORGANISATION"
    created = customer_created(spec, ctx)
    record: dict[str, Any] = {
        "encodedKey": key,
        "id": spec.number,
        "state": "ACTIVE",
        "creationDate": ctx.stamp(created),
        "lastModifiedDate": ctx.stamp(modified or created),
        "approvedDate": ctx.stamp(created),
        "activationDate": ctx.stamp(created),
        "firstName": "-" if organisation else spec.first_name,
        "middleName": (spec.middle_name or None) if not organisation else None,
        "lastName": spec.organisation_name if organisation else spec.last_name,
        "preferredLanguage": _LANGUAGES.get(spec.language.lower(), _UNKNOWN_LANGUAGE),
        "birthDate": format_date(spec.birth_date) if spec.birth_date else None,
        "gender": spec.gender or None,
        "assignedBranchKey": ctx.key("branch", spec.branch),
        "assignedUserKey": ctx.key("user", spec.relationship_manager),
        "clientRoleKey": ctx.key("client_role", spec.kind),
        "loanCycle": 0,
        "groupLoanCycle": 0,
    }
    if details:
        record["mobilePhone"] = spec.mobile or None
        record["emailAddress"] = spec.email or None
        record["addresses"] = [_address(spec, key, ctx)]
        record["idDocuments"] = [_id_document(spec, key, ctx)]
        if xsell:
            record["_xsell"] = dict(xsell)
        record["_profile"] = _profile(spec)
    return drop_none(record)


def _address(spec: CustomerSpec, client_key: str, ctx: RenderContext) -> dict[str, Any]:
    return {
        "encodedKey": ctx.key("address", spec.number),
        "parentKey": client_key,
        "line1": spec.address_line,
        "city": spec.city,
        "postcode": spec.postcode,
        "country": spec.country,
        "indexInList": 0,
    }


def _id_document(spec: CustomerSpec, client_key: str, ctx: RenderContext) -> dict[str, Any]:
    organisation = spec.kind == "ORGANISATION"
    return {
        "encodedKey": ctx.key("id_document", spec.number),
        "clientKey": client_key,
        "documentType": "COMPANY_REGISTRATION" if organisation else "NATIONAL_ID",
        "documentId": f"{spec.country}{spec.number}",
        "issuingAuthority": spec.country,
        "indexInList": 0,
    }


def _profile(spec: CustomerSpec) -> dict[str, str]:
    profile = {
        "Party_Type": spec.kind,
        "Segment": spec.segment,
        "KYC_Status": spec.kyc_status,
        "Relationship_Manager": spec.relationship_manager,
        "Branch_Code": spec.branch,
        "Customer_Since": format_date(spec.customer_since),
        "Preferred_Channel": spec.preferred_channel.value,
        "Nationality": spec.nationality,
        "Residency": spec.residency,
    }
    for channel, consent in spec.consents:
        profile[f"Consent_{channel.value}"] = "TRUE" if consent else "FALSE"
    return {k: v for k, v in profile.items() if v != ""}


def _account_common(spec: AccountSpec, ctx: RenderContext, holder_number: str) -> dict[str, Any]:
    return {
        "encodedKey": ctx.key("account", spec.number),
        "id": spec.number,
        "accountHolderType": "CLIENT",
        "accountHolderKey": ctx.key("client", holder_number),
        "productTypeKey": ctx.key("product", spec.product_code),
        "currencyCode": spec.currency,
        "creationDate": ctx.stamp(spec.opened_on),
        "approvedDate": ctx.stamp(spec.opened_on),
        "activationDate": ctx.stamp(spec.opened_on),
        "lastModifiedDate": ctx.stamp(spec.closed_on or spec.opened_on),
        "closedDate": ctx.stamp(spec.closed_on),
    }


def deposit(
    spec: AccountSpec,
    product: ProductSpec,
    holder: CustomerSpec,
    balance: Decimal,
    ctx: RenderContext,
) -> dict[str, Any]:
    """A deposit account. ``totalBalance`` is signed; ``overdraftAmount`` is the overdrawn
    part."""
    record = _account_common(spec, ctx, holder.number)
    record.update(
        name=product.name,
        accountType=DEPOSIT_FAMILIES[spec.family],
        accountState=_DEPOSIT_STATES[spec.state],
        assignedBranchKey=ctx.key("branch", holder.branch),
        maturityDate=ctx.stamp(spec.matures_on),
        balances={
            "totalBalance": balance,
            "availableBalance": balance,
            "lockedBalance": ZERO,
            "holdBalance": ZERO,
            "overdraftAmount": max(-balance, ZERO),
            "technicalOverdraftAmount": ZERO,
            "feesDue": ZERO,
            "overdraftInterestDue": ZERO,
        },
        accruedAmounts={"interestAccrued": ZERO, "overdraftInterestAccrued": ZERO},
        interestSettings={
            "interestRateSettings": {
                "interestRate": spec.rate,
                "interestRateTerms": "FIXED",
                "interestChargeFrequency": "ANNUALIZED",
            }
        },
        overdraftSettings={
            "allowOverdraft": spec.limit > 0,
            "overdraftLimit": spec.limit,
        },
    )
    return drop_none(record)


def loan(
    spec: AccountSpec,
    product: ProductSpec,
    holder: CustomerSpec,
    balance: Decimal,
    ctx: RenderContext,
) -> dict[str, Any]:
    """A loan account; cards are revolving credit whose ``loanAmount`` is the limit."""
    state, sub_state = _LOAN_STATES[spec.state]
    outstanding = abs(balance)
    amount = spec.limit if spec.family is Family.CARD else spec.principal
    record = _account_common(spec, ctx, holder.number)
    record.update(
        loanName=product.name,
        accountState=state,
        accountSubState=sub_state,
        assignedBranchKey=ctx.key("branch", holder.branch),
        loanAmount=amount,
        daysInArrears=0,
        daysLate=0,
        disbursementDetails={"disbursementDate": ctx.stamp(spec.opened_on)},
        scheduleSettings=_schedule(spec),
        balances={
            "principalBalance": outstanding,
            "principalDue": ZERO,
            "principalPaid": max(amount - outstanding, ZERO),
            "interestBalance": ZERO,
            "interestDue": ZERO,
            "interestPaid": ZERO,
            "feesBalance": ZERO,
            "feesDue": ZERO,
            "feesPaid": ZERO,
            "penaltyBalance": ZERO,
            "penaltyDue": ZERO,
            "penaltyPaid": ZERO,
            "holdBalance": ZERO,
            "redrawBalance": ZERO,
        },
        interestSettings={
            "interestRate": spec.rate,
            "interestRateSource": "FIXED_INTEREST_RATE",
            "interestCalculationMethod": "DECLINING_BALANCE",
        },
    )
    if spec.matures_on is not None:
        record["maturityDate"] = ctx.stamp(spec.matures_on)
    return drop_none(record)


def _schedule(spec: AccountSpec) -> dict[str, Any]:
    if spec.matures_on is None:
        return {"repaymentPeriodUnit": "MONTHS", "repaymentPeriodCount": 1}
    months = (spec.matures_on.year - spec.opened_on.year) * 12 + (
        spec.matures_on.month - spec.opened_on.month
    )
    return {
        "repaymentPeriodUnit": "MONTHS",
        "repaymentPeriodCount": 1,
        "repaymentInstallments": max(months, 1),
    }
