"""Canonical models: what every adapter reads into and writes from (DESIGN §2)."""

from ._base import PII, CanonicalModel, CountryCode, CurrencyCode, Money, SourceRecord, pii_fields
from .account import Account, AccountHolder, Balance
from .audit import AUDIT_FIELDS, AuditOutcome, AuditRecord
from .codes import (
    AccountStatus,
    BalanceType,
    CashAccountType,
    Channel,
    ContactKind,
    CreditDebit,
    EntryStatus,
    HolderRole,
    KycStatus,
    PartyStatus,
    PartyType,
    ProductFamily,
    ProductStatus,
)
from .events import EVENT_NAMESPACE, CanonicalEvent, EventType, event_id
from .ledger import BankTransactionCode, LedgerEntry
from .party import Consent, ContactPoint, Party, PostalAddress
from .product import AmountBounds, EligibilityRules, Product, RateBounds, TermBounds
from .writeback import (
    NBA_CODE_PATTERN,
    NextBestAction,
    Offer,
    OfferPricing,
    OfferStatus,
    WriteReceipt,
)

#: Every model whose JSON Schema is published under openapi/schemas/.
SCHEMA_MODELS = (
    Party,
    Account,
    LedgerEntry,
    Product,
    CanonicalEvent,
    Offer,
    NextBestAction,
    AuditRecord,
    WriteReceipt,
)

__all__ = [
    "AUDIT_FIELDS",
    "EVENT_NAMESPACE",
    "NBA_CODE_PATTERN",
    "PII",
    "SCHEMA_MODELS",
    "Account",
    "AccountHolder",
    "AccountStatus",
    "AmountBounds",
    "AuditOutcome",
    "AuditRecord",
    "Balance",
    "BalanceType",
    "BankTransactionCode",
    "CanonicalEvent",
    "CanonicalModel",
    "CashAccountType",
    "Channel",
    "Consent",
    "ContactKind",
    "ContactPoint",
    "CountryCode",
    "CreditDebit",
    "CurrencyCode",
    "EligibilityRules",
    "EntryStatus",
    "EventType",
    "HolderRole",
    "KycStatus",
    "LedgerEntry",
    "Money",
    "NextBestAction",
    "Offer",
    "OfferPricing",
    "OfferStatus",
    "Party",
    "PartyStatus",
    "PartyType",
    "PostalAddress",
    "Product",
    "ProductFamily",
    "ProductStatus",
    "RateBounds",
    "SourceRecord",
    "TermBounds",
    "WriteReceipt",
    "event_id",
    "pii_fields",
]
