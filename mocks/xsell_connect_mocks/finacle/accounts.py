"""``BalInq`` and ``getLastNTransactionsWithPagination`` bodies (reference §2.2-2.3).

Balances are signed the Finacle way (debit balances negative, see
`xsell_connect_mocks.finacle.schemes.finacle_balance`). Statement rows come newest first
with the padding quirks kept: ``txnId`` left-padded to 9 characters, ``txnSrlNo`` to 4,
``instrumentId`` to 16 (when there is one), ``txnDesc`` right-padded to 50 and ``txnCat``
three characters that may end in a space. ``hasMoreData`` is ``Y`` when older rows exist
beyond the N asked for; ``field125..127`` are empty (their continuation role is not
public, so the mock ignores them, reference §2.3).

Part-transactions (project convention for the mock): each posting is its own transaction
``S<sequence>`` with part-transaction serial ``1``.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import islice

from lxml import etree

from xsell_connect_mocks.bank import AccountSpec, PostingKind, PostingSpec, SyntheticBank
from xsell_connect_mocks.bank.specs import Family
from xsell_connect_mocks.finacle.schemes import acid_of, finacle_balance, scheme_of, sol_of
from xsell_connect_mocks.finacle.wire import amount, child, fdate, fdatetime, leaf, leaves

__all__ = ["TXN_CATEGORY", "balances", "statement", "tran_id"]

#: Posting kind -> Finacle transaction category (three characters, space-padded).
TXN_CATEGORY: dict[PostingKind, str] = {
    PostingKind.SALARY: "TBI",
    PostingKind.CARD_SPEND: "POS",
    PostingKind.CARD_REPAYMENT: "TBI",
    PostingKind.TRANSFER_IN: "TBI",
    PostingKind.TRANSFER_OUT: "TBO",
    PostingKind.DIRECT_DEBIT: "SI ",
    PostingKind.CASH_WITHDRAWAL: "ATM",
    PostingKind.LARGE_DEPOSIT: "CSH",
    PostingKind.INTEREST: "LI ",
    PostingKind.FEE: "TSC",
    PostingKind.LOAN_DISBURSEMENT: "LD ",
    PostingKind.LOAN_REPAYMENT: "LR ",
    PostingKind.DEPOSIT_PLACEMENT: "TDP",
    PostingKind.DEPOSIT_MATURITY: "TDM",
}
_BALANCE_TYPES = (
    "CLRBAL",
    "AVAIL",
    "SANLIM",
    "UTLAMT",
    "DRWPWR",
    "LIEN",
    "FFDAVL",
    "EFFAVL",
    "UNCLRBAL",
    "FUTBAL",
    "FLOAT",
)


def tran_id(posting: PostingSpec) -> str:
    return "S" + str(int(posting.id.rsplit("-", 1)[1]))


def _available(account: AccountSpec, ledger: Decimal) -> Decimal:
    if account.family is Family.CARD:
        return max(account.limit + ledger, Decimal(0))  # ledger is minus what is owed
    if account.family in (Family.LOAN, Family.MORTGAGE, Family.TERM_DEPOSIT):
        return Decimal(0)
    return ledger + account.limit


def balances(body: etree._Element, bank: SyntheticBank, account: AccountSpec) -> None:
    """``BalInqResponse``: the account's scheme, currency, branch and ~11 balance rows."""
    customer = bank.customer(account.customer_index)
    code, kind = scheme_of(bank.product(account.product_code))
    ledger = finacle_balance(account.family, bank.balance(account))
    response = child(body, "BalInqResponse")
    rs = child(response, "BalInqRs")
    ident = child(rs, "AcctId")
    leaf(ident, "AcctId", acid_of(account.number))
    scheme = child(ident, "AcctType")
    leaves(scheme, [("SchmCode", code), ("SchmType", kind)])
    leaf(ident, "AcctCurr", account.currency)
    info = child(ident, "BankInfo")
    leaves(
        info,
        [("BankId", ""), ("Name", ""), ("BranchId", sol_of(customer.branch)), ("BranchName", "")],
    )
    available = _available(account, ledger)
    values = {
        "CLRBAL": ledger,
        "AVAIL": available,
        "SANLIM": account.limit,
        "DRWPWR": account.limit,
        "EFFAVL": available,
        "FUTBAL": ledger,
        "UTLAMT": max(-ledger, Decimal(0)) if account.limit else Decimal(0),
    }
    for balance_type in _BALANCE_TYPES:
        row = child(rs, "AcctBal")
        leaf(row, "BalType", balance_type)
        amount(row, "BalAmt", values.get(balance_type, Decimal(0)), account.currency)
    child(response, "BalInq_CustomData")


def _row(parent: etree._Element, account: AccountSpec, p: PostingSpec) -> None:
    row = child(parent, "transactionDetails")
    leaf(row, "pstdDate", fdatetime(p.booked_at))
    summary = child(row, "transactionSummary")
    instrument = f"{int(p.id[-5:]) + 98000:>16}" if p.kind is PostingKind.DIRECT_DEBIT else ""
    leaf(summary, "instrumentId", instrument)
    amount(summary, "txnAmt", p.amount, account.currency)
    leaf(summary, "txnDate", fdate(p.booked_at.date()))
    leaf(summary, "txnDesc", p.description[:50].ljust(50))
    leaf(summary, "txnType", "C" if p.direction == "CRDT" else "D")
    amount(row, "txnBalance", finacle_balance(account.family, p.balance_after), account.currency)
    leaf(row, "txnCat", TXN_CATEGORY.get(p.kind, "TBI"))
    leaf(row, "txnId", f"{tran_id(p):>9}")
    leaf(row, "txnSrlNo", f"{1:>4}")
    leaf(row, "valueDate", fdate(p.value_date))


def statement(
    body: etree._Element,
    bank: SyntheticBank,
    account: AccountSpec,
    last_n: int,
    extra: tuple[PostingSpec, ...] = (),
) -> None:
    """The newest ``last_n`` postings of the account, newest first, with ``hasMoreData``."""
    customer = bank.customer(account.customer_index)
    postings = [*bank.postings(account), *extra]
    newest = list(islice(reversed(postings), last_n))
    ledger = finacle_balance(account.family, bank.balance(account))
    response = child(body, "getLastNTransactionsWithPaginationResponse")
    st = child(response, "PaginatedAccountStatement")
    balances_block = child(st, "accountBalances")
    leaf(balances_block, "acid", acid_of(account.number))
    available = _available(account, ledger)
    for tag, value in (
        ("availableBalance", available),
        ("ledgerBalance", ledger),
        ("floatingBalance", Decimal(0)),
        ("fFDBalance", Decimal(0)),
        ("userDefinedBalance", Decimal(0)),
    ):
        amount(balances_block, tag, value, account.currency)
    leaf(balances_block, "branchId", sol_of(customer.branch))
    leaf(balances_block, "currencyCode", account.currency)
    for tag in ("field125", "field126", "field127"):
        leaf(st, tag, "")
    leaf(st, "hasMoreData", "Y" if len(postings) > last_n else "N")
    for posting in newest:
        _row(st, account, posting)
    child(response, "getLastNTransactionsWithPagination_CustomData")
