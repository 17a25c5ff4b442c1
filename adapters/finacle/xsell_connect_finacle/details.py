"""Account-type detail inquiries: ``ODAcctInq``, ``TDAcctInq``, ``LoanAcctInq`` → account terms.

``BalInq`` gives the balances (``CLRBAL`` is also a loan's outstanding, negative) and the
overdraft limit (``SANLIM``); the rate, the principal and the maturity live in the
account-type inquiry (reference §2; reply names as public client code reads them,
inferred): ``NetIntRate/value`` → ``interest_rate``; term deposits ``InitialDeposit`` →
``principal`` and ``MaturityDt`` → ``matures_on``; loans ``LoanGenDetails/LoanAmt`` →
``principal``. The raw term (``DepositTerm`` months, ``LoanPeriodMonths``) goes to
``extra``. Savings (``SBA``) have no detail inquiry here.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from xsell_connect.mapping import RecordReader, build_model
from xsell_connect.models import Account

from .mapping import PLATFORM, obj, record

__all__ = ["DETAIL_SERVICES", "with_terms"]

#: SchmType -> (ServiceRequestId, the id block of its request).
DETAIL_SERVICES: dict[str, tuple[str, str]] = {
    "CAA": ("ODAcctInq", "ODAcctId"),
    "ODA": ("ODAcctInq", "ODAcctId"),
    "TDA": ("TDAcctInq", "TDAcctId"),
    "LAA": ("LoanAcctInq", "LoanAcctId"),
}


def _terms(service: str, rs: RecordReader) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {"interest_rate": obj(rs, "NetIntRate").number("value")}
    extra: dict[str, Any] = {}
    if service == "TDAcctInq":
        values["principal"] = obj(rs, "InitialDeposit").number("amountValue")
        values["matures_on"] = rs.day("MaturityDt")
        extra["term_months"] = (obj(rs, "DepositTerm").text("Months") or "").strip() or None
    elif service == "LoanAcctInq":
        details = obj(rs, "LoanGenDetails")
        values["principal"] = obj(details, "LoanAmt").number("amountValue")
        extra["term_months"] = (details.text("LoanPeriodMonths") or "").strip() or None
    return values, extra


def with_terms(account: Account, service: str, rs: etree._Element) -> Account:
    """``account`` with the rate, principal and maturity of its detail reply ``rs``.

    A value the reply leaves empty keeps what ``RetCustAcctInq`` / ``BalInq`` gave.

    Raises:
        MappingError: a detail value that does not parse (with its path).
    """
    reader = RecordReader(record(rs), platform=PLATFORM, path=(f"{service}Rs",))
    values, extra = _terms(service, reader)
    merged = account.model_dump()
    merged.update({k: v for k, v in values.items() if v is not None})
    merged["extra"] = {**account.extra, **{k: v for k, v in extra.items() if v is not None}}
    return build_model(Account, merged, reader)
