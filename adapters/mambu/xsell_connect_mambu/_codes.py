"""Mambu's codes against the canonical ones, and the small value readers mapping shares.

Kept apart from ``mapping.py`` so that the functions there stay short; a bank whose tenant
uses other channel ids or product types changes a table here, never an if-chain.
Enumerations: https://api.mambu.com (clients, deposits, loans, transactions, products).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo
from decimal import Decimal, InvalidOperation, getcontext
from typing import Any, ClassVar, Literal

from xsell_connect.mapping import CodeMap, RecordReader
from xsell_connect.models import (
    AccountStatus,
    BankTransactionCode,
    CashAccountType,
    Channel,
    CreditDebit,
    KycStatus,
    PartyStatus,
    PartyType,
    ProductFamily,
    ProductStatus,
)

__all__ = ["Codes", "amount", "extra_fields", "jsonable", "local_day", "trim"]

CRDT, DBIT = CreditDebit.CRDT, CreditDebit.DBIT
_Btc = tuple[str, str, str]


class Codes:
    """Class-level code tables; see each attribute's comment for its source field."""

    # client.state
    CLIENT_STATE: ClassVar[CodeMap[PartyStatus]] = CodeMap(
        {
            "ACTIVE": PartyStatus.ACTIVE,
            "INACTIVE": PartyStatus.INACTIVE,
            "PENDING_APPROVAL": PartyStatus.PENDING,
            "BLACKLISTED": PartyStatus.BLOCKED,
            "EXITED": PartyStatus.CLOSED,
            "REJECTED": PartyStatus.CLOSED,
        },
        PartyStatus.UNKNOWN,
    )
    # _profile.Party_Type (project convention)
    PARTY_TYPE: ClassVar[CodeMap[PartyType]] = CodeMap(
        {"PERSON": PartyType.PERSON, "ORGANISATION": PartyType.ORGANISATION},
        PartyType.UNKNOWN,
    )
    # _profile.KYC_Status (project convention)
    KYC: ClassVar[CodeMap[KycStatus]] = CodeMap(
        {k.value: k for k in KycStatus if k is not KycStatus.UNKNOWN}, KycStatus.UNKNOWN
    )
    # _profile.Preferred_Channel and Consent_<CHANNEL> (project convention)
    CHANNEL: ClassVar[CodeMap[Channel]] = CodeMap(
        {c.value: c for c in Channel if c is not Channel.UNKNOWN}, Channel.UNKNOWN
    )
    # client.preferredLanguage → ISO 639-1
    LANGUAGES: ClassVar[dict[str, str]] = {
        "ENGLISH": "en", "FRENCH": "fr", "SPANISH": "es", "GERMAN": "de", "ITALIAN": "it",
        "PORTUGUESE": "pt", "DUTCH": "nl", "ROMANIAN": "ro", "RUSSIAN": "ru", "POLISH": "pl",
        "SWEDISH": "sv", "CHINESE": "zh", "INDONESIAN": "id", "THAI": "th", "VIETNAMESE": "vi",
    }  # fmt: skip
    # deposit accountType / deposit product type
    DEPOSIT_FAMILY: ClassVar[CodeMap[ProductFamily]] = CodeMap(
        {
            "CURRENT_ACCOUNT": ProductFamily.CURRENT,
            "REGULAR_SAVINGS": ProductFamily.SAVINGS,
            "FIXED_DEPOSIT": ProductFamily.TERM_DEPOSIT,
            "SAVINGS_PLAN": ProductFamily.SAVINGS,
            "INVESTOR_ACCOUNT": ProductFamily.INVESTMENT,
        },
        ProductFamily.UNKNOWN,
    )
    CASH_ACCOUNT_TYPE: ClassVar[CodeMap[CashAccountType]] = CodeMap(
        {
            "CURRENT_ACCOUNT": CashAccountType.CACC,
            "REGULAR_SAVINGS": CashAccountType.SVGS,
            "FIXED_DEPOSIT": CashAccountType.LLSV,
            "SAVINGS_PLAN": CashAccountType.SVGS,
            "INVESTOR_ACCOUNT": CashAccountType.OTHR,
        },
        CashAccountType.UNKNOWN,
    )
    # loan product type, then category; any other loan is a LOAN (every loan product is one)
    LOAN_FAMILY: ClassVar[dict[str, tuple[ProductFamily, CashAccountType]]] = {
        "REVOLVING_CREDIT": (ProductFamily.CARD, CashAccountType.CARD),
        "RETAIL_MORTGAGES": (ProductFamily.MORTGAGE, CashAccountType.LOAN),
    }
    # accountState of deposits and loans
    ACCOUNT_STATUS: ClassVar[CodeMap[AccountStatus]] = CodeMap(
        {
            "ACTIVE": AccountStatus.ENAB,
            "ACTIVE_IN_ARREARS": AccountStatus.ENAB,
            "DORMANT": AccountStatus.DISA,
            "LOCKED": AccountStatus.DISA,
            "MATURED": AccountStatus.DISA,
            "CLOSED": AccountStatus.DELE,
            "CLOSED_WRITTEN_OFF": AccountStatus.DELE,
            "CLOSED_REJECTED": AccountStatus.DELE,
            "WITHDRAWN": AccountStatus.DELE,
            "PARTIAL_APPLICATION": AccountStatus.PEND,
            "PENDING_APPROVAL": AccountStatus.PEND,
            "APPROVED": AccountStatus.PEND,
        },
        AccountStatus.UNKNOWN,
    )
    PRODUCT_STATUS: ClassVar[CodeMap[ProductStatus]] = CodeMap(
        {"ACTIVE": ProductStatus.ACTIVE, "INACTIVE": ProductStatus.INACTIVE},
        ProductStatus.UNKNOWN,
    )
    # transaction type (without _ADJUSTMENT) → direction, customer's side. Loans: a
    # disbursement raises the debt (DBIT), a repayment lowers it (CRDT).
    DEPOSIT_DIRECTION: ClassVar[dict[str, CreditDebit]] = {
        "DEPOSIT": CRDT, "WITHDRAWAL": DBIT, "TRANSFER": DBIT, "FEE_APPLIED": DBIT,
        "FEE_ADJUSTED": CRDT, "FEES_DUE_REDUCED": CRDT, "INTEREST_APPLIED": CRDT,
        "PROFIT_APPLIED": CRDT, "WITHHOLDING_TAX": DBIT, "CARD_TRANSACTION_REVERSAL": CRDT,
        "WRITE_OFF": CRDT, "LOAN_FUNDED": DBIT, "LOAN_REPAID": CRDT,
        "LOAN_FRACTION_BOUGHT": DBIT, "LOAN_FRACTION_SOLD": CRDT, "SEIZED_AMOUNT": DBIT,
        "INTEREST_RATE_CHANGED": CRDT, "OVERDRAFT_INTEREST_RATE_CHANGED": CRDT,
        "OVERDRAFT_LIMIT_CHANGED": CRDT, "BRANCH_CHANGED": CRDT, "ACCOUNT_HOLDER_CHANGED": CRDT,
    }  # fmt: skip
    LOAN_DIRECTION: ClassVar[dict[str, CreditDebit]] = {
        "DISBURSEMENT": DBIT, "REPAYMENT": CRDT, "PAYMENT_MADE": CRDT, "FEE_APPLIED": DBIT,
        "PENALTY_APPLIED": DBIT, "INTEREST_APPLIED": DBIT, "WRITE_OFF": CRDT, "REFUND": CRDT,
        "PRINCIPAL_OVERPAYMENT": CRDT,
    }  # fmt: skip
    # state changes Mambu lists among transactions: no money moves
    INFO_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"INTEREST_RATE_CHANGED", "OVERDRAFT_INTEREST_RATE_CHANGED", "OVERDRAFT_LIMIT_CHANGED",
         "BRANCH_CHANGED", "ACCOUNT_HOLDER_CHANGED"}
    )  # fmt: skip
    REVERSAL_TYPES: ClassVar[frozenset[str]] = frozenset({"CARD_TRANSACTION_REVERSAL"})
    # transactionDetails.transactionChannelId (tenant-configured) → canonical channel
    CHANNEL_IDS: ClassVar[dict[str, str]] = {
        "SEPA_IN": "SEPA", "SEPA_OUT": "SEPA", "SEPA_CT": "SEPA", "SDD": "DIRECT_DEBIT",
        "SEPA_DD": "DIRECT_DEBIT", "CASH": "BRANCH",
    }  # fmt: skip
    # (type, channel, direction) → ISO 20022 domain/family/sub-family; None = any.
    # The proprietary code is always Mambu's own type. Mortgages swap CSLN for MGLN.
    TRANSACTION_CODES: ClassVar[dict[tuple[str, str | None, CreditDebit | None], _Btc]] = {
        ("DEPOSIT", "SEPA", None): ("PMNT", "RCDT", "ESCT"),
        ("DEPOSIT", "BRANCH", None): ("PMNT", "CNTR", "CDPT"),
        ("DEPOSIT", "INTERNAL", None): ("PMNT", "RCDT", "BOOK"),
        ("DEPOSIT", None, None): ("PMNT", "RCDT", "OTHR"),
        ("WITHDRAWAL", "CARD", None): ("PMNT", "CCRD", "POSD"),
        ("WITHDRAWAL", "ATM", None): ("PMNT", "CCRD", "CWDL"),
        ("WITHDRAWAL", "SEPA", None): ("PMNT", "ICDT", "ESCT"),
        ("WITHDRAWAL", "DIRECT_DEBIT", None): ("PMNT", "RDDT", "ESDD"),
        ("WITHDRAWAL", "BRANCH", None): ("PMNT", "CNTR", "CWDL"),
        ("WITHDRAWAL", None, None): ("PMNT", "ICDT", "OTHR"),
        ("TRANSFER", None, DBIT): ("PMNT", "ICDT", "BOOK"),
        ("TRANSFER", None, CRDT): ("PMNT", "RCDT", "BOOK"),
        ("INTEREST_APPLIED", None, CRDT): ("ACMT", "MCOP", "INTR"),
        ("INTEREST_APPLIED", None, DBIT): ("ACMT", "MDOP", "INTR"),
        ("FEE_APPLIED", None, None): ("ACMT", "MDOP", "CHRG"),
        ("FEE_ADJUSTED", None, None): ("ACMT", "MCOP", "CHRG"),
        ("PENALTY_APPLIED", None, None): ("ACMT", "MDOP", "CHRG"),
        ("WITHHOLDING_TAX", None, None): ("ACMT", "MDOP", "TAXE"),
        ("DISBURSEMENT", "CARD", None): ("PMNT", "CCRD", "POSD"),
        ("DISBURSEMENT", "ATM", None): ("PMNT", "CCRD", "CWDL"),
        ("DISBURSEMENT", None, None): ("LDAS", "CSLN", "DDWN"),
        ("REPAYMENT", None, None): ("LDAS", "CSLN", "RPMT"),
        ("PAYMENT_MADE", None, None): ("LDAS", "CSLN", "RPMT"),
        ("PRINCIPAL_OVERPAYMENT", None, None): ("LDAS", "CSLN", "PPAY"),
        ("REFUND", None, None): ("PMNT", "CCRD", "RIMB"),
    }

    _CODE_CACHE: ClassVar[
        dict[tuple[str, str, str | None, CreditDebit, ProductFamily], BankTransactionCode]
    ] = {}

    @classmethod
    def loan_family(
        cls, product_type: str | None, category: str | None
    ) -> tuple[ProductFamily, CashAccountType, str | None]:
        """Family, cash-account type and the raw code that decided them."""
        for raw in (product_type, category):
            if raw is not None and raw.upper() in cls.LOAN_FAMILY:
                return (*cls.LOAN_FAMILY[raw.upper()], raw)
        return ProductFamily.LOAN, CashAccountType.LOAN, product_type

    @classmethod
    def direction(
        cls, kind: Literal["deposit", "loan"], base_type: str, affected: Any = None
    ) -> CreditDebit | None:
        """The direction of a (non-adjustment) type; None when no table knows it.

        A deposit account's ``INTEREST_APPLIED`` is interest paid to the customer, unless
        its ``affectedAmounts`` carry overdraft interest: then the customer is charged.
        """
        table = cls.LOAN_DIRECTION if kind == "loan" else cls.DEPOSIT_DIRECTION
        direction = table.get(base_type.upper())
        if (
            direction is CRDT
            and kind == "deposit"
            and base_type.upper() == "INTEREST_APPLIED"
            and type(affected) is dict
            and any(_nonzero(affected.get(key)) for key in cls.OVERDRAFT_INTEREST)
        ):
            return DBIT
        return direction

    #: ``affectedAmounts`` members that mark a deposit's interest as charged, not paid.
    OVERDRAFT_INTEREST = ("overdraftInterestAmount", "technicalOverdraftInterestAmount")

    @staticmethod
    def opposite(direction: CreditDebit) -> CreditDebit:
        return CRDT if direction is DBIT else DBIT

    @classmethod
    def channel_id(cls, raw: str | None) -> str | None:
        """Canonical channel of a tenant's channel id (``SEPA_IN`` → ``SEPA``)."""
        if raw is None or not raw.strip():
            return None
        text = raw.strip().upper()
        return cls.CHANNEL_IDS.get(text, text)

    @classmethod
    def transaction_code(
        cls,
        raw_type: str,
        base_type: str,
        channel: str | None,
        direction: CreditDebit,
        family: ProductFamily,
    ) -> BankTransactionCode:
        """The ISO code of a type in a channel, most specific entry first.

        Codes are frozen models, so one instance per distinct argument tuple is shared.
        """
        key = (raw_type, base_type, channel, direction, family)
        code = cls._CODE_CACHE.get(key)
        if code is None:
            code = cls._transaction_code(raw_type, base_type, channel, direction, family)
            if len(cls._CODE_CACHE) < 4096:  # raw types come from the core: keep it bounded
                cls._CODE_CACHE[key] = code
        return code

    @classmethod
    def _transaction_code(
        cls,
        raw_type: str,
        base_type: str,
        channel: str | None,
        direction: CreditDebit,
        family: ProductFamily,
    ) -> BankTransactionCode:
        base = base_type.upper()
        for key in ((base, channel, direction), (base, channel, None), (base, None, direction),
                    (base, None, None)):  # fmt: skip
            found = cls.TRANSACTION_CODES.get(key)
            if found is not None:
                domain, fam, sub = found
                if family is ProductFamily.MORTGAGE and fam == "CSLN":
                    fam = "MGLN"
                return BankTransactionCode(
                    domain=domain, family=fam, sub_family=sub, proprietary=raw_type
                )
        return BankTransactionCode.unknown(raw_type)


def trim(value: Decimal) -> Decimal:
    """Trailing zeros dropped, never an exponent: ``50.010000000`` → ``50.01``, 1E+3 → 1000.

    Mambu trims its own output the same way (reference §1, Amounts).
    """
    if _is_trimmed(str(value)):
        return value
    if value.is_zero():
        return Decimal(0)
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def trim_text(value: Decimal) -> str:
    """``str(trim(value))``, with the text of an already-trimmed value made only once."""
    text = str(value)
    return text if _is_trimmed(text) else str(trim(value))


def _is_trimmed(text: str) -> bool:
    """Hot path: a short plain fraction with no trailing zero (``2980.81``) is already
    trimmed, as long as normalize() would not round it (context precision >= 20)."""
    return (
        text[-1] != "0"
        and "." in text
        and "E" not in text
        and len(text) <= 20
        and getcontext().prec >= 20
    )


def amount(r: RecordReader, key: str, *, required: bool = False) -> Decimal | None:
    """A trimmed number at ``key``; MappingError with the path when it is not one."""
    value = r.number(key, required=required)
    return None if value is None else trim(value)


def local_day(
    r: RecordReader, key: str, tz: tzinfo | None, *, required: bool = False
) -> date | None:
    """The date of a datetime field in the tenant's zone (as written when ``tz`` is None)."""
    stamp = r.timestamp(key, required=required)
    if stamp is None:
        return None
    return (stamp.astimezone(tz) if tz is not None else stamp).date()


def jsonable(value: Any) -> Any:
    """``extra`` must be JSON-compatible: Decimals become their text."""
    # Exact-type checks first: abc.Mapping's isinstance is slow on the hot path.
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is Decimal:
        return trim_text(value)
    if kind is dict:
        return {
            k if type(k) is str else str(k): v
            if type(v) is int or type(v) is str or v is None
            else trim_text(v)
            if type(v) is Decimal
            else jsonable(v)
            for k, v in value.items()
        }
    if isinstance(value, Decimal):
        return trim_text(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def extra_fields(raw: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """The listed vendor fields that are present, JSON-compatible (never personal data)."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        return {}
    return {k: jsonable(raw[k]) for k in keys if raw.get(k) is not None}


def _nonzero(value: Any) -> bool:
    """A number other than zero (JSON number, Decimal or numeric text); False otherwise."""
    if value is None or value == "" or isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)) != 0
    except InvalidOperation:
        return False
