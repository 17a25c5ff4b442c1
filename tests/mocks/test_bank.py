"""The synthetic bank: determinism, customers, catalog, accounts, memory and speed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tracemalloc
from dataclasses import replace
from datetime import date
from itertools import pairwise

import pytest
from xsell_connect_mocks.bank import (
    AccountState,
    BankConfig,
    Family,
    Persona,
    SyntheticBank,
)

ALLOWED_FAMILIES = {
    Family.CURRENT,
    Family.SAVINGS,
    Family.TERM_DEPOSIT,
    Family.CARD,
    Family.LOAN,
    Family.MORTGAGE,
}


@pytest.fixture(scope="module")
def bank() -> SyntheticBank:
    return SyntheticBank(BankConfig(seed=7, customers=2000))


def _fingerprint(bank: SyntheticBank, customers: range) -> str:
    digest = hashlib.sha256()
    for index in customers:
        customer = bank.customer(index)
        # A frozenset's repr follows string hashing, which PYTHONHASHSEED changes.
        digest.update(
            repr((replace(customer, personas=frozenset()), sorted(customer.personas))).encode()
        )
        for account in bank.accounts_of(index):
            digest.update(repr(account).encode())
            for posting in bank.postings(account):
                digest.update(repr(posting).encode())
    return digest.hexdigest()


# Determinism


def test_same_seed_gives_identical_customers() -> None:
    one, two = SyntheticBank(BankConfig(seed=11)), SyntheticBank(BankConfig(seed=11))

    for index in (0, 1, 499, 999):
        a, b = one.customer(index), two.customer(index)
        assert (a.number, a.first_name, a.last_name, a.organisation_name) == (
            b.number,
            b.first_name,
            b.last_name,
            b.organisation_name,
        )
        assert (a.birth_date, a.email, a.personas, a.created_at) == (
            b.birth_date,
            b.email,
            b.personas,
            b.created_at,
        )


def test_same_seed_gives_identical_postings() -> None:
    one, two = SyntheticBank(BankConfig(seed=11)), SyntheticBank(BankConfig(seed=11))

    for a, b in zip(one.accounts_of(3), two.accounts_of(3), strict=True):
        assert [(p.id, p.booked_at, p.amount, p.balance_after) for p in one.postings(a)] == [
            (p.id, p.booked_at, p.amount, p.balance_after) for p in two.postings(b)
        ]


def test_same_seed_is_identical_in_another_process_with_another_hash_seed(
    bank: SyntheticBank,
) -> None:
    script = (
        "from tests.mocks.test_bank import _fingerprint;"
        "from xsell_connect_mocks.bank import BankConfig, SyntheticBank;"
        "print(_fingerprint(SyntheticBank(BankConfig(seed=7, customers=2000)), range(20)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )

    assert result.stdout.strip() == _fingerprint(bank, range(20))


def test_different_seed_gives_different_customers() -> None:
    one, two = SyntheticBank(BankConfig(seed=1)), SyntheticBank(BankConfig(seed=2))

    names = [(one.customer(i).email, two.customer(i).email) for i in range(20)]

    assert sum(a != b for a, b in names) >= 18


def test_customer_equals_the_ith_of_customers(bank: SyntheticBank) -> None:
    for index, customer in enumerate(bank.customers(0, 300)):
        assert bank.customer(index) == customer


def test_a_customer_generated_alone_equals_the_one_in_sequence(bank: SyntheticBank) -> None:
    alone = SyntheticBank(BankConfig(seed=7, customers=2000))

    assert alone.customer(1234) == next(bank.customers(1234, 1235))
    assert alone.accounts_of(1234) == bank.accounts_of(1234)


# Customers


def test_customer_index_out_of_range_raises(bank: SyntheticBank) -> None:
    with pytest.raises(IndexError, match=r"customer index 2000 outside 0\.\.1999"):
        bank.customer(2000)


def test_customer_number_is_100000000_plus_index(bank: SyntheticBank) -> None:
    assert bank.customer(42).number == "100000042"
    assert bank.customer_by_number("100000042") == bank.customer(42)


@pytest.mark.parametrize(
    "number", ["100002000", "10000004", "1000000421", "10000004x", "099999999"]
)
def test_unknown_customer_number_is_none(bank: SyntheticBank, number: str) -> None:
    assert bank.customer_by_number(number) is None


def test_creation_order_is_index_order(bank: SyntheticBank) -> None:
    created = [c.created_at for c in bank.customers() if c.created_at is not None]

    assert len(created) == 2000
    assert all(a < b for a, b in pairwise(created))


def test_every_customer_exists_before_the_window(bank: SyntheticBank) -> None:
    latest = bank.customer(1999).created_at

    assert latest is not None
    assert latest.date() < date(2025, 11, 1)
    assert all(c.customer_since <= c.created_at.date() for c in bank.customers() if c.created_at)


def test_persons_are_18_to_85_on_as_of(bank: SyntheticBank) -> None:
    ages = [
        (date(2026, 10, 31) - c.birth_date).days // 365.25
        for c in bank.customers()
        if c.birth_date is not None
    ]

    assert (min(ages), max(ages)) == (18, 85)


def test_organisations_are_about_8_percent_all_sme(bank: SyntheticBank) -> None:
    organisations = [c for c in bank.customers() if c.kind == "ORGANISATION"]

    assert 0.06 < len(organisations) / 2000 < 0.10
    assert {(c.segment, c.birth_date, c.first_name) for c in organisations} == {("SME", None, "")}
    assert all(c.organisation_name for c in organisations)


def test_emails_are_unique_and_on_example_com(bank: SyntheticBank) -> None:
    emails = [c.email for c in bank.customers()]

    assert len(set(emails)) == 2000
    assert all(e.endswith("@example.com") and e.isascii() for e in emails)
    assert bank.customer(0).email == "alice.rousseau.0@example.com"


def test_mobiles_are_in_the_range_reserved_for_fiction(bank: SyntheticBank) -> None:
    assert {c.mobile[:8] for c in bank.customers()} == {"+3363998"}


def test_every_customer_has_one_to_three_personas(bank: SyntheticBank) -> None:
    assert {len(c.personas) for c in bank.customers()} == {1, 2, 3}


def test_every_persona_occurs(bank: SyntheticBank) -> None:
    assert {p for c in bank.customers() for p in c.personas} == set(Persona)


def test_consents_cover_every_channel_and_the_preferred_one(bank: SyntheticBank) -> None:
    for customer in bank.customers(0, 200):
        consents = dict(customer.consents)
        assert len(consents) == 6
        assert consents[customer.preferred_channel] is True


# Catalog


def test_catalog_has_eleven_products_in_families_every_vendor_has(bank: SyntheticBank) -> None:
    assert len(bank.products) == 11
    assert {p.family for p in bank.products} == ALLOWED_FAMILIES


def test_products_use_the_bank_currency_and_catalog_version() -> None:
    bank = SyntheticBank(BankConfig(currency="CHF", customers=1))

    assert {(p.currency, p.version) for p in bank.products} == {("CHF", "2026-01")}


def test_product_rates_are_ordered(bank: SyntheticBank) -> None:
    assert all(p.rate_min <= p.rate_default <= p.rate_max for p in bank.products)


def test_product_eligibility_rules(bank: SyntheticBank) -> None:
    assert bank.product("YOUTH_SAVER").max_age == 25
    assert bank.product("GOLD_CARD").min_balance == 10000
    assert bank.product("HOME_MORTGAGE").residency == ("FR",)
    assert (
        bank.product("FIXED_DEPOSIT_24M").term_min_months,
        bank.product("FIXED_DEPOSIT_24M").term_max_months,
    ) == (24, 24)
    assert [p.code for p in bank.products if p.for_organisations] == [
        "BUSINESS_CURRENT",
        "SAVINGS_PLUS",
        "FIXED_DEPOSIT_12M",
        "FIXED_DEPOSIT_24M",
    ]


def test_unknown_product_raises_key_error(bank: SyntheticBank) -> None:
    with pytest.raises(KeyError):
        bank.product("PONY")


# Accounts


def test_every_customer_has_a_current_account_first(bank: SyntheticBank) -> None:
    for index in range(300):
        assert bank.accounts_of(index)[0].family is Family.CURRENT


def test_account_number_is_customer_number_and_slot(bank: SyntheticBank) -> None:
    numbers = {a.number[-2:]: a.family for a in bank.accounts_of(7)}

    assert all(a.number[:9] == "100000007" for a in bank.accounts_of(7))
    assert numbers["01"] is Family.CURRENT


def test_account_numbers_are_unique_digits(bank: SyntheticBank) -> None:
    numbers = [a.number for i in range(500) for a in bank.accounts_of(i)]

    assert len(numbers) == len(set(numbers))
    assert all(n.isdigit() and len(n) == 11 for n in numbers)


def test_account_lookup_by_number(bank: SyntheticBank) -> None:
    account = bank.accounts_of(12)[0]

    assert bank.account(account.number) == account
    assert bank.account("10000001299") is None
    assert bank.account("99999999901") is None


def test_account_products_match_their_family(bank: SyntheticBank) -> None:
    for index in range(500):
        for account in bank.accounts_of(index):
            assert bank.product(account.product_code).family is account.family


def test_only_repaid_loans_are_closed(bank: SyntheticBank) -> None:
    closed = {
        a.number[-2:]
        for i in range(2000)
        for a in bank.accounts_of(i)
        if a.state is AccountState.CLOSED
    }

    assert closed == {"07"}


# Memory and speed


def test_a_100000_customer_bank_reaches_its_first_and_last_customer() -> None:
    bank = SyntheticBank(BankConfig(customers=100_000))

    assert bank.customer(0).number == "100000000"
    assert [c.number for c in bank.customers(99_998)] == ["100099998", "100099999"]
    assert bank.accounts_of(99_999)[0].number == "10009999901"


def test_iterating_20000_customers_keeps_memory_flat() -> None:
    bank = SyntheticBank(BankConfig(customers=100_000))
    tracemalloc.start()
    try:
        count = sum(1 for _ in bank.customers(0, 20_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 20_000
    assert peak < 2 * 2**20  # measured ~0.1 MB: nothing accumulates


def test_caches_stay_bounded_past_their_size() -> None:
    bank = SyntheticBank(BankConfig(customers=100_000))
    tracemalloc.start()
    try:
        for index in range(3000):  # past the 2048-customer and 1024-plan caches
            bank.accounts_of(index)
        full = tracemalloc.get_traced_memory()[0]
        for index in range(3000, 4000):
            bank.accounts_of(index)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert full < 10 * 2**20  # measured ~6.5 MB
    assert after < full + 2**20  # full caches evict instead of growing
