"""The synthetic bank in FCUBS shapes: Customer-Full, Cust-Account-Full, ACC_BAL, ledger rows.

Conventions (reference flexcube.md; the project's choices are marked so in the README):
CUSTNO is the bank's 9-digit customer number; branches are 3-character codes (``001`` for
the bank's first branch, in `BRANCHES` order); ACC is the bank's account number; ACCLS (the
account class) is the catalog's product code; ACCTYPE ``U`` current, ``S`` savings, ``Y``
term deposit and, for CL-module holdings read through the same queries, ``L`` loan, ``M``
mortgage, ``C`` card (project convention). CURBAL is signed for CASA (negative when
overdrawn) and the outstanding amount (positive) for L/M/C. Dates are ``yyyy-mm-dd``, maker
stamps ``yyyy-mm-dd hh:mm:ss`` in the bank's zone, amounts plain decimals, flags ``Y``/``N``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from xsell_connect_mocks.bank import AccountSpec, CustomerSpec, Family, PostingSpec, ProductSpec
from xsell_connect_mocks.bank.people import BRANCHES
from xsell_connect_mocks.bank.specs import AccountState, PostingKind
from xsell_connect_mocks.bank.timeline import bank_zone
from xsell_connect_mocks.flexcube.soap import Fields

__all__ = [
    "ACCOUNT_TYPES",
    "BRANCH_CODES",
    "NBA_UDFS",
    "acc_bal",
    "acc_class",
    "account_full",
    "customer_full",
    "stamp",
    "txn_row",
]

BRANCH_CODES: dict[str, str] = {code: f"{i:03d}" for i, code in enumerate(BRANCHES, start=1)}
ACCOUNT_TYPES: dict[Family, str] = {
    Family.CURRENT: "U", Family.SAVINGS: "S", Family.TERM_DEPOSIT: "Y",
    Family.LOAN: "L", Family.MORTGAGE: "M", Family.CARD: "C",
}  # fmt: skip
_MODULE = {"U": "CA", "S": "CA", "Y": "TD", "L": "CL", "M": "CL", "C": "CL"}
_CREDIT = frozenset({Family.LOAN, Family.MORTGAGE, Family.CARD})
#: UDFs of function STDCIF that xsell-connect writes (FLDNAM-only until written).
NBA_UDFS = ("NEXT_BEST_ACTION", "NBA_SCORE", "NBA_EXPIRY", "NBA_OFFER_REF")
_TRN_CODES: dict[PostingKind, str] = {
    PostingKind.SALARY: "SAL", PostingKind.CARD_SPEND: "POS", PostingKind.CARD_REPAYMENT: "CRP",
    PostingKind.TRANSFER_IN: "TRI", PostingKind.TRANSFER_OUT: "TRO",
    PostingKind.DIRECT_DEBIT: "DDR", PostingKind.CASH_WITHDRAWAL: "ATM",
    PostingKind.LARGE_DEPOSIT: "CHD", PostingKind.INTEREST: "INT", PostingKind.FEE: "FEE",
    PostingKind.LOAN_DISBURSEMENT: "DSB", PostingKind.LOAN_REPAYMENT: "LRP",
    PostingKind.DEPOSIT_PLACEMENT: "TDP", PostingKind.DEPOSIT_MATURITY: "TDM",
}  # fmt: skip


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def stamp(moment: datetime, zone: str) -> str:
    """A maker/checker stamp: ``yyyy-mm-dd hh:mm:ss`` in the bank's zone."""
    return moment.astimezone(bank_zone(zone)).strftime("%Y-%m-%d %H:%M:%S")


def _udfs(values: Mapping[str, str | None]) -> Fields:
    return [("UDFDETAILS", [("FLDNAM", name), ("FLDVAL", value)] if value else [("FLDNAM", name)])
            for name, value in values.items()]  # fmt: skip


def customer_full(
    c: CustomerSpec, zone: str, written: Mapping[str, str], *, mods: int = 0, modern: bool = False
) -> Fields:
    """Customer-Full in the older XSD's order (NAME first), or the 12.x order and extras."""
    person = c.kind == "PERSON"
    name = " ".join(p for p in (c.first_name, c.last_name) if p) if person else c.organisation_name
    created = stamp(c.created_at, zone) if c.created_at else f"{c.customer_since} 09:00:00"
    consents = {f"MKT_CONSENT_{ch.value}": "Y" if ok else "N" for ch, ok in c.consents}
    udfs = {**consents, "PREF_CHANNEL": c.preferred_channel.value,
            **{n: written.get(n) for n in NBA_UDFS}}  # fmt: skip
    personal: Fields = [("FSTNAME", c.first_name), ("MIDNAME", c.middle_name or None),
                        ("LSTNAME", c.last_name),
                        ("DOB", c.birth_date.isoformat() if c.birth_date else None),
                        ("SEX", c.gender[:1]), ("EMAIL", c.email),
                        ("MOBNUM", c.mobile)]  # fmt: skip
    head: Fields = [("CUSTNO", c.number), ("CTYPE", "I" if person else "C"), ("NAME", name)]
    if not modern:
        head = [head[2], head[0], head[1]]
    fields: Fields = [
        *head,
        ("SNAME", (c.last_name if person else c.organisation_name)[:20].upper()),
        ("FULLNAME", name),
        ("ADDRLN1", c.address_line),
        ("ADDRLN2", f"{c.postcode} {c.city}"),
        ("COUNTRY", c.country),
        ("NLTY", c.nationality),
        ("LANG", c.language.upper()),
        ("LBRN", BRANCH_CODES[c.branch]),
        ("CCATEG", "INDIVIDUAL" if person else "CORPORATE"),
        ("CUSTCLASSFN", "RETAIL" if person else "SME"),
        ("KYCSTAT", c.kyc_status),
        ("MAKER", "SYSTEM"),
        ("MAKERSTAMP", created),
        ("CHECKER", "SYSTEM"),
        ("CHECKERSTAMP", created),
        ("MODNO", str(1 + mods)),
        ("TXNSTAT", "O"),
        ("AUTHSTAT", "A"),
    ]
    if modern:  # 12.x replies: elements the older XSD does not know
        fields.insert(14, ("CIFCREATIONDT", c.customer_since.isoformat()))
        fields.insert(4, ("GENDR", c.gender[:1] or None))
    fields.append(("Custpersonal", personal) if person else
                  ("Custcorp", [("CORPNAME", c.organisation_name)]))  # fmt: skip
    fields.append(("Custmis", [
        ("Customermis", [("MISCLS", "CUST_SEG"), ("MISCD", c.segment)]),
        ("Customermis", [("MISCLS", "RELMGR"), ("MISCD", c.relationship_manager)]),
        ("Customermis", [("MISCLS", "RESIDENCY"), ("MISCD", c.residency)]),
        ("Customermis", [("MISCLS", "CUSTSINCE"), ("MISCD", c.customer_since.isoformat())]),
    ]))  # fmt: skip
    return [*fields, *_udfs(udfs)]


def account_full(a: AccountSpec, c: CustomerSpec, product: ProductSpec) -> Fields:
    """Cust-Account-Full of one holding."""
    closed = a.state in (AccountState.CLOSED, AccountState.MATURED)
    name = " ".join(p for p in (c.first_name, c.last_name) if p) or c.organisation_name
    return [
        ("BRN", BRANCH_CODES[c.branch]), ("ACC", a.number), ("CUSTNO", c.number),
        ("ACCLS", a.product_code), ("CCY", a.currency), ("CUSTNAME", name),
        ("ADESC", product.name), ("ACSTATNODR", "N"), ("ACSTATNOCR", "Y" if closed else "N"),
        ("ACSTATSTPAY", "N"), ("DORM", "Y" if a.state is AccountState.DORMANT else "N"),
        ("FROZEN", "N"), ("ACCTYPE", ACCOUNT_TYPES[a.family]),
        ("ACCOPENDT", a.opened_on.isoformat()), ("ACCSTAT", a.state.value),
        ("RECSTAT", "C" if closed else "O"),
        ("MATDT", a.matures_on.isoformat() if a.matures_on else None),
        ("INTRATE", str(a.rate)), ("ODLIMIT", _money(a.limit) if a.limit else None),
        ("PRINCIPAL", _money(a.principal) if a.principal else None),
        ("MAKER", "SYSTEM"), ("AUTHSTAT", "A"),
    ]  # fmt: skip


def acc_bal(a: AccountSpec, branch: str, balance: Decimal, as_of: str) -> Fields:
    """ACC_BAL: CURBAL signed for CASA, the outstanding amount for CL-module holdings."""
    if a.family in _CREDIT:
        available = a.limit - balance if a.family is Family.CARD else Decimal("0")
    else:
        available = balance
    return [
        ("BRANCH_CODE", branch), ("CUST_AC_NO", a.number), ("CCY", a.currency), ("TRNDT", as_of),
        ("OPNBAL", _money(a.opening_balance)), ("CURBAL", _money(balance)),
        ("AVLBAL", _money(available)), ("UNCOLAMT", "0"),
        ("TODLIMIT", _money(a.limit) if a.family is Family.CURRENT else None),
    ]  # fmt: skip


def _joined(values: Iterable[str]) -> str | None:
    return ",".join(values) or None


def acc_class(p: ProductSpec) -> Fields:
    """Acc-Class-Full: one offerable account class of the bank's catalogue (project convention)."""

    def opt(value: object) -> str | None:
        return None if value is None else str(value)

    kind = ACCOUNT_TYPES[p.family]
    return [
        ("ACCLS", p.code), ("ADESC", p.name), ("FAMILY", p.family.value), ("ACCOUNT_TYPE", kind),
        ("MODULE", _MODULE[kind]), ("CCY", p.currency), ("RATE_MIN", str(p.rate_min)),
        ("RATE_MAX", str(p.rate_max)), ("RATE_DEFAULT", str(p.rate_default)),
        ("AMT_MIN", opt(p.amount_min)), ("AMT_MAX", opt(p.amount_max)),
        ("TERM_MIN", opt(p.term_min_months)), ("TERM_MAX", opt(p.term_max_months)),
        ("MIN_AGE", opt(p.min_age)), ("MAX_AGE", opt(p.max_age)),
        ("CATEGORIES_LIST", _joined(p.segments)), ("RESIDENCY_LIST", _joined(p.residency)),
        ("MIN_BAL", opt(p.min_balance)), ("REQUIRES_LIST", _joined(p.requires_families)),
        ("EXCLUDES_LIST", _joined(p.excludes_families)),
        ("CHANNELS_LIST", _joined(c.value for c in p.channels)),
        ("CUST_TYPES", "C" if p.for_organisations else "I"),
        ("START_DATE", p.active_from.isoformat()),
        ("END_DATE", p.active_to.isoformat() if p.active_to else None), ("VERSION", p.version),
    ]  # fmt: skip


def txn_row(p: PostingSpec, a: AccountSpec, branch: str, zone: str) -> Fields:
    """Acc-Txn-Full: one row of the ACVW_ALL_AC_ENTRIES-style statement (project convention)."""
    local = p.booked_at.astimezone(bank_zone(zone))
    kind = ACCOUNT_TYPES[a.family]
    return [
        ("AC_BRANCH", branch), ("AC_NO", a.number), ("AC_CCY", a.currency),
        ("DRCR_IND", "C" if p.direction == "CRDT" else "D"), ("LCY_AMOUNT", _money(p.amount)),
        ("TRN_REF_NO", p.id), ("TRN_CODE", _TRN_CODES[p.kind]), ("EVENT", "INIT"),
        ("MODULE", "CL" if _MODULE[kind] == "CL" else "DE"),
        ("TRN_DT", local.date().isoformat()), ("VALUE_DT", p.value_date.isoformat()),
        ("EXTERNAL_REF_NO", f"{p.channel or 'INTERNAL'}-{p.id}"),
        ("TRN_DTTM", local.strftime("%Y-%m-%d %H:%M:%S")), ("NARRATIVE", p.description or None),
        ("MCC", p.mcc or None), ("MERCHANT_COUNTRY", p.country or None),
        ("CHANNEL", p.channel or None), ("REVERSAL", "Y" if p.reversal else "N"),
    ]  # fmt: skip
