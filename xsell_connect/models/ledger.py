"""LedgerEntry: one posting on an account, in ISO 20022 camt.053 terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import AwareDatetime, Field

from ._base import PII, CanonicalModel, CountryCode, CurrencyCode, SourceRecord
from .codes import CreditDebit, EntryStatus

__all__ = ["BankTransactionCode", "LedgerEntry"]


class BankTransactionCode(CanonicalModel):
    """ISO 20022 bank transaction code (domain / family / sub-family) plus the core's own."""

    domain: str = Field(pattern=r"^[A-Z]{4}$")
    family: str = Field(pattern=r"^[A-Z]{4}$")
    sub_family: str = Field(pattern=r"^[A-Z]{4}$")
    proprietary: str | None = None

    @classmethod
    def unknown(cls, proprietary: str | None = None) -> BankTransactionCode:
        """ISO's "not available" code, keeping the core's code beside it."""
        return cls(domain="XTND", family="NTAV", sub_family="NTAV", proprietary=proprietary)


class LedgerEntry(SourceRecord):
    """A posting. ``amount`` is never negative: the direction is ``credit_debit``.

    ``balance_after`` is signed from the customer's side, as ``Balance.amount``.
    """

    id: str = Field(min_length=1)
    account_id: str = Field(min_length=1, json_schema_extra=PII)
    amount: Decimal = Field(ge=0)
    currency: CurrencyCode
    credit_debit: CreditDebit
    status: EntryStatus = EntryStatus.BOOK
    status_raw: str | None = None
    booking_date: date
    value_date: date
    booked_at: AwareDatetime | None = None
    bank_transaction_code: BankTransactionCode
    description: str | None = None
    counterparty: str | None = Field(default=None, json_schema_extra=PII)
    merchant_category_code: str | None = Field(default=None, pattern=r"^\d{4}$")
    merchant_country: CountryCode | None = None
    channel: str | None = None
    balance_after: Decimal | None = None
    reversal: bool = False

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.credit_debit is CreditDebit.CRDT else -self.amount
