"""FCUBS records (zeep replies as dicts) to canonical models: pure functions, no I/O.

Vendor fields with no canonical slot and no personal data go to ``extra``. Codes:
``CTYPE`` I person, C corporate, B bank; ``ACCTYPE`` U current, S savings, Y term deposit and
(project convention, CL-module holdings) L loan, M mortgage, C card. CASA ``CURBAL`` is
signed; for L/M/C it is the amount owed and becomes negative (the customer's side).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pydantic

from xsell_connect.mapping import CodeMap, RecordReader, build_model, country_code
from xsell_connect.models import (
    Account,
    AccountStatus,
    BankTransactionCode,
    CashAccountType,
    Channel,
    KycStatus,
    LedgerEntry,
    Party,
    PartyStatus,
    PartyType,
    Product,
    ProductFamily,
)

from ._ledger_fast import Slow, ledger_entry_fast

__all__ = ["ACCOUNT_FAMILIES", "to_account", "to_ledger_entry", "to_party", "to_product"]

PLATFORM = "flexcube"
_PARTY_TYPES = CodeMap({"I": PartyType.PERSON, "C": PartyType.ORGANISATION,
                        "B": PartyType.ORGANISATION}, PartyType.UNKNOWN)  # fmt: skip
_PARTY_STATUS = CodeMap({"O": PartyStatus.ACTIVE, "C": PartyStatus.CLOSED}, PartyStatus.UNKNOWN)
_KYC = CodeMap({k.value: k for k in KycStatus}, KycStatus.UNKNOWN)
ACCOUNT_FAMILIES = CodeMap(
    {"U": ProductFamily.CURRENT, "S": ProductFamily.SAVINGS, "Y": ProductFamily.TERM_DEPOSIT,
     "L": ProductFamily.LOAN, "M": ProductFamily.MORTGAGE, "C": ProductFamily.CARD},
    ProductFamily.UNKNOWN,
)  # fmt: skip
_FAMILIES = CodeMap({f.value: f for f in ProductFamily}, ACCOUNT_FAMILIES.unknown)
_CASH_TYPES = {
    ProductFamily.CURRENT: CashAccountType.CACC, ProductFamily.SAVINGS: CashAccountType.SVGS,
    ProductFamily.TERM_DEPOSIT: CashAccountType.LLSV, ProductFamily.CARD: CashAccountType.CARD,
    ProductFamily.LOAN: CashAccountType.LOAN, ProductFamily.MORTGAGE: CashAccountType.LOAN,
}  # fmt: skip
_CREDIT = frozenset({ProductFamily.LOAN, ProductFamily.MORTGAGE, ProductFamily.CARD})
_CHANNELS = CodeMap({c.value: c for c in Channel}, Channel.UNKNOWN)
_PARTY_EXTRA = ("CCATEG", "CUSTCLASSFN", "CIFSTAT", "AUTHSTAT", "MODNO", "MAKERSTAMP")


def _udfs(r: RecordReader) -> dict[str, str | None]:
    return {u.req_text("FLDNAM"): u.text("FLDVAL") for u in r.items("UDFDETAILS")}


def _mis(r: RecordReader) -> dict[str, str | None]:
    return {m.req_text("MISCLS"): m.text("MISCD") for m in r.obj("Custmis").items("Customermis")}


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def to_party(raw: Mapping[str, Any], *, nba_udfs: tuple[str, ...] = ()) -> Party:
    """``Customer-Full`` → Party. ``nba_udfs`` are kept in ``extra`` (not personal data)."""
    r = RecordReader(raw, platform=PLATFORM)
    party_type, type_raw = r.code("CTYPE", _PARTY_TYPES)
    status, status_raw = r.code("TXNSTAT", _PARTY_STATUS)
    kyc, kyc_raw = r.code("KYCSTAT", _KYC)
    organisation = party_type is PartyType.ORGANISATION
    personal, mis, udfs = r.obj("Custpersonal"), _mis(r), _udfs(r)
    since = r.day("CIFCREATIONDT") or RecordReader(mis, platform=PLATFORM, path=("Custmis",)).day(
        "CUSTSINCE"
    )
    language = (r.text("LANG") or "").lower()
    consents = tuple(
        {"channel": ch, "granted": value == "Y"}
        for name, value in udfs.items()
        if name.startswith("MKT_CONSENT_") and (ch := _CHANNELS(name[12:])) is not Channel.UNKNOWN
    )
    preferred = _CHANNELS(udfs.get("PREF_CHANNEL"))
    lines = tuple(t for k in ("ADDRLN1", "ADDRLN2", "ADDRLN3", "ADDRLN4") if (t := r.text(k)))
    pairs = (("EMAIL", "EMAIL"), ("MOBILE", "MOBNUM"))
    contacts = [{"kind": kind, "value": v} for kind, key in pairs
                if (v := personal.text(key))]  # fmt: skip
    extra: dict[str, Any] = {k: raw[k] for k in _PARTY_EXTRA if raw.get(k) is not None}
    extra["udfs"] = {k: udfs[k] for k in nba_udfs if k in udfs}
    values: dict[str, Any] = {
        "platform": PLATFORM,
        "source_id": r.req_text("CUSTNO"),
        "id": r.req_text("CUSTNO"),
        "type": party_type,
        "type_raw": type_raw,
        "status": status,
        "status_raw": status_raw,
        "given_name": None if organisation else personal.text("FSTNAME"),
        "middle_name": None if organisation else personal.text("MIDNAME"),
        "family_name": None if organisation else personal.text("LSTNAME"),
        "legal_name": (r.obj("Custcorp").text("CORPNAME") or r.text("NAME")) if organisation
        else None,
        "birth_date": None if organisation else personal.day("DOB"),
        "segment": mis.get("CUST_SEG"),
        "branch": r.text("LBRN"),
        "kyc_status": kyc,
        "kyc_status_raw": kyc_raw,
        "relationship_manager": mis.get("RELMGR"),
        "customer_since": since,
        "nationality": country_code(r.text("NLTY")),
        "residency": country_code(mis.get("RESIDENCY")),
        "language": language if len(language) == 2 and language.isalpha() else None,
        "preferred_channel": None if preferred is Channel.UNKNOWN else preferred,
        "consents": consents,
        "addresses": ({"lines": lines, "country": country_code(r.text("COUNTRY")),
                       "country_raw": r.text("COUNTRY")},) if lines else (),
        "contacts": contacts,
    }  # fmt: skip
    values["extra"] = extra
    return build_model(Party, values, r)


def to_account(
    summary: Mapping[str, Any], full: Mapping[str, Any], balance: Mapping[str, Any]
) -> Account:
    """``ACC_SUMM`` row + ``Cust-Account-Full`` + ``ACC_BAL`` → Account."""
    r = RecordReader(full, platform=PLATFORM)
    b = RecordReader(balance, platform=PLATFORM, path=("ACC_BAL",))
    kind = r.text("ACCTYPE") or RecordReader(summary, platform=PLATFORM).text("ACCOUNT_TYPE")
    family = ACCOUNT_FAMILIES(kind)
    currency = r.req_text("CCY")
    sign = Decimal(-1) if family in _CREDIT else Decimal(1)
    balances = []
    if (booked := b.number("CURBAL")) is not None:
        balances.append({"type": "ITBD", "type_raw": "CURBAL", "amount": sign * booked,
                         "currency": currency})  # fmt: skip
    if (available := b.number("AVLBAL")) is not None:
        balances.append({"type": "ITAV", "type_raw": "AVLBAL", "amount": available,
                         "currency": currency})  # fmt: skip
    closed = r.text("RECSTAT") == "C"
    status = AccountStatus.DELE if closed else (
        AccountStatus.DISA if r.text("DORM") == "Y" else AccountStatus.ENAB)  # fmt: skip
    values: dict[str, Any] = {
        "platform": PLATFORM,
        "source_id": r.req_text("ACC"),
        "id": r.req_text("ACC"),
        "holders": ({"party_id": r.req_text("CUSTNO")},),
        "product_code": r.req_text("ACCLS"),
        "family": family,
        "family_raw": kind,
        "cash_account_type": _CASH_TYPES.get(family, CashAccountType.CACC),
        "name": r.text("ADESC"),
        "currency": currency,
        "balances": tuple(balances),
        "status": status,
        "status_raw": r.text("ACCSTAT") or r.text("RECSTAT"),
        "opened_on": r.day("ACCOPENDT"),
        "matures_on": r.day("MATDT"),
        "interest_rate": r.number("INTRATE"),
        "limit": r.number("ODLIMIT"),
        "principal": r.number("PRINCIPAL"),
        "extra": {"BRN": r.text("BRN"), "RECSTAT": r.text("RECSTAT"), "DORM": r.text("DORM")},
    }
    return build_model(Account, values, r)


def to_ledger_entry(raw: Mapping[str, Any], tz: ZoneInfo) -> LedgerEntry:
    """``Acc-Txn-Full`` → LedgerEntry: unsigned amount, direction from ``DRCR_IND``."""
    if type(raw) is dict:
        try:
            return ledger_entry_fast(raw, tz)
        except (Slow, pydantic.ValidationError):
            pass  # the reader below raises the MappingError, with the record and the path
    return _ledger_entry(raw, tz)


def _ledger_entry(raw: Mapping[str, Any], tz: ZoneInfo) -> LedgerEntry:
    r = RecordReader(raw, platform=PLATFORM)
    indicator = r.req_text("DRCR_IND")
    if indicator not in ("C", "D"):
        raise r.error(f"DRCR_IND must be C or D, not {indicator!r}", "DRCR_IND")
    stamp = r.text("TRN_DTTM")
    try:
        booked_at = datetime.fromisoformat(stamp).replace(tzinfo=tz) if stamp else None
    except ValueError:
        raise r.error(f"not a yyyy-mm-dd hh:mm:ss stamp: {stamp!r}", "TRN_DTTM") from None
    values: dict[str, Any] = {
        "platform": PLATFORM,
        "source_id": r.req_text("TRN_REF_NO"),
        "id": r.req_text("TRN_REF_NO"),
        "account_id": r.req_text("AC_NO"),
        "amount": r.number("FCY_AMOUNT") or r.req_number("LCY_AMOUNT"),
        "currency": r.req_text("AC_CCY"),
        "credit_debit": "CRDT" if indicator == "C" else "DBIT",
        "booking_date": r.day("TRN_DT", required=True),
        "value_date": r.day("VALUE_DT", required=True),
        "booked_at": booked_at,
        "bank_transaction_code": BankTransactionCode.unknown(r.text("TRN_CODE")),
        "description": r.text("NARRATIVE"),
        "merchant_category_code": r.text("MCC"),
        "merchant_country": r.text("MERCHANT_COUNTRY"),
        "channel": r.text("CHANNEL"),
        "reversal": r.text("REVERSAL") == "Y",
        "extra": {k: raw[k] for k in ("EVENT", "MODULE", "AC_BRANCH") if raw.get(k)},
    }
    return build_model(LedgerEntry, values, r)


def to_product(raw: Mapping[str, Any]) -> Product:
    """``Acc-Class-Full`` (the bank's offerable account classes) → Product."""
    r = RecordReader(raw, platform=PLATFORM)
    currency = r.req_text("CCY")
    code = r.req_text("ACCLS")
    values: dict[str, Any] = {
        "platform": PLATFORM,
        "source_id": code,
        "code": code,
        "name": r.req_text("ADESC"),
        "family": r.strict_code("FAMILY", _FAMILIES),
        "family_raw": r.text("ACCOUNT_TYPE"),
        "currency": currency,
        "rate": {"min": r.number("RATE_MIN"), "max": r.number("RATE_MAX"),
                 "default": r.number("RATE_DEFAULT")},
        "amount": {"min": r.number("AMT_MIN"), "max": r.number("AMT_MAX"), "currency": currency},
        "term": {"min_months": raw.get("TERM_MIN"), "max_months": raw.get("TERM_MAX")},
        "eligibility": {
            "min_age": raw.get("MIN_AGE"), "max_age": raw.get("MAX_AGE"),
            "residency": _list(r.text("RESIDENCY_LIST")),
            "segments": _list(r.text("CATEGORIES_LIST")),
            "min_balance": r.number("MIN_BAL"),
            "requires_holdings": _list(r.text("REQUIRES_LIST")),
            "excludes_holdings": _list(r.text("EXCLUDES_LIST")),
            "party_types": ("ORGANISATION",) if r.text("CUST_TYPES") == "C" else ("PERSON",),
        },
        "channels": _list(r.text("CHANNELS_LIST")),
        "active_from": r.day("START_DATE"),
        "active_to": r.day("END_DATE"),
        "version": r.text("VERSION"),
        "extra": {k: raw[k] for k in ("MODULE",) if raw.get(k)},
    }  # fmt: skip
    return build_model(Product, values, r)
