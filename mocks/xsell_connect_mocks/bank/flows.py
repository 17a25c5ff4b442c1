"""Scheduled flows of a customer's ledger: everything except day-to-day spending.

Each function writes one pattern through a `LedgerBuilder`, both legs of every transfer
included: standing income and bills, loan and mortgage repayments, term deposits,
savings transfers and interest, and the credit card (its spending and the monthly
repayment in full). `build_ledger` runs them in dependency order, then the spending.
"""

from __future__ import annotations

from datetime import date, timedelta

from xsell_connect_mocks.bank.ledger import LedgerBuilder, pick
from xsell_connect_mocks.bank.merchants import airline, table_for
from xsell_connect_mocks.bank.money import first_due, installment
from xsell_connect_mocks.bank.plan import Plan
from xsell_connect_mocks.bank.specs import AccountSpec, BankConfig, Family, PostingKind, PostingSpec
from xsell_connect_mocks.bank.timeline import add_months, day_in_month, months_in_window

__all__ = ["build_ledger"]

K = PostingKind


def build_ledger(config: BankConfig, plan: Plan) -> dict[str, tuple[PostingSpec, ...]]:
    """All postings of the customer planned by `plan`, by account number."""
    b = LedgerBuilder(config, plan)
    for account in plan.accounts:
        if account.family in (Family.LOAN, Family.MORTGAGE):
            _loan(b, account)
        elif account.family is Family.TERM_DEPOSIT:
            _term_deposit(b, account)
        elif account.family is Family.SAVINGS:
            _savings(b, account)
        elif account.family is Family.CARD:
            _card(b, account)
    _standing(b)
    b.spend_on_current()
    return b.postings()


def _rate_centi(account: AccountSpec) -> int:
    return int(account.rate * 100)


def _interest(balance: int, rate_centi: int, months: int = 1) -> int:
    # balance (cents) x rate (hundredths of a percent) / (100 x 100 x 12), half up.
    return (balance * rate_centi * months + 60_000) // 120_000


def _loan(b: LedgerBuilder, account: AccountSpec) -> None:
    config, current, number = b.config, b.current, account.number
    assert account.matures_on is not None
    label = "PRET IMMO" if account.family is Family.MORTGAGE else "PRET PERSO"
    principal = int(account.principal * 100)
    if account.opened_on >= b.start:
        balance = principal
        when = b.at(account.opened_on, 10, 0)
        b.transfer(
            when,
            number,
            current,
            principal,
            (K.LOAN_DISBURSEMENT, K.LOAN_DISBURSEMENT),
            (f"DEBLOCAGE {label}", f"VIR DEBLOCAGE {label} {number}"),
        )
        bought = account.opened_on + timedelta(days=3)
        if b.in_window(bought):
            b.add(
                current,
                b.at(bought, 11, 0),
                "DBIT",
                principal * 9 // 10,
                K.TRANSFER_OUT,
                "VIR ACHAT VEHICULE",
                "Garage Central Auto",
                channel="SEPA",
            )
        due = first_due(config, account.matures_on.day, account.opened_on)
    else:
        balance = int(account.opening_balance * 100)
        due = first_due(config, account.matures_on.day, b.start - timedelta(days=1))
    count = (account.matures_on.year - due.year) * 12 + account.matures_on.month - due.month + 1
    payment = installment(balance, account.rate, count)
    rate = _rate_centi(account)
    while due <= min(account.matures_on, config.as_of) and balance > 0:
        interest = _interest(balance, rate)
        b.add(number, b.at(due, 0, 30), "DBIT", interest, K.INTEREST, "INTERETS")
        balance += interest
        pay = balance if due == account.matures_on else min(payment, balance)
        b.add(number, b.at(due, 5, 0), "CRDT", pay, K.LOAN_REPAYMENT, "REMBOURSEMENT ECHEANCE")
        b.add(
            current,
            b.at(due, 5, 0),
            "DBIT",
            pay,
            K.DIRECT_DEBIT,
            f"PRLV ECHEANCE {label} {number}",
            "Notre Banque",
            channel="SEPA",
        )
        balance -= pay
        due = add_months(due, 1)


def _term_deposit(b: LedgerBuilder, account: AccountSpec) -> None:
    assert account.matures_on is not None
    principal = int(account.principal * 100)
    if b.in_window(account.opened_on):
        b.transfer(
            b.at(account.opened_on, 11, 0),
            b.current,
            account.number,
            principal,
            (K.DEPOSIT_PLACEMENT, K.DEPOSIT_PLACEMENT),
            (f"PLACEMENT DEPOT A TERME {account.number}", "CONSTITUTION DEPOT"),
        )
    if b.in_window(account.matures_on):
        term = (account.matures_on.year - account.opened_on.year) * 12 + (
            account.matures_on.month - account.opened_on.month
        )
        interest = _interest(principal, _rate_centi(account), term)
        b.add(
            account.number,
            b.at(account.matures_on, 7, 55),
            "CRDT",
            interest,
            K.INTEREST,
            "INTERETS A L'ECHEANCE",
        )
        b.transfer(
            b.at(account.matures_on, 8, 0),
            account.number,
            b.current,
            principal + interest,
            (K.DEPOSIT_MATURITY, K.DEPOSIT_MATURITY),
            ("ECHEANCE DEPOT", f"VIR ECHEANCE DEPOT A TERME {account.number}"),
        )


def _months(b: LedgerBuilder) -> list[tuple[int, int, int]]:
    cut = b.plan.drift_cut
    return [m for m in months_in_window(b.config) if cut is None or m[0] < cut]


def _savings(b: LedgerBuilder, account: AccountSpec) -> None:
    plan, number = b.plan, account.number
    balance = int(account.opening_balance * 100)
    rate = _rate_centi(account)
    pay_day = plan.incomes[0][2] + 1 if plan.incomes else 2
    for _, year, month in _months(b):
        moved = day_in_month(year, month, pay_day)
        if plan.saving and b.in_window(moved):
            b.transfer(
                b.at(moved, 9, 30),
                b.current,
                number,
                plan.saving,
                (K.TRANSFER_OUT, K.TRANSFER_IN),
                ("VIR PERMANENT EPARGNE", "VIR PERMANENT DEPUIS COMPTE COURANT"),
            )
            balance += plan.saving
        month_end = day_in_month(year, month, 31)
        if b.in_window(month_end):
            interest = _interest(balance, rate)
            b.add(
                number, b.at(month_end, 23, 30), "CRDT", interest, K.INTEREST, "INTERETS CREDITEURS"
            )
            balance += interest


def _card(b: LedgerBuilder, account: AccountSpec) -> None:
    plan, rand, number, country = b.plan, b.rng.random, account.number, b.config.country
    table = table_for("person")
    rate = 1.0 if plan.card_spend > 150_000 else 0.4
    ticket = plan.card_spend / (rate * 30.4 * table[2])
    limit = int(account.limit * 100)
    cap = plan.card_spend * 13 // 10  # repayments stay affordable even in a busy month
    balance = statement = int(account.opening_balance * 100)
    spent = 0
    for day, _, label, midnight in b.calendar:
        if day.day == 1:
            spent = 0
        if day.day == 5 and statement > 0:
            b.transfer(
                midnight + 25_200,
                b.current,
                number,
                statement,
                (K.CARD_REPAYMENT, K.CARD_REPAYMENT),
                (f"PRLV REMBOURSEMENT CARTE {number}", "REMBOURSEMENT INTEGRAL"),
            )
            balance -= statement
        for _ in range(int(rate + rand())):
            mcc, _w, factor, names = pick(table, rand())
            amount = max(100, round(ticket * factor * (0.4 + 1.2 * rand())))
            if balance + amount > limit or spent + amount > cap:
                continue
            merchant = names[int(rand() * len(names))]
            b.add(
                number,
                midnight + 28_800 + int(rand() * 50_400),
                "DBIT",
                amount,
                K.CARD_SPEND,
                f"CB {merchant.upper()} {label}",
                merchant,
                mcc,
                "CARD",
                country,
            )
            balance += amount
            spent += amount
        if (day + timedelta(days=1)).day == 1:
            statement = balance


def _standing(b: LedgerBuilder) -> None:
    plan, current, rng = b.plan, b.current, b.rng
    for _, year, month in _months(b):
        for kind, party, day_of_month, amount in plan.incomes:
            day = day_in_month(year, month, day_of_month)
            if kind == "SALARY" and day.weekday() >= 5:
                day -= timedelta(days=day.weekday() - 4)  # paid on the Friday before
            if b.in_window(day):
                label = "SALAIRE " if kind == "SALARY" else ""
                b.add(
                    current,
                    b.at(day, 6),
                    "CRDT",
                    amount,
                    K(kind),
                    f"VIR SEPA {label}{party.upper()}",
                    party,
                    channel="SEPA",
                )
        for kind, party, day_of_month, amount in plan.bills:
            day = day_in_month(year, month, day_of_month)
            if b.in_window(day):
                prefix = "PRLV SEPA" if kind == "DIRECT_DEBIT" else "VIR PERMANENT"
                b.add(
                    current,
                    b.at(day, 4),
                    "DBIT",
                    amount,
                    K(kind),
                    f"{prefix} {party.upper()}",
                    party,
                    channel="SEPA",
                )
        month_end = day_in_month(year, month, 31)
        if b.in_window(month_end):
            b.add(current, b.at(month_end, 22, 0), "DBIT", plan.fee, K.FEE, "FRAIS TENUE DE COMPTE")
            b.add(
                current,
                b.at(month_end, 22, 10),
                "DBIT",
                plan.agios,
                K.INTEREST,
                "INTERETS DEBITEURS",
            )
    if plan.large_deposit is not None:
        day, amount, description, payer = plan.large_deposit
        b.add(
            current,
            b.at(day, rng.randint(10, 15)),
            "CRDT",
            amount,
            K.LARGE_DEPOSIT,
            f"{description} {payer.upper()}",
            payer,
            channel="SEPA",
        )
    for _start, _days, country, ticket_day, amount in plan.trips:
        _card_purchase(b, ticket_day, amount, "4511", airline(country), country)
    if plan.home_project is not None:
        day, amount = plan.home_project
        _card_purchase(b, day, amount, "5211", "Bois & Matériaux", b.config.country)


def _card_purchase(
    b: LedgerBuilder, day: date, amount: int, mcc: str, merchant: str, country: str
) -> None:
    label = f"CB {merchant.upper()} {b.label(day)}"
    b.add(
        b.current,
        b.at(day, 15),
        "DBIT",
        amount,
        K.CARD_SPEND,
        label,
        merchant,
        mcc,
        "CARD",
        country,
    )
