"""``ODAcctInq``, ``TDAcctInq`` and ``LoanAcctInq`` bodies: the account-type detail inquiries.

Reference §2 names the services and their request key (``ODAcctInqRq/ODAcctId/AcctId``,
likewise ``TDAcctId``, ``LoanAcctId``); the reply elements follow the names public client
code reads from these replies (inferred: ``AcctOpnDt``, ``NetIntRate/value``,
``InitialDeposit``, ``MaturityDt``, ``DepositTerm{Days, Months}``,
``LoanGenDetails{LoanPeriodMonths, LoanAmt}``...), in the order of the project's XSD
subset. Outstanding balances and the overdraft limit stay in ``BalInq`` (``CLRBAL``,
``SANLIM``); these inquiries add the rate, the principal and the term.

Which scheme types each service serves (project convention for the mock): ``ODAcctInq``
current and overdraft accounts (``CAA``, ``ODA``), ``TDAcctInq`` term deposits (``TDA``),
``LoanAcctInq`` loans (``LAA``); any other account is a business error, as on a real host.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from xsell_connect_mocks.bank import AccountSpec, SyntheticBank
from xsell_connect_mocks.finacle.customers import ACCOUNT_STATUS
from xsell_connect_mocks.finacle.schemes import acid_of, finacle_balance, scheme_of, sol_of
from xsell_connect_mocks.finacle.wire import amount, child, fdate, leaf, leaves

__all__ = ["DETAIL_TYPES", "account_details"]

#: Service -> (id block, the scheme types it serves).
DETAIL_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "ODAcctInq": ("ODAcctId", frozenset({"CAA", "ODA"})),
    "TDAcctInq": ("TDAcctId", frozenset({"TDA"})),
    "LoanAcctInq": ("LoanAcctId", frozenset({"LAA"})),
}


def _ident(rs: etree._Element, tag: str, bank: SyntheticBank, a: AccountSpec) -> None:
    code, kind = scheme_of(bank.product(a.product_code))
    ident = child(rs, tag)
    leaf(ident, "AcctId", acid_of(a.number))
    leaves(child(ident, "AcctType"), [("SchmCode", code), ("SchmType", kind)])
    leaf(ident, "AcctCurr", a.currency)
    branch = sol_of(bank.customer(a.customer_index).branch)
    leaves(
        child(ident, "BankInfo"),
        [("BankId", ""), ("Name", ""), ("BranchId", branch), ("BranchName", "")],
    )


def _rate(parent: etree._Element, tag: str, value: Decimal) -> None:
    leaf(child(parent, tag), "value", f"{value:.4f}")


def account_details(
    body: etree._Element, bank: SyntheticBank, a: AccountSpec, service: str
) -> None:
    """``<service>Response``: the detail reply of account ``a`` (its type already checked)."""
    tag = DETAIL_TYPES[service][0]
    response = child(body, f"{service}Response")
    rs = child(response, f"{service}Rs")
    _ident(rs, tag, bank, a)
    customer = bank.customer(a.customer_index)
    product = bank.product(a.product_code)
    ledger = finacle_balance(a.family, bank.balance(a))
    if service == "LoanAcctInq":
        _rate(rs, "NetIntRate", a.rate)
        leaf(rs, "AcctOpenDt", fdate(a.opened_on))
        leaf(rs, "ModeOfOper", "SELF")
        leaf(child(rs, "CustId"), "CustId", customer.number)
        leaves(child(rs, "LoanAcctGenInfo"), [("AcctName", product.name), ("AcctShortName", "")])
        amount(rs, "AmtAlreadyDisb", a.principal, a.currency)
        amount(rs, "AmtAvailForDisb", Decimal(0), a.currency)
        amount(rs, "DisbAmt", a.principal, a.currency)
        details = child(rs, "LoanGenDetails")
        leaves(
            details,
            [("LoanPeriodDays", "0"), ("LoanPeriodMonths", _months(a)), ("RePmtMethod", "E")],
        )
        amount(details, "LoanAmt", a.principal, a.currency)
    else:
        leaf(rs, "AcctOpnDt", fdate(a.opened_on))
        leaf(rs, "ModeOfOper", "SELF")
        leaf(rs, "BankAcctStatusCode", ACCOUNT_STATUS[a.state])
        leaf(child(rs, "CustId"), "CustId", customer.number)
        gen = child(rs, "ODAcctGenInfo" if service == "ODAcctInq" else "TDAcctGenInfo")
        leaves(gen, [("AcctName", product.name), ("AcctShortName", "")])
        leaf(rs, "AcctBalCrDrInd", "D" if ledger < 0 else "C")
        amount(rs, "AcctBalAmt", abs(ledger), a.currency)
        leaves(rs, [("FreezeStatusCode", ""), ("FreezeReasonCode", "")])
        _rate(rs, "NetIntRate", a.rate)
        if service == "TDAcctInq":
            amount(rs, "InitialDeposit", a.principal, a.currency)
            amount(rs, "CurrDeposit", abs(ledger), a.currency)
            deposit_term = child(rs, "DepositTerm")
            leaves(deposit_term, [("Days", "0"), ("Months", _months(a))])
            leaf(rs, "MaturityDt", fdate(a.matures_on))
    child(response, f"{service}_CustomData")


def _months(a: AccountSpec) -> str:
    if a.matures_on is None:
        return "0"
    end, start = a.matures_on, a.opened_on
    return str((end.year - start.year) * 12 + end.month - start.month)
