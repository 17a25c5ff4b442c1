"""FIXML records → canonical models. Pure functions, no I/O (reference finacle.md §2).

A FIXML record is first turned into plain dicts (`record`): local element names as keys,
text (``""`` for Finacle's many empty elements) as values, and the repeatable blocks as
lists; unknown elements (bank customisations, ``_CustomData`` extensions) simply ride
along and are ignored. The core's ``RecordReader`` then reads it, so a defect is a
``MappingError`` with the path, never a crash.

Padding is trimmed for comparison (``txnId``, ``txnSrlNo``, ``instrumentId``,
``txnDesc``, ``txnCat``) and the raw values are kept in ``extra`` for audit. Amounts are
``Decimal`` from ``amountValue`` text. Finacle keeps debit balances negative, which is
already the canonical "customer's side" sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from lxml import etree

from xsell_connect.mapping import CodeMap, RecordReader, build_model, country_code
from xsell_connect.models import (
    Account,
    AccountStatus,
    Balance,
    BalanceType,
    BankTransactionCode,
    CashAccountType,
    Channel,
    ContactKind,
    CreditDebit,
    LedgerEntry,
    Party,
    PartyStatus,
    PartyType,
    ProductFamily,
)

from .settings import Scheme

__all__ = ["Codes", "entry_id", "record", "to_account", "to_ledger_entry", "to_party"]

PLATFORM = "finacle"
_Q = "{http://www.finacle.com/fixml}"
_QLEN = len(_Q)
#: Blocks that may repeat, always read as lists.
REPEATED = frozenset(
    {
        "PhoneEmailInfo",
        "RetCustAddrInfo",
        "EntityDocDtls",
        "RetSaleDtls",
        "AcctBal",
        "transactionDetails",
        "ErrorDetail",
        "PsychographMiscData",
    }
)


class Codes:
    """Finacle codes → canonical enums (explicit UNKNOWN defaults)."""

    PARTY_STATUS = CodeMap(
        {
            "A": PartyStatus.ACTIVE,
            "I": PartyStatus.INACTIVE,
            "C": PartyStatus.CLOSED,
            "S": PartyStatus.BLOCKED,
        },
        PartyStatus.UNKNOWN,
    )
    ACCOUNT_STATUS = CodeMap(
        {
            "A": AccountStatus.ENAB,
            "D": AccountStatus.DISA,
            "I": AccountStatus.DISA,
            "C": AccountStatus.DELE,
        },
        AccountStatus.UNKNOWN,
    )
    #: Fallback when a scheme is missing from the table (SchmType is bank-wide).
    SCHEME_TYPE = CodeMap(
        {
            "SBA": ProductFamily.SAVINGS,
            "CAA": ProductFamily.CURRENT,
            "ODA": ProductFamily.CURRENT,
            "TDA": ProductFamily.TERM_DEPOSIT,
            "LAA": ProductFamily.LOAN,
        },
        ProductFamily.UNKNOWN,
    )
    FAMILY = CodeMap({f.value: f for f in ProductFamily}, ProductFamily.UNKNOWN)
    CASH_ACCOUNT = {
        ProductFamily.CURRENT: CashAccountType.CACC,
        ProductFamily.SAVINGS: CashAccountType.SVGS,
        ProductFamily.TERM_DEPOSIT: CashAccountType.LLSV,
        ProductFamily.CARD: CashAccountType.CARD,
        ProductFamily.LOAN: CashAccountType.LOAN,
        ProductFamily.MORTGAGE: CashAccountType.LOAN,
    }
    BALANCE = {"CLRBAL": BalanceType.ITBD, "AVAIL": BalanceType.ITAV}
    #: Do-not-contact flags of DemographicDtls: "Y" means no consent.
    DO_NOT = {
        "DonotCallFlag": Channel.PHONE,
        "DonotMailFlag": Channel.POST,
        "DonotSendEMailFlag": Channel.EMAIL,
    }


def record(element: etree._Element) -> dict[str, Any]:
    """An element's children as a dict (see the module docstring)."""
    out: dict[str, Any] = {}
    for node in element:
        tag = node.tag
        if type(tag) is not str:
            continue  # comments, processing instructions
        name = tag[_QLEN:] if tag.startswith(_Q) else tag.rpartition("}")[2]
        value: Any = record(node) if len(node) else (node.text or "")
        if name in REPEATED:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def obj(r: RecordReader, key: str) -> RecordReader:
    """A nested block; Finacle's empty element (``<DemographicDtls/>``) reads as empty."""
    if isinstance(r.raw, dict) and r.raw.get(key) == "":
        return RecordReader({}, platform=PLATFORM, path=(*r.path, key))
    return r.obj(key)


def flag(r: RecordReader, key: str) -> bool | None:
    """A Y/N flag; Finacle's empty element means "not recorded" (None)."""
    return None if not (r.text(key) or "").strip() else r.flag(key)


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _day(r: RecordReader, key: str) -> date | None:
    return r.day(key)


def _local(r: RecordReader, key: str, tz: tzinfo) -> datetime | None:
    text = _blank(r.text(key))
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        raise r.error(f"not a Finacle date-time: {text!r}", key) from None


# -- party --------------------------------------------------------------------------------


def _consents(demo: RecordReader) -> list[dict[str, Any]]:
    out = []
    for name, channel in Codes.DO_NOT.items():
        value = flag(demo, name)
        if value is not None:
            out.append({"channel": channel, "granted": not value})
    return out


def _contacts(rows: Iterable[RecordReader]) -> tuple[list[dict[str, Any]], Channel | None]:
    contacts, preferred = [], None
    for row in rows:
        email = row.text("PhoneOrEmail") == "EMAIL"
        value = _blank(row.text("Email" if email else "PhoneNum"))
        if value is None:
            continue
        kind = (
            ContactKind.EMAIL
            if email
            else (
                ContactKind.MOBILE
                if (row.text("PhoneEmailType") or "").startswith("CELL")
                else ContactKind.PHONE
            )
        )
        pref = bool(flag(row, "PrefFlag"))
        contacts.append({"kind": kind, "value": value, "preferred": pref})
        if pref and preferred is None:
            preferred = Channel.EMAIL if email else Channel.SMS
    return contacts, preferred


def to_party(
    rs: etree._Element | dict[str, Any], *, person_codes: frozenset[str] = frozenset({"C001"})
) -> Party:
    """``RetCustInqRs`` → ``Party``."""
    raw = rs if isinstance(rs, dict) else record(rs)
    root = RecordReader(raw, platform=PLATFORM)
    r = root.obj("RetCustDtls", required=True)
    demo = obj(root, "DemographicDtls")
    constitution = _blank(r.text("ConstitutionCode"))
    person = constitution is None or constitution in person_codes
    status_raw = _blank(r.text("Status"))
    addresses = [
        {
            "lines": tuple(
                x for k in ("AddrLine1", "AddrLine2", "AddrLine3") if (x := _blank(a.text(k)))
            ),
            "city": _blank(a.text("City")),
            "postcode": _blank(a.text("PostalCode")),
            "region": _blank(a.text("StateCode")),
            "country": country_code(a.text("CountryCode")),
            "country_raw": _blank(a.text("CountryCode")),
        }
        for a in r.items("RetCustAddrInfo")
    ]
    contacts, preferred = _contacts(r.items("PhoneEmailInfo"))
    nba = next(
        (
            m
            for m in obj(root, "PsychographicDtls").items("PsychographMiscData")
            if m.text("Type") == "NBA"
        ),
        None,
    )
    language = (_blank(r.text("Language")) or "").lower()
    extra: dict[str, str | None] = {
        k: v
        for k in ("CustType", "CustTypeCode", "SubSegment", "Region", "IsNRE", "StaffFlag")
        if (v := _blank(r.text(k)))
    }
    if nba is not None:
        extra["next_best_action"] = _blank(nba.text("StrText10"))
    values = {
        "platform": PLATFORM,
        "source_id": r.req_text("CustId").strip(),
        "id": r.req_text("CustId").strip(),
        "type": PartyType.PERSON if person else PartyType.ORGANISATION,
        "type_raw": constitution,
        "status": Codes.PARTY_STATUS(status_raw),
        "status_raw": status_raw,
        "given_name": _blank(r.text("FirstName")) if person else None,
        "middle_name": _blank(r.text("MiddleName")) if person else None,
        "family_name": _blank(r.text("LastName")) if person else None,
        "legal_name": None if person else _blank(r.text("Name")),
        "birth_date": _day(r, "BirthDt") if person else None,
        "segment": _blank(r.text("SegmentationClass")),
        "branch": _blank(r.text("PrimarySolId")),
        "relationship_manager": _blank(r.text("Manager")),
        "customer_since": _day(r, "RelationshipOpeningDt"),
        "nationality": country_code(demo.text("Nationality")),
        "residency": next((a["country"] for a in addresses if a["country"]), None),
        "language": language if len(language) == 2 and language.isalpha() else None,
        "preferred_channel": preferred,
        "consents": _consents(demo),
        "addresses": addresses,
        "contacts": contacts,
        "extra": extra,
    }
    return build_model(Party, values, r)


# -- account ------------------------------------------------------------------------------


def _family(scheme: Scheme | None, schm_type: str | None) -> tuple[ProductFamily, str | None]:
    if scheme is not None:
        return Codes.FAMILY(scheme.family), scheme.family
    return Codes.SCHEME_TYPE(schm_type), schm_type


def to_account(
    sale: dict[str, Any],
    balance: dict[str, Any],
    party_id: str,
    schemes: dict[str, Scheme],
) -> Account:
    """A ``RetSaleDtls`` row and its account's ``BalInqRs`` → ``Account``."""
    s = RecordReader(sale, platform=PLATFORM)
    b = RecordReader(balance, platform=PLATFORM)
    ident = obj(b, "AcctId")
    schm_code = _blank(obj(ident, "AcctType").text("SchmCode")) or _blank(s.text("ProductCategory"))
    schm_type = _blank(obj(ident, "AcctType").text("SchmType")) or _blank(s.text("ProductCode"))
    scheme = schemes.get(schm_code or "")
    family, family_raw = _family(scheme, schm_type)
    channel = obj(s, "SaleChannelDtls")
    currency = (
        _blank(channel.text("AcctCurrCode")) or _blank(ident.text("AcctCurr")) or ""
    ).upper()
    balances, limit = [], None
    for row in b.items("AcctBal"):
        kind = _blank(row.text("BalType")) or ""
        amount = obj(row, "BalAmt").number("amountValue")
        if kind == "SANLIM" and amount:
            limit = amount
        if kind in Codes.BALANCE and amount is not None:
            ccy = (_blank(obj(row, "BalAmt").text("currencyCode")) or currency).upper()
            balances.append(
                Balance(type=Codes.BALANCE[kind], type_raw=kind, amount=amount, currency=ccy)
            )
    status_raw = _blank(channel.text("AcctStatus"))
    values = {
        "platform": PLATFORM,
        "source_id": s.req_text("AcctId").strip(),
        "id": s.req_text("AcctId").strip(),
        "holders": [{"party_id": party_id}],
        "product_code": scheme.product_code if scheme else (schm_code or "UNKNOWN"),
        "family": family,
        "family_raw": family_raw,
        "cash_account_type": Codes.CASH_ACCOUNT.get(family, CashAccountType.UNKNOWN),
        "name": scheme.description if scheme else None,
        "currency": currency,
        "balances": balances,
        "status": Codes.ACCOUNT_STATUS(status_raw),
        "status_raw": status_raw,
        "opened_on": _day(channel, "AcctOpeningDt"),
        "closed_on": _day(channel, "AcctCloseDt"),
        "matures_on": _day(channel, "MaturityDt"),
        "limit": limit,
        "extra": {
            "schm_code": schm_code,
            "schm_type": schm_type,
            "branch": _blank(s.text("AcctBranchCode")),
        },
    }
    return build_model(Account, values, s)


# -- ledger -------------------------------------------------------------------------------


def entry_id(acid: str, tran_date: date, tran_id: str, serial: str) -> str:
    """A part-transaction's id: account, tran date, tran id and serial (padding trimmed)."""
    day = f"{tran_date.year:04d}{tran_date.month:02d}{tran_date.day:02d}"
    return f"{acid.strip()}:{day}:{tran_id.strip()}:{serial.strip()}"


@lru_cache(maxsize=256)
def _transaction_code(category: str | None) -> BankTransactionCode:
    """ISO "not available" with Finacle's ``txnCat`` kept (frozen, so shared safely)."""
    return BankTransactionCode.unknown(category)


def to_ledger_entry(row: dict[str, Any], acid: str, currency: str, tz: tzinfo) -> LedgerEntry:
    """A ``transactionDetails`` row → ``LedgerEntry`` (padding trimmed, raw kept in extra)."""
    r = RecordReader(row, platform=PLATFORM)
    summary = r.obj("transactionSummary", required=True)
    posted = _local(r, "pstdDate", tz)
    tran_date = _day(summary, "txnDate") or (posted.date() if posted else None)
    if tran_date is None:
        raise r.error("required field is missing", "transactionSummary", "txnDate")
    tran_id, serial = r.req_text("txnId"), r.text("txnSrlNo") or ""
    kind = (summary.text("txnType") or "").strip().upper()
    if kind not in ("C", "D"):
        raise summary.error(f"txnType is {kind!r}, not C or D", "txnType")
    amount = summary.obj("txnAmt", required=True)
    balance = obj(r, "txnBalance")
    category = r.text("txnCat") or ""
    description = (summary.text("txnDesc") or "").rstrip()
    values = {
        "platform": PLATFORM,
        "source_id": f"{tran_id.strip()}/{serial.strip()}",
        "id": entry_id(acid, tran_date, tran_id, serial),
        "account_id": acid,
        "amount": amount.req_number("amountValue"),
        "currency": (_blank(amount.text("currencyCode")) or currency).upper(),
        "credit_debit": CreditDebit.CRDT if kind == "C" else CreditDebit.DBIT,
        "booking_date": tran_date,
        "value_date": _day(r, "valueDate") or tran_date,
        "booked_at": posted,
        "bank_transaction_code": _transaction_code(category.strip() or None),
        "description": description or None,
        "balance_after": balance.number("amountValue"),
        "extra": {
            "txnId": tran_id,
            "txnSrlNo": serial,
            "txnCat": category,
            "instrumentId": obj(r, "transactionSummary").text("instrumentId") or "",
        },
    }
    return build_model(LedgerEntry, values, r)
