"""The synthetic bank's truth, independent of any vendor's wire format.

Every mock core renders these records in its own vendor's shape, and every adapter maps
the vendor's shape back to the canonical model: so reading the same bank through any two
adapters must give the same canonical parties, balances, postings and products (DESIGN §4).

Money is ``Decimal`` with two places; datetimes are timezone-aware in the bank's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "AccountSpec",
    "AccountState",
    "BankConfig",
    "Channel",
    "CustomerSpec",
    "Family",
    "Persona",
    "PostingKind",
    "PostingSpec",
    "ProductSpec",
]


class Family(StrEnum):
    CURRENT = "CURRENT"
    SAVINGS = "SAVINGS"
    TERM_DEPOSIT = "TERM_DEPOSIT"
    CARD = "CARD"
    LOAN = "LOAN"
    MORTGAGE = "MORTGAGE"
    INVESTMENT = "INVESTMENT"
    INSURANCE = "INSURANCE"


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    PHONE = "PHONE"
    POST = "POST"
    BRANCH = "BRANCH"


class AccountState(StrEnum):
    ACTIVE = "ACTIVE"
    DORMANT = "DORMANT"
    MATURED = "MATURED"
    CLOSED = "CLOSED"


class Persona(StrEnum):
    """Behaviour patterns that drive the postings (a customer may have several)."""

    SALARIED = "SALARIED"  # monthly salary credit on the current account
    SAVER = "SAVER"  # persistent surplus balance, regular transfers to savings
    OVERDRAFT_PRONE = "OVERDRAFT_PRONE"  # repeatedly dips below zero before payday
    CARD_HEAVY = "CARD_HEAVY"  # high card utilisation, repays in full
    BORROWER = "BORROWER"  # personal loan with monthly repayments
    HOMEOWNER = "HOMEOWNER"  # mortgage repayments; home-improvement purchases
    TERM_DEPOSITOR = "TERM_DEPOSITOR"  # holds a term deposit, some mature in the window
    LARGE_DEPOSIT = "LARGE_DEPOSIT"  # one large one-off credit (inheritance, bonus, sale)
    TRAVELLER = "TRAVELLER"  # first international card transaction in the window
    DRIFTING = "DRIFTING"  # activity decays toward dormancy over the twelve months
    LOAN_REPAID = "LOAN_REPAID"  # a loan paid off inside the window


class PostingKind(StrEnum):
    SALARY = "SALARY"
    CARD_SPEND = "CARD_SPEND"
    CARD_REPAYMENT = "CARD_REPAYMENT"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"
    DIRECT_DEBIT = "DIRECT_DEBIT"
    CASH_WITHDRAWAL = "CASH_WITHDRAWAL"
    LARGE_DEPOSIT = "LARGE_DEPOSIT"
    INTEREST = "INTEREST"
    FEE = "FEE"
    LOAN_DISBURSEMENT = "LOAN_DISBURSEMENT"
    LOAN_REPAYMENT = "LOAN_REPAYMENT"
    DEPOSIT_PLACEMENT = "DEPOSIT_PLACEMENT"
    DEPOSIT_MATURITY = "DEPOSIT_MATURITY"


@dataclass(frozen=True)
class BankConfig:
    """Everything that determines the bank. Same config, same bank, byte for byte."""

    seed: int = 7
    customers: int = 1000
    months: int = 12
    as_of: date = date(2026, 10, 31)  # last business day rendered; history ends here
    currency: str = "EUR"
    timezone: str = "Europe/Paris"
    country: str = "FR"


@dataclass(frozen=True)
class ProductSpec:
    code: str  # e.g. "SAVINGS_PLUS"; mocks may re-spell it in their own style
    name: str
    family: Family
    currency: str
    version: str  # catalog terms version, e.g. "2026-01"
    rate_min: Decimal
    rate_max: Decimal
    rate_default: Decimal
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    term_min_months: int | None = None
    term_max_months: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    segments: tuple[str, ...] = ()  # empty = all segments
    residency: tuple[str, ...] = ()  # ISO 3166 alpha-2; empty = any
    min_balance: Decimal | None = None
    requires_families: tuple[Family, ...] = ()
    excludes_families: tuple[Family, ...] = ()
    channels: tuple[Channel, ...] = ()
    active_from: date = date(2020, 1, 1)
    active_to: date | None = None
    for_organisations: bool = False


@dataclass(frozen=True)
class CustomerSpec:
    index: int  # 0 .. customers-1
    number: str  # neutral CIF number, digits only, e.g. "100000123"
    kind: str  # "PERSON" | "ORGANISATION"
    first_name: str  # persons; "" for organisations
    middle_name: str
    last_name: str
    organisation_name: str  # organisations; "" for persons
    birth_date: date | None  # persons only
    gender: str  # "MALE" | "FEMALE" | "" (organisations)
    segment: str  # "MASS" | "AFFLUENT" | "PRIVATE" | "SME"
    branch: str  # branch code, e.g. "PAR01"
    kyc_status: str  # "VERIFIED" | "PENDING" | "EXPIRED"
    relationship_manager: str  # staff code, e.g. "RM017"
    customer_since: date
    email: str
    mobile: str  # E.164
    address_line: str
    city: str
    postcode: str
    country: str  # ISO 3166 alpha-2
    nationality: str
    residency: str
    language: str  # ISO 639-1, e.g. "fr"
    preferred_channel: Channel
    consents: tuple[tuple[Channel, bool], ...]  # marketing consent per channel
    personas: frozenset[Persona] = field(default_factory=frozenset)
    created_at: datetime | None = None  # record creation in the core (tz-aware)


@dataclass(frozen=True)
class AccountSpec:
    number: str  # neutral account number, digits only, unique in the bank
    customer_index: int
    family: Family
    product_code: str
    currency: str
    opened_on: date
    state: AccountState
    rate: Decimal  # percent per year
    limit: Decimal = Decimal("0")  # overdraft limit (current) or credit limit (card)
    principal: Decimal = Decimal("0")  # loans, mortgages, term deposits
    opening_balance: Decimal = Decimal("0")  # balance at the start of the history window
    matures_on: date | None = None
    closed_on: date | None = None


@dataclass(frozen=True)
class PostingSpec:
    id: str  # unique in the bank, stable across runs
    account_number: str
    booked_at: datetime  # tz-aware, bank zone
    value_date: date
    amount: Decimal  # positive
    direction: str  # "CRDT" | "DBIT"
    kind: PostingKind
    description: str
    counterparty: str = ""
    mcc: str = ""  # ISO 18245 merchant category code for card postings
    channel: str = ""  # "CARD" | "SEPA" | "ATM" | "BRANCH" | "INTERNAL" | "ONLINE"
    country: str = ""  # merchant country for card postings (ISO alpha-2)
    balance_after: Decimal = Decimal("0")
    reversal: bool = False
