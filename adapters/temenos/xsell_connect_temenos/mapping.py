"""Transact provider-API records → canonical models. Pure functions, no I/O.

Amounts arrive as numbers or strings depending on the resource (reference §1) and go
through one reader (``RecordReader.number``). Multi-value fields are arrays of single-key
objects (``customerNames[{customerName}]``). Balances are signed as Transact signs them,
which is the customer's side: a loan's ``workingBalance`` is negative. Vendor fields with
no canonical slot go into ``extra``, never personal data.

Project conventions (documented in the README, shared with the mock): product ids are the
bank's codes spelt with dots (``FIXED.DEPOSIT.12M`` ↔ ``FIXED_DEPOSIT_12M``); the family
comes from ``productGroupId``; an organisation is a customer whose ``sectorId`` is one of
the configured organisation sectors; ``target`` numbers are segments.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pydantic

from xsell_connect.mapping import CodeMap, RecordReader, build_model, country_code
from xsell_connect.models import (
    Account,
    AccountHolder,
    AccountStatus,
    AmountBounds,
    Balance,
    BalanceType,
    BankTransactionCode,
    CashAccountType,
    ContactKind,
    ContactPoint,
    CreditDebit,
    KycStatus,
    LedgerEntry,
    Party,
    PartyStatus,
    PartyType,
    PostalAddress,
    Product,
    ProductFamily,
    RateBounds,
    TermBounds,
)

from ._ledger_fast import Slow, ledger_entry_fast

__all__ = [
    "FAMILIES",
    "canonical_product_code",
    "to_account",
    "to_ledger_entry",
    "to_party",
    "to_product",
    "transact_product_id",
]

PLATFORM = "temenos"
F = ProductFamily
FAMILIES: CodeMap[ProductFamily] = CodeMap(
    {
        "CURRENT.ACCOUNTS": F.CURRENT, "SAVINGS.ACCOUNTS": F.SAVINGS,
        "FIXED.DEPOSITS": F.TERM_DEPOSIT, "TERM.DEPOSITS": F.TERM_DEPOSIT,
        "CREDIT.CARDS": F.CARD, "PERSONAL.LOANS": F.LOAN, "MORTGAGES": F.MORTGAGE,
    },
    F.UNKNOWN,
)  # fmt: skip
_CASH_TYPES = {
    F.CURRENT: CashAccountType.CACC, F.SAVINGS: CashAccountType.SVGS,
    F.TERM_DEPOSIT: CashAccountType.LLSV, F.CARD: CashAccountType.CARD,
    F.LOAN: CashAccountType.LOAN, F.MORTGAGE: CashAccountType.LOAN,
}  # fmt: skip
_ARRANGEMENT_STATUS: CodeMap[AccountStatus] = CodeMap(
    {"CURRENT": AccountStatus.ENAB, "AUTH": AccountStatus.ENAB, "UNAUTH": AccountStatus.PEND,
     "MATURED": AccountStatus.DISA, "EXPIRED": AccountStatus.DISA, "CLOSE": AccountStatus.DELE,
     "PENDING.CLOSURE": AccountStatus.DISA},
    AccountStatus.UNKNOWN,
)  # fmt: skip
#: T24 CUSTOMER.STATUS (numeric in the record, reference §2.1).
_CUSTOMER_STATUS: CodeMap[PartyStatus] = CodeMap(
    {"1": PartyStatus.ACTIVE, "2": PartyStatus.INACTIVE, "3": PartyStatus.PENDING,
     "4": PartyStatus.BLOCKED, "5": PartyStatus.CLOSED},
    PartyStatus.UNKNOWN,
)  # fmt: skip
_SEGMENTS = {"1": "MASS", "2": "AFFLUENT", "3": "PRIVATE", "4": "SME"}
_LANGUAGES = {"1": "en", "2": "fr", "3": "de", "4": "es", "5": "it", "6": "nl", "7": "pt"}
#: The bank's TRANSACTION codes (project convention) → ISO 20022 domain/family/sub-family.
_BTC: dict[str, tuple[str, str, str]] = {
    "210": ("PMNT", "RCDT", "ESCT"), "211": ("PMNT", "ICDT", "ESCT"),
    "212": ("PMNT", "IDDT", "ESDD"), "213": ("PMNT", "RCDT", "SALA"),
    "214": ("PMNT", "RCDT", "ESCT"), "311": ("PMNT", "CCRD", "CWDL"),
    "312": ("PMNT", "CCRD", "POSD"), "313": ("PMNT", "RCDT", "ESCT"),
    "400": ("ACMT", "MDOP", "INTR"), "401": ("ACMT", "MDOP", "CHRG"),
    "500": ("LDAS", "CSLN", "DDWN"), "501": ("LDAS", "CSLN", "RPYM"),
    "600": ("LDAS", "FTDP", "DPST"), "601": ("LDAS", "FTDP", "RPMT"),
}  # fmt: skip
_EXTRA_PARTY = ("customerMnemonic", "sectorId", "industryId", "companyId", "customerCompany")


def canonical_product_code(product_id: str) -> str:
    """``FIXED.DEPOSIT.12M`` → ``FIXED_DEPOSIT_12M`` (project convention)."""
    return product_id.strip().replace(".", "_")


def transact_product_id(code: str) -> str:
    """``FIXED_DEPOSIT_12M`` → ``FIXED.DEPOSIT.12M`` (project convention)."""
    return code.strip().replace("_", ".")


def _first(r: RecordReader, key: str, inner: str) -> str | None:
    """The first value of a multi-value field ``key[{inner}]``."""
    return next((v for item in r.items(key) if (v := item.text(inner))), None)


def _extra(raw: Any, keys: Iterable[str]) -> dict[str, Any]:
    return {k: raw[k] for k in keys if isinstance(raw, dict) and raw.get(k) not in (None, "")}


def to_party(
    raw: Any,
    *,
    customer_id: str | None = None,
    organisation_sectors: frozenset[str] = frozenset({"2001"}),
    platform: str = PLATFORM,
) -> Party:
    """A customer, as a ``party/customers`` list item or the single record, as a ``Party``.

    Args:
        raw: the record (``body`` of ``GET /party/customers/{id}``, or one list item).
        customer_id: the id asked for; the single record does not repeat it.
        organisation_sectors: ``sectorId`` values of organisations (project convention).
        platform: the adapter's name.
    """
    r = RecordReader(raw, platform=platform)
    ident = customer_id or r.req_text("customerId")
    sector = r.text("sectorId")
    organisation = sector is not None and sector in organisation_sectors
    full_name = _first(r, "customerNames", "customerName") or r.text("customerName")
    status_raw = r.text("customerStatus")
    target = r.text("target")
    kyc_done = r.flag("isKycComplete")
    language = r.text("language")
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": ident,
        "id": ident,
        "type": PartyType.ORGANISATION if organisation else PartyType.PERSON,
        "type_raw": sector,
        "status": _CUSTOMER_STATUS(status_raw),
        "status_raw": status_raw,
        "given_name": None if organisation else (r.text("givenName") or r.text("firstName")),
        "family_name": None if organisation else r.text("lastName"),
        "legal_name": full_name if organisation else None,
        "birth_date": None if organisation else r.day("dateOfBirth"),
        "segment": _SEGMENTS.get(target or "", target),
        "kyc_status": {None: KycStatus.UNKNOWN, True: KycStatus.VERIFIED}.get(
            kyc_done, KycStatus.PENDING
        ),
        "kyc_status_raw": None if kyc_done is None else str(kyc_done).lower(),
        "relationship_manager": r.text("accountOfficerId"),
        "nationality": country_code(r.text("nationalityId")),
        "residency": country_code(r.text("residenceId")),
        "language": _LANGUAGES.get(language or "")
        or (language if language and len(language) == 2 else None),
        "addresses": _addresses(r),
        "contacts": _contacts(r),
        "extra": _extra(raw, _EXTRA_PARTY),
    }
    return build_model(Party, values, r)


def _addresses(r: RecordReader) -> tuple[PostalAddress, ...]:
    street = _first(r, "streets", "street")
    city = _first(r, "addressCities", "addressCity")
    country = _first(r, "countries", "country")
    if not (street or city or country):
        return ()
    return (
        PostalAddress(
            lines=(street,) if street else (),
            city=city,
            postcode=_first(r, "postCodes", "postCode"),
            country=country_code(country),
            country_raw=country,
        ),
    )


def _contacts(r: RecordReader) -> tuple[ContactPoint, ...]:
    found: list[ContactPoint] = []
    for device in r.items("communicationDevices"):
        for key, kind in (("email", ContactKind.EMAIL), ("smsNumber", ContactKind.MOBILE),
                          ("phoneNumber", ContactKind.PHONE)):  # fmt: skip
            if value := device.text(key):
                found.append(ContactPoint(kind=kind, value=value))
    return tuple(found)


def to_account(raw: Any, party_id: str, *, platform: str = PLATFORM) -> Account:
    """One item of ``GET /holdings/customers/{customerId}/accounts`` as an ``Account``."""
    r = RecordReader(raw, platform=platform)
    family, group = r.code("productGroupId", FAMILIES, required=True)
    currency = r.req_text("currencyId")
    booked = r.req_number("workingBalance")
    balances = [Balance(type=BalanceType.ITBD, amount=booked, currency=currency)]
    available = r.number("availableBalance")
    if available is not None:
        balances.append(Balance(type=BalanceType.ITAV, amount=available, currency=currency))
    locked = r.number("lockedAmount")
    if locked:
        balances.append(
            Balance(
                type=BalanceType.INFO, type_raw="lockedAmount", amount=locked, currency=currency
            )
        )
    status, status_raw = r.code("status", _ARRANGEMENT_STATUS)
    if status_raw is None:
        status = AccountStatus.ENAB  # the list shows live holdings unless it says otherwise
    limit = r.number("availableLimit")
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": r.text("arrangementId") or r.req_text("accountId"),
        "id": r.req_text("accountId"),
        "holders": (AccountHolder(party_id=r.text("customerId") or party_id),),
        "product_code": canonical_product_code(r.req_text("productId")),
        "family": family,
        "family_raw": group,
        "cash_account_type": _CASH_TYPES.get(family, CashAccountType.UNKNOWN),
        "name": r.text("productName"),
        "currency": currency,
        "balances": tuple(balances),
        "status": status,
        "status_raw": status_raw,
        "opened_on": r.day("openingDate"),
        "limit": limit or None,
        "iban": r.text("IBAN"),
        "extra": _extra(raw, ("arrangementId", "productId", "productGroupId", "companyId")),
    }
    return build_model(Account, values, r)


def to_ledger_entry(raw: Any, account_id: str, *, platform: str = PLATFORM) -> LedgerEntry:
    """One row of ``GET /holdings/transactions`` as a ``LedgerEntry``.

    ``amount`` is signed (negative = debit, as STMT.ENTRY's ``AMOUNT.LCY``); ``balance`` is
    the running balance after the entry. A row without ``valueDate`` takes the booking
    date as its value date.
    """
    if type(raw) is dict:
        try:
            return ledger_entry_fast(raw, account_id, platform, _BTC, _KNOWN_BTC)
        except (Slow, pydantic.ValidationError):
            pass  # the reader below raises the MappingError, with the record and the path
    return _ledger_entry(raw, account_id, platform)


#: The built codes of ``_BTC`` (frozen models), shared by the fast path's entries.
_KNOWN_BTC: dict[str, BankTransactionCode] = {}


def _ledger_entry(raw: Any, account_id: str, platform: str) -> LedgerEntry:
    r = RecordReader(raw, platform=platform)
    signed = r.req_number("amount")
    booking = r.day("bookingDate", required=True)
    code = r.text("transactionType")
    parts = _BTC.get(code or "")
    btc = (
        BankTransactionCode(domain=parts[0], family=parts[1], sub_family=parts[2], proprietary=code)
        if parts
        else BankTransactionCode.unknown(code)
    )
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": r.text("transactionReference") or r.req_text("entryReference"),
        "id": r.req_text("entryReference"),
        "account_id": r.text("accountId") or account_id,
        "amount": abs(signed),
        "currency": r.req_text("currencyId"),
        "credit_debit": CreditDebit.DBIT if signed < 0 else CreditDebit.CRDT,
        "booking_date": booking,
        "value_date": r.day("valueDate") or booking,
        "bank_transaction_code": btc,
        "description": r.text("narrative") or r.text("notes"),
        "balance_after": r.number("balance"),
        "extra": _extra(raw, ("transactionReference", "transactionType", "companyId")),
    }
    return build_model(LedgerEntry, values, r)


def to_product(raw: Any, *, platform: str = PLATFORM) -> Product:
    """One Product Builder record (``GET /product/productDetails/products``) as a ``Product``.

    Terms come from the first ``ccySpecific`` item; rate bounds from its
    ``interestRates[{minimumRate, maximumRate}]`` (shape inferred), the default rate from
    ``creditInterest`` (deposits) or ``debitInterest`` (lending).
    """
    r = RecordReader(raw, platform=platform)
    family, group = r.code("productGroupId", FAMILIES, required=True)
    terms = r.items("ccySpecific")
    if not terms:
        raise r.error("a product needs at least one ccySpecific item", "ccySpecific")
    t = terms[0]
    currency = t.req_text("currency")
    rates = t.items("interestRates")
    low = rates[0].number("minimumRate") if rates else None
    high = rates[0].number("maximumRate") if rates else None
    default = t.number("creditInterest")
    if default is None:
        default = t.number("debitInterest")
    lo_amount, hi_amount = t.number("minimumAmount"), t.number("maximumAmount")
    lo_term, hi_term = _months(t, "minimumTerm"), _months(t, "maximumTerm")
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": r.req_text("productId"),
        "code": canonical_product_code(r.req_text("productId")),
        "name": r.text("productDescription") or r.req_text("productId"),
        "family": family,
        "family_raw": group,
        "currency": currency,
        "rate": RateBounds(min=low, max=high, default=default),
        "amount": AmountBounds(min=lo_amount, max=hi_amount, currency=currency)
        if lo_amount is not None or hi_amount is not None
        else None,
        "term": TermBounds(min_months=lo_term, max_months=hi_term)
        if lo_term is not None or hi_term is not None
        else None,
        "active_from": r.day("availableFromDate"),
        "active_to": r.day("availableToDate"),
        "extra": _extra(raw, ("productLine", "productGroupId")),
    }
    return build_model(Product, values, r)


def _months(r: RecordReader, key: str) -> int | None:
    """A T24 period (``12M``, ``2Y``, ``90D`` rounded down to months) in months."""
    text = (r.text(key) or "").strip().upper()
    if not text:
        return None
    unit = text[-1] if text[-1] in "DMY" else "M"
    number = text[:-1] if text[-1] in "DMY" else text
    if not number.isdigit():
        raise r.error(f"not a T24 period: {text!r}", key)
    return {"D": int(number) // 30, "M": int(number), "Y": int(number) * 12}[unit]
