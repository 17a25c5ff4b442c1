"""Code lists of the canonical model.

Where ISO 20022 has a list, its codes are used as they are (cash account types,
balance types, credit/debit, entry status, bank transaction codes); every coded field
has a ``*_raw`` twin holding the core's own code, and every list has ``UNKNOWN`` for
codes a core sends that no table knows yet.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AccountStatus",
    "BalanceType",
    "CashAccountType",
    "Channel",
    "ContactKind",
    "CreditDebit",
    "EntryStatus",
    "HolderRole",
    "KycStatus",
    "PartyStatus",
    "PartyType",
    "ProductFamily",
    "ProductStatus",
]


class PartyType(StrEnum):
    PERSON = "PERSON"
    ORGANISATION = "ORGANISATION"
    UNKNOWN = "UNKNOWN"


class PartyStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    PENDING = "PENDING"
    BLOCKED = "BLOCKED"
    CLOSED = "CLOSED"
    UNKNOWN = "UNKNOWN"


class KycStatus(StrEnum):
    VERIFIED = "VERIFIED"
    PENDING = "PENDING"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


class Channel(StrEnum):
    """Contact channels, used for consents, preferences and offers."""

    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    PHONE = "PHONE"
    POST = "POST"
    BRANCH = "BRANCH"
    WEB = "WEB"
    UNKNOWN = "UNKNOWN"


class ContactKind(StrEnum):
    EMAIL = "EMAIL"
    MOBILE = "MOBILE"
    PHONE = "PHONE"
    UNKNOWN = "UNKNOWN"


class ProductFamily(StrEnum):
    CURRENT = "CURRENT"
    SAVINGS = "SAVINGS"
    TERM_DEPOSIT = "TERM_DEPOSIT"
    CARD = "CARD"
    LOAN = "LOAN"
    MORTGAGE = "MORTGAGE"
    INVESTMENT = "INVESTMENT"
    INSURANCE = "INSURANCE"
    UNKNOWN = "UNKNOWN"


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    UNKNOWN = "UNKNOWN"


class CashAccountType(StrEnum):
    """ISO 20022 ExternalCashAccountType1Code (the subset banks' retail books use)."""

    CACC = "CACC"  # current
    CARD = "CARD"  # card account
    LLSV = "LLSV"  # limited-liquidity savings: term deposits
    LOAN = "LOAN"  # loans and mortgages
    MOMA = "MOMA"  # money market
    ODFT = "ODFT"  # overdraft
    SVGS = "SVGS"  # savings
    SLRY = "SLRY"  # salary
    TRAN = "TRAN"  # transacting
    OTHR = "OTHR"  # other, known
    UNKNOWN = "UNKNOWN"


class AccountStatus(StrEnum):
    """ISO 20022 AccountStatus codes: enabled, disabled, deleted, pro-forma, pending."""

    ENAB = "ENAB"
    DISA = "DISA"
    DELE = "DELE"
    FORM = "FORM"
    PEND = "PEND"
    UNKNOWN = "UNKNOWN"


class BalanceType(StrEnum):
    """ISO 20022 BalanceType12Code (subset). Adapters give ITBD and ITAV at least."""

    ITBD = "ITBD"  # interim booked: the ledger balance now
    ITAV = "ITAV"  # interim available: what can be spent now
    CLBD = "CLBD"  # closing booked
    CLAV = "CLAV"  # closing available
    OPBD = "OPBD"  # opening booked
    FWAV = "FWAV"  # forward available
    INFO = "INFO"  # information only (locked, on hold, ...)
    UNKNOWN = "UNKNOWN"


class HolderRole(StrEnum):
    OWNER = "OWNER"
    JOINT_OWNER = "JOINT_OWNER"
    GUARANTOR = "GUARANTOR"
    AUTHORISED = "AUTHORISED"
    UNKNOWN = "UNKNOWN"


class CreditDebit(StrEnum):
    """ISO 20022 CreditDebitCode."""

    CRDT = "CRDT"
    DBIT = "DBIT"


class EntryStatus(StrEnum):
    """ISO 20022 ExternalEntryStatus1Code."""

    BOOK = "BOOK"
    PDNG = "PDNG"
    INFO = "INFO"
    FUTR = "FUTR"
    RJCT = "RJCT"
    UNKNOWN = "UNKNOWN"
