"""Account: a holding of a party (current, savings, deposit, card, loan, mortgage)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from ._base import PII, CanonicalModel, CurrencyCode, SourceRecord
from .codes import AccountStatus, BalanceType, CashAccountType, HolderRole, ProductFamily

__all__ = ["Account", "AccountHolder", "Balance"]


class Balance(CanonicalModel):
    """A balance, signed from the customer's side.

    Positive: funds the customer holds. Negative: the customer owes the bank (an
    overdrawn current account, the outstanding principal of a loan or card).
    """

    type: BalanceType
    type_raw: str | None = None
    amount: Decimal
    currency: CurrencyCode


class AccountHolder(CanonicalModel):
    party_id: str = Field(min_length=1)
    role: HolderRole = HolderRole.OWNER


class Account(SourceRecord):
    """An account held at the bank.

    ``id`` is the account number as the bank knows it (personal data for logging purposes:
    ids of accounts are never logged above DEBUG); ``interest_rate`` is percent per year;
    ``limit`` is the overdraft or credit limit; ``principal`` the original amount of a loan,
    mortgage or term deposit.
    """

    id: str = Field(min_length=1, json_schema_extra=PII)
    holders: tuple[AccountHolder, ...] = Field(min_length=1)
    product_code: str
    family: ProductFamily
    family_raw: str | None = None
    cash_account_type: CashAccountType
    name: str | None = None
    currency: CurrencyCode
    balances: tuple[Balance, ...] = ()
    status: AccountStatus
    status_raw: str | None = None
    opened_on: date | None = None
    matures_on: date | None = None
    closed_on: date | None = None
    interest_rate: Decimal | None = None
    limit: Decimal | None = None
    principal: Decimal | None = None
    iban: str | None = Field(default=None, json_schema_extra=PII)

    @property
    def party_ids(self) -> tuple[str, ...]:
        return tuple(h.party_id for h in self.holders)

    def balance(self, kind: BalanceType) -> Decimal | None:
        """The amount of the first balance of ``kind``, or None."""
        return next((b.amount for b in self.balances if b.type is kind), None)

    @property
    def booked(self) -> Decimal | None:
        return self.balance(BalanceType.ITBD)

    @property
    def available(self) -> Decimal | None:
        return self.balance(BalanceType.ITAV)
