"""The synthetic bank's ledger: balances, ordering, and the pattern each persona leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from xsell_connect_mocks.bank import (
    AccountSpec,
    AccountState,
    BankConfig,
    CustomerSpec,
    Family,
    Persona,
    PostingKind,
    PostingSpec,
    SyntheticBank,
)

PARIS = ZoneInfo("Europe/Paris")
WINDOW_START = datetime(2025, 11, 1, tzinfo=PARIS)
WINDOW_END = datetime(2026, 11, 1, tzinfo=PARIS)
CREDIT = {Family.CARD, Family.LOAN, Family.MORTGAGE}


@pytest.fixture(scope="module")
def bank() -> SyntheticBank:
    return SyntheticBank(BankConfig(seed=7, customers=2000))


def having(bank: SyntheticBank, persona: Persona, limit: int = 2000) -> Iterator[CustomerSpec]:
    return (c for c in bank.customers(0, limit) if persona in c.personas)


def first_having(bank: SyntheticBank, persona: Persona) -> CustomerSpec:
    return next(having(bank, persona))


def account(bank: SyntheticBank, customer: CustomerSpec, slot: str) -> AccountSpec:
    found = bank.account(f"{customer.number}{slot}")
    assert found is not None
    return found


def postings(bank: SyntheticBank, customer: CustomerSpec, slot: str = "01") -> list[PostingSpec]:
    return list(bank.postings(account(bank, customer, slot)))


def movement(family: Family, posting: PostingSpec) -> Decimal:
    credit = posting.direction == "CRDT"
    return posting.amount if credit != (family in CREDIT) else -posting.amount


# Balances and ordering


def test_balance_is_opening_plus_signed_postings(bank: SyntheticBank) -> None:
    for index in range(100):
        for acc in bank.accounts_of(index):
            total = sum((movement(acc.family, p) for p in bank.postings(acc)), Decimal("0"))
            assert bank.balance(acc) == acc.opening_balance + total


def test_deposit_balance_is_credits_minus_debits(bank: SyntheticBank) -> None:
    current = bank.accounts_of(0)[0]
    entries = list(bank.postings(current))
    credits = sum((p.amount for p in entries if p.direction == "CRDT"), Decimal("0"))
    debits = sum((p.amount for p in entries if p.direction == "DBIT"), Decimal("0"))

    assert bank.balance(current) == current.opening_balance + credits - debits


def test_balance_after_chains_from_the_opening_balance(bank: SyntheticBank) -> None:
    for index in range(100):
        for acc in bank.accounts_of(index):
            running = acc.opening_balance
            for posting in bank.postings(acc):
                running += movement(acc.family, posting)
                assert posting.balance_after == running


def test_postings_are_sorted_with_sequential_ids(bank: SyntheticBank) -> None:
    for acc in bank.accounts_of(0):
        entries = list(bank.postings(acc))
        assert [p.id for p in entries] == [
            f"{acc.number}-{n:05d}" for n in range(1, len(entries) + 1)
        ]
        assert [p.booked_at for p in entries] == sorted(p.booked_at for p in entries)


def test_postings_lie_in_the_window_in_the_bank_zone(bank: SyntheticBank) -> None:
    for index in range(50):
        for acc in bank.accounts_of(index):
            for posting in bank.postings(acc):
                assert WINDOW_START <= posting.booked_at < WINDOW_END
                assert posting.booked_at.tzinfo == PARIS
                assert posting.value_date == posting.booked_at.date()
                assert posting.amount > 0
                assert posting.amount == posting.amount.quantize(Decimal("0.01"))


def test_current_accounts_stay_within_their_overdraft_limit(bank: SyntheticBank) -> None:
    for index in range(500):
        current = bank.accounts_of(index)[0]
        assert min(p.balance_after for p in bank.postings(current)) >= -current.limit


def test_only_overdraft_prone_customers_go_negative(bank: SyntheticBank) -> None:
    for customer in bank.customers(0, 500):
        if Persona.OVERDRAFT_PRONE not in customer.personas:
            assert min(p.balance_after for p in postings(bank, customer)) >= 0


def test_postings_of_merges_a_customers_accounts_by_time(bank: SyntheticBank) -> None:
    merged = list(bank.postings_of(0))

    assert len(merged) == sum(len(list(bank.postings(a))) for a in bank.accounts_of(0))
    assert [p.booked_at for p in merged] == sorted(p.booked_at for p in merged)


def test_postings_between_selects_the_range_customer_by_customer() -> None:
    bank = SyntheticBank(BankConfig(customers=5))
    start, end = datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 3, 8, tzinfo=PARIS)

    found = list(bank.postings_between(start, end))

    expected = [p for i in range(5) for p in bank.postings_of(i) if start <= p.booked_at < end]
    assert found == expected
    assert len(found) > 20


def test_postings_between_outside_the_window_is_empty() -> None:
    bank = SyntheticBank(BankConfig(customers=5))

    assert (
        list(
            bank.postings_between(
                datetime(2020, 1, 1, tzinfo=PARIS), datetime(2020, 2, 1, tzinfo=PARIS)
            )
        )
        == []
    )


# Personas


def test_salaried_customers_get_twelve_equal_salaries_on_the_23rd_to_28th(
    bank: SyntheticBank,
) -> None:
    for customer in having(bank, Persona.SALARIED, 300):
        salaries = [p for p in postings(bank, customer) if p.kind is PostingKind.SALARY]
        assert len(salaries) == 12
        assert len({p.amount for p in salaries}) == 1
        assert all(23 <= p.booked_at.day <= 28 and p.direction == "CRDT" for p in salaries)


def test_overdraft_prone_customers_dip_below_zero_in_most_months(bank: SyntheticBank) -> None:
    for customer in having(bank, Persona.OVERDRAFT_PRONE, 300):
        current = account(bank, customer, "01")
        entries = list(bank.postings(current))
        red = {(p.booked_at.year, p.booked_at.month) for p in entries if p.balance_after < 0}
        assert len(red) >= 3
        assert min(p.balance_after for p in entries) >= -current.limit


def test_card_repayments_pay_the_last_statement_in_full(bank: SyntheticBank) -> None:
    customer = first_having(bank, Persona.CARD_HEAVY)
    card = account(bank, customer, "04")
    statement, balance, month = card.opening_balance, card.opening_balance, (2025, 11)
    for posting in bank.postings(card):
        if (posting.booked_at.year, posting.booked_at.month) != month:
            statement, month = balance, (posting.booked_at.year, posting.booked_at.month)
        if posting.kind is PostingKind.CARD_REPAYMENT:
            assert (posting.amount, posting.booked_at.day) == (statement, 5)
        balance = posting.balance_after
    assert balance <= card.limit


def test_card_repayment_debits_the_current_account_the_same_amount(bank: SyntheticBank) -> None:
    customer = first_having(bank, Persona.CARD_HEAVY)
    card_side = [
        (p.booked_at, p.amount)
        for p in postings(bank, customer, "04")
        if p.kind is PostingKind.CARD_REPAYMENT
    ]
    current_side = [
        (p.booked_at, p.amount)
        for p in postings(bank, customer)
        if p.kind is PostingKind.CARD_REPAYMENT
    ]

    assert card_side == current_side
    assert len(card_side) == 12


def test_loan_repayments_credit_the_loan_and_debit_the_current_account(
    bank: SyntheticBank,
) -> None:
    customer = first_having(bank, Persona.BORROWER)
    loan = [p for p in postings(bank, customer, "05") if p.kind is PostingKind.LOAN_REPAYMENT]
    debits = [p for p in postings(bank, customer) if p.description.startswith("PRLV ECHEANCE")]

    assert [(p.booked_at, p.amount) for p in loan] == [(p.booked_at, p.amount) for p in debits]
    assert {(p.direction, q.direction, q.kind) for p, q in zip(loan, debits, strict=True)} == {
        ("CRDT", "DBIT", PostingKind.DIRECT_DEBIT)
    }


def test_loan_balance_is_outstanding_principal_falling_with_repayments(
    bank: SyntheticBank,
) -> None:
    customer = first_having(bank, Persona.BORROWER)
    loan = account(bank, customer, "05")
    after_repayments = [
        p.balance_after for p in bank.postings(loan) if p.kind is PostingKind.LOAN_REPAYMENT
    ]

    assert all(b > 0 for b in after_repayments)
    assert after_repayments == sorted(after_repayments, reverse=True)


def test_repaid_loans_end_at_zero_closed_on_the_last_repayment(bank: SyntheticBank) -> None:
    for customer in having(bank, Persona.LOAN_REPAID, 1000):
        loan = account(bank, customer, "07")
        last = postings(bank, customer, "07")[-1]
        assert (loan.state, loan.closed_on) == (AccountState.CLOSED, last.booked_at.date())
        assert (last.kind, last.balance_after) == (PostingKind.LOAN_REPAYMENT, Decimal("0.00"))
        assert bank.balance(loan) == 0


def test_homeowners_have_a_mortgage_and_buy_home_improvement(bank: SyntheticBank) -> None:
    for customer in having(bank, Persona.HOMEOWNER, 500):
        assert account(bank, customer, "06").family is Family.MORTGAGE
        assert {"5200", "5211"} & {p.mcc for p in postings(bank, customer)}


def test_others_never_shop_at_home_improvement_stores(bank: SyntheticBank) -> None:
    for customer in bank.customers(0, 300):
        if Persona.HOMEOWNER not in customer.personas:
            assert not {"5200", "5211"} & {p.mcc for p in postings(bank, customer)}


def test_matured_term_deposits_pay_principal_and_interest_to_current(
    bank: SyntheticBank,
) -> None:
    matured = [
        c
        for c in having(bank, Persona.TERM_DEPOSITOR)
        if account(bank, c, "03").state is AccountState.MATURED
    ]
    customer = matured[0]
    deposit = account(bank, customer, "03")
    [credit] = [p for p in postings(bank, customer) if p.kind is PostingKind.DEPOSIT_MATURITY]
    interest = next(p for p in postings(bank, customer, "03") if p.kind is PostingKind.INTEREST)

    assert credit.amount == deposit.principal + interest.amount
    assert credit.booked_at.date() == deposit.matures_on
    assert bank.balance(deposit) == 0


def test_some_term_deposits_mature_in_the_next_60_days(bank: SyntheticBank) -> None:
    as_of = date(2026, 10, 31)
    soon = [
        a
        for c in having(bank, Persona.TERM_DEPOSITOR)
        if (a := account(bank, c, "03")).matures_on
        and as_of < a.matures_on <= as_of + timedelta(days=60)
    ]

    assert len(soon) >= 20
    assert all(a.state is AccountState.ACTIVE and a.opening_balance == 0 for a in soon)


def test_large_deposits_are_one_credit_of_at_least_20000(bank: SyntheticBank) -> None:
    for customer in having(bank, Persona.LARGE_DEPOSIT, 1000):
        [deposit] = [p for p in postings(bank, customer) if p.kind is PostingKind.LARGE_DEPOSIT]
        assert (deposit.amount >= 20000, deposit.direction) == (True, "CRDT")


def test_travellers_first_spend_abroad_after_the_first_month(bank: SyntheticBank) -> None:
    for customer in having(bank, Persona.TRAVELLER, 500):
        abroad = [p for p in postings(bank, customer) if p.channel == "CARD" and p.country != "FR"]
        assert abroad, customer.index
        assert abroad[0].booked_at >= WINDOW_START + timedelta(days=30)


def test_everyone_else_spends_only_in_france(bank: SyntheticBank) -> None:
    for customer in bank.customers(0, 300):
        if Persona.TRAVELLER not in customer.personas:
            assert {p.country for p in postings(bank, customer) if p.channel == "CARD"} <= {"FR"}


def test_drifting_customers_go_quiet_for_their_last_months(bank: SyntheticBank) -> None:
    for customer in having(bank, Persona.DRIFTING, 1000):
        current = account(bank, customer, "01")
        last = postings(bank, customer)[-1].booked_at
        assert current.state is AccountState.DORMANT
        assert last < datetime(2026, 9, 1, tzinfo=PARIS)


def test_drifting_activity_decays(bank: SyntheticBank) -> None:
    customer = first_having(bank, Persona.DRIFTING)
    months = [
        p.booked_at.month for p in postings(bank, customer) if p.kind is PostingKind.CARD_SPEND
    ]

    assert months.count(11) > months.count(5)


def test_savers_move_money_to_savings_every_month(bank: SyntheticBank) -> None:
    customer = first_having(bank, Persona.SAVER)
    moves = [p for p in postings(bank, customer, "02") if p.kind is PostingKind.TRANSFER_IN]

    assert len(moves) == 12
    assert len({p.amount for p in moves}) == 1


def test_savings_earn_interest_at_each_month_end(bank: SyntheticBank) -> None:
    customer = first_having(bank, Persona.SAVER)
    interest = [p for p in postings(bank, customer, "02") if p.kind is PostingKind.INTEREST]

    assert len(interest) == 12
    assert all((p.booked_at + timedelta(days=1)).day == 1 for p in interest)


def test_current_accounts_pay_a_monthly_fee(bank: SyntheticBank) -> None:
    fees = [p for p in postings(bank, bank.customer(0)) if p.kind is PostingKind.FEE]

    assert len(fees) == 12
