"""Bank postings → Mambu deposit and loan transactions (pure functions, no I/O).

Amounts are positive; the direction is in ``type`` (see the package docstring). The
tables below are the single source of the mapping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xsell_connect_mocks.bank.specs import AccountSpec, PostingKind, PostingSpec
from xsell_connect_mocks.mambu.render import ZERO, RenderContext, drop_none

__all__ = ["transaction", "transaction_type"]

#: Deposit transaction type per (posting kind, direction). Credits: DEPOSIT,
#: INTEREST_APPLIED, FEE_ADJUSTED; debits: WITHDRAWAL, TRANSFER, FEE_APPLIED.
_DEPOSIT_TYPES: dict[tuple[PostingKind, str], str] = {
    (PostingKind.SALARY, "CRDT"): "DEPOSIT",
    (PostingKind.CARD_SPEND, "DBIT"): "WITHDRAWAL",
    (PostingKind.CARD_SPEND, "CRDT"): "DEPOSIT",
    (PostingKind.CARD_REPAYMENT, "DBIT"): "TRANSFER",
    (PostingKind.TRANSFER_IN, "CRDT"): "DEPOSIT",
    (PostingKind.TRANSFER_OUT, "DBIT"): "TRANSFER",
    (PostingKind.DIRECT_DEBIT, "DBIT"): "WITHDRAWAL",
    (PostingKind.CASH_WITHDRAWAL, "DBIT"): "WITHDRAWAL",
    (PostingKind.LARGE_DEPOSIT, "CRDT"): "DEPOSIT",
    (PostingKind.INTEREST, "CRDT"): "INTEREST_APPLIED",
    (PostingKind.INTEREST, "DBIT"): "INTEREST_APPLIED",  # overdraft interest, see _AFFECTED
    (PostingKind.FEE, "DBIT"): "FEE_APPLIED",
    (PostingKind.FEE, "CRDT"): "FEE_ADJUSTED",
    (PostingKind.LOAN_DISBURSEMENT, "CRDT"): "DEPOSIT",
    (PostingKind.LOAN_REPAYMENT, "DBIT"): "TRANSFER",
    (PostingKind.DEPOSIT_PLACEMENT, "CRDT"): "DEPOSIT",
    (PostingKind.DEPOSIT_PLACEMENT, "DBIT"): "TRANSFER",
    (PostingKind.DEPOSIT_MATURITY, "CRDT"): "DEPOSIT",
    (PostingKind.DEPOSIT_MATURITY, "DBIT"): "WITHDRAWAL",
}
#: Loan transaction type per (posting kind, direction); DBIT raises the debt.
_LOAN_TYPES: dict[tuple[PostingKind, str], str] = {
    (PostingKind.LOAN_DISBURSEMENT, "DBIT"): "DISBURSEMENT",
    (PostingKind.CARD_SPEND, "DBIT"): "DISBURSEMENT",
    (PostingKind.CASH_WITHDRAWAL, "DBIT"): "DISBURSEMENT",
    (PostingKind.LOAN_REPAYMENT, "CRDT"): "REPAYMENT",
    (PostingKind.CARD_REPAYMENT, "CRDT"): "REPAYMENT",
    (PostingKind.TRANSFER_IN, "CRDT"): "REPAYMENT",
    (PostingKind.CARD_SPEND, "CRDT"): "REFUND",
    (PostingKind.INTEREST, "DBIT"): "INTEREST_APPLIED",
    (PostingKind.FEE, "DBIT"): "FEE_APPLIED",
}
_UNKNOWN_TYPE = {"CRDT": "DEPOSIT", "DBIT": "WITHDRAWAL"}
_UNKNOWN_LOAN_TYPE = {"CRDT": "REPAYMENT", "DBIT": "DISBURSEMENT"}
#: Which ``affectedAmounts`` member carries the amount, per (transaction type, loan?,
#: direction); other transactions move ``fundsAmount`` (deposits) or ``principalAmount``.
_AFFECTED: dict[tuple[str, bool, str], str] = {
    ("INTEREST_APPLIED", False, "CRDT"): "interestAmount",
    ("INTEREST_APPLIED", False, "DBIT"): "overdraftInterestAmount",
    ("INTEREST_APPLIED", True, "DBIT"): "interestAmount",
    ("FEE_APPLIED", False, "DBIT"): "feesAmount",
    ("FEE_APPLIED", True, "DBIT"): "feesAmount",
    ("FEE_ADJUSTED", False, "CRDT"): "feesAmount",
}
_DEPOSIT_AFFECTED = (
    "fundsAmount",
    "interestAmount",
    "feesAmount",
    "overdraftAmount",
    "overdraftInterestAmount",
)
_LOAN_AFFECTED = ("principalAmount", "interestAmount", "feesAmount", "penaltyAmount")
#: Bank channel -> ``transactionDetails.transactionChannelId``.
_CHANNELS: dict[str, str] = {
    "CARD": "CARD",
    "SEPA": "SEPA",
    "ATM": "ATM",
    "BRANCH": "BRANCH",
    "INTERNAL": "INTERNAL",
    "ONLINE": "ONLINE",
    "": "INTERNAL",
}
_CHANNEL_BY_KIND: dict[PostingKind, str] = {PostingKind.DIRECT_DEBIT: "DIRECT_DEBIT"}


def transaction_type(posting: PostingSpec, is_loan: bool) -> str:
    """Mambu transaction ``type`` of a posting; a reversal is the reversed type's
    ``_ADJUSTMENT``."""
    table, unknown = (
        (_LOAN_TYPES, _UNKNOWN_LOAN_TYPE) if is_loan else (_DEPOSIT_TYPES, _UNKNOWN_TYPE)
    )
    direction = posting.direction
    if posting.reversal:
        direction = "CRDT" if direction == "DBIT" else "DBIT"
    base = table.get((posting.kind, direction), unknown[direction])
    return f"{base}_ADJUSTMENT" if posting.reversal else base


def transaction(
    posting: PostingSpec, account: AccountSpec, ctx: RenderContext, *, is_loan: bool
) -> dict[str, Any]:
    """A deposit or loan transaction; ``amount`` is positive, direction is in ``type``."""
    kind = transaction_type(posting, is_loan)
    base_type = kind.removesuffix("_ADJUSTMENT")
    members = _LOAN_AFFECTED if is_loan else _DEPOSIT_AFFECTED
    base_direction = posting.direction
    if posting.reversal:
        base_direction = "CRDT" if base_direction == "DBIT" else "DBIT"
    target = _AFFECTED.get((base_type, is_loan, base_direction), members[0])
    channel = _CHANNEL_BY_KIND.get(posting.kind, _CHANNELS.get(posting.channel, posting.channel))
    booked = ctx.stamp(posting.booked_at)
    value_at = datetime.combine(posting.value_date, posting.booked_at.timetz())
    balances: dict[str, Any] = {"totalBalance": posting.balance_after}
    if is_loan:
        outstanding = abs(posting.balance_after)
        balances = {
            "totalBalance": outstanding,
            "principalBalance": outstanding,
            "redrawBalance": ZERO,
        }
    record: dict[str, Any] = {
        "encodedKey": ctx.key("transaction", posting.id),
        "id": posting.id,
        "externalId": f"{channel}-{posting.id}",
        "type": kind,
        "amount": posting.amount,
        "currencyCode": account.currency,
        "creationDate": booked,
        "valueDate": ctx.stamp(value_at),
        "bookingDate": booked,
        "notes": posting.description or None,
        "parentAccountKey": ctx.key("account", account.number),
        "userKey": None,
        "transactionDetails": {
            "transactionChannelId": channel,
            "transactionChannelKey": ctx.key("channel", channel),
        },
        "affectedAmounts": {m: posting.amount if m == target else ZERO for m in members},
        "accountBalances": balances,
    }
    if posting.counterparty:
        side = "debtor" if posting.direction == "CRDT" else "creditor"
        record["paymentDetails"] = {side: {"name": posting.counterparty}}
    if posting.mcc or posting.channel == "CARD":
        record["_card"] = drop_none(
            {"MCC": posting.mcc or None, "Merchant_Country": posting.country or None}
        )
    return drop_none(record)
