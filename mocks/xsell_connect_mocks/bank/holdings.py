"""Which accounts a customer holds, with their terms and opening balances.

Each opener reads the customer's personas, draws from the plan's random stream and
appends an `AccountSpec`; loans and mortgages are sized from income (installments of
5-12% for a personal loan, 22-33% for a mortgage), cards from planned card spending,
deposits from segment. Account numbers are the customer number plus a slot (see
`xsell_connect_mocks.bank.plan`).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from xsell_connect_mocks.bank.money import cents, first_due, installment, present_value, round_to
from xsell_connect_mocks.bank.people import age_on
from xsell_connect_mocks.bank.specs import (
    AccountSpec,
    AccountState,
    BankConfig,
    CustomerSpec,
    Persona,
    ProductSpec,
)
from xsell_connect_mocks.bank.timeline import add_months, window_start

__all__ = ["Holdings"]

# Term-deposit size by segment, in euros.
_DEPOSIT = {
    "MASS": (5000, 30000),
    "AFFLUENT": (20000, 120000),
    "PRIVATE": (100000, 500000),
    "SME": (20000, 300000),
}


class Holdings:
    """Opens a customer's accounts; `plan._Planner` adds budgets and events on top."""

    def __init__(self, config: BankConfig, customer: CustomerSpec, catalog: dict[str, ProductSpec]):
        self.config, self.customer, self.catalog = config, customer, catalog
        self.rng = random.Random(f"{config.seed}:a:{customer.index}")
        self.start = window_start(config)
        self.days = (config.as_of - self.start).days + 1
        self.personas = customer.personas
        self.org = customer.kind == "ORGANISATION"
        birth = customer.birth_date
        self.age = age_on(birth, config.as_of) if birth is not None else 40
        self.accounts: list[AccountSpec] = []

    def _money(self, low: float, high: float) -> int:
        return round(self.rng.uniform(low, high) * 100)

    def _rate(self, product: ProductSpec) -> Decimal:
        return round(Decimal(self.rng.uniform(float(product.rate_min), float(product.rate_max))), 2)

    def _add(self, slot: int, product: ProductSpec, opened: date, **fields: Any) -> AccountSpec:
        values: dict[str, Any] = {"state": AccountState.ACTIVE, "rate": self._rate(product)}
        values.update(fields)
        account = AccountSpec(
            number=f"{self.customer.number}{slot:02d}",
            customer_index=self.customer.index,
            family=product.family,
            product_code=product.code,
            currency=self.config.currency,
            opened_on=max(opened, self.customer.customer_since),
            **values,
        )
        self.accounts.append(account)
        return account

    def _within(self, low: int, high: int) -> date:
        return self.start + timedelta(days=self.rng.randint(low, max(low, self.days - high)))

    def _loans(self, income: int) -> list[int]:
        """Open the loans the personas call for; return their monthly installments."""
        payments: list[int] = []
        specs = (
            (Persona.BORROWER, 5, "PERSONAL_LOAN", (0.05, 0.12), (self.config.months + 1, 72)),
            (Persona.HOMEOWNER, 6, "HOME_MORTGAGE", (0.22, 0.33), (36, 270)),
            (
                Persona.LOAN_REPAID,
                7,
                "PERSONAL_LOAN",
                (0.03, 0.08),
                (1, max(1, self.config.months - 1)),
            ),
        )
        for persona, slot, code, share, remaining in specs:
            if persona not in self.personas:
                continue
            product, rng = self.catalog[code], self.rng
            rate, day = self._rate(product), rng.choice((5, 10, 15))
            payment = round(income * rng.uniform(*share))
            term_max = product.term_max_months or 84
            if persona is Persona.BORROWER and rng.random() < 0.25:
                # A loan taken out inside the window: disbursed, then repaid from next month.
                opened = self._within(30, self.days // 2 + 1)
                count = rng.randint(max(12, product.term_min_months or 12), term_max)
                principal = max(present_value(payment, rate, count), 100_000)
                due = first_due(self.config, day, opened)
                self._add(
                    slot,
                    product,
                    opened,
                    rate=rate,
                    principal=cents(principal),
                    matures_on=add_months(due, count - 1),
                )
                payments.append(installment(principal, rate, count))
                continue
            count = rng.randint(*remaining)
            opening = present_value(payment, rate, count)
            due = first_due(self.config, day, self.start - timedelta(days=1))
            last = add_months(due, count - 1)
            elapsed = rng.randint(3, max(3, term_max - count))
            principal = max(present_value(payment, rate, count + elapsed), opening)
            closed = persona is Persona.LOAN_REPAID
            self._add(
                slot,
                product,
                add_months(due, -elapsed - 1),
                rate=rate,
                principal=cents(principal),
                opening_balance=cents(opening),
                matures_on=last,
                state=AccountState.CLOSED if closed else AccountState.ACTIVE,
                closed_on=last if closed else None,
            )
            payments.append(installment(opening, rate, count))
        return payments

    def _savings(self, income: int, disposable: int) -> int:
        saver = Persona.SAVER in self.personas
        if not saver and (Persona.DRIFTING in self.personas or self.rng.random() >= 0.35):
            return 0
        youth = not self.org and self.age <= 25
        product = self.catalog["YOUTH_SAVER" if youth else "SAVINGS_PLUS"]
        months = self.rng.uniform(3, 12) if saver else self.rng.uniform(0.3, 3)
        opening = min(round(income * months), 2_000_000 if youth else 10**10)
        transfer = round(income * self.rng.uniform(0.08, 0.2)) if saver else 0
        transfer = min(transfer, disposable // 2)
        if youth:
            transfer = min(transfer, (2_400_000 - opening) // max(self.config.months, 1))
        self._add(2, product, self._before_window(), opening_balance=cents(opening))
        return max(transfer, 0)

    def _card(self, variable: int, disposable: int) -> tuple[int, int]:
        """Open a credit card if called for; return (monthly card spend, amount owed now)."""
        heavy = Persona.CARD_HEAVY in self.personas
        if self.org or Persona.DRIFTING in self.personas:
            return 0, 0
        if not heavy and self.rng.random() >= 0.3:
            return 0, 0
        gold = self.customer.segment in ("AFFLUENT", "PRIVATE") and self.age >= 21
        product = self.catalog["GOLD_CARD" if gold else "CLASSIC_CARD"]
        low, high = int(product.amount_min or 0) * 100, int(product.amount_max or 0) * 100
        # Card spending stays well inside disposable income, so repayments are affordable.
        spend = min(round(variable * (0.7 if heavy else 0.25)), disposable * 6 // 10)
        limit = min(max(round_to(spend / self.rng.uniform(0.6, 0.85), 10000), low), high)
        spend = min(spend, limit * 7 // 10)
        owed = min(round(spend * self.rng.uniform(0.8, 1.1)), limit * 9 // 10)
        self._add(
            4, product, self._before_window(), limit=cents(limit), opening_balance=cents(owed)
        )
        return spend, owed

    def _term_deposit(self) -> int:
        """Open the term deposit of a TERM_DEPOSITOR; return what the window places."""
        if Persona.TERM_DEPOSITOR not in self.personas:
            return 0
        rng, as_of = self.rng, self.config.as_of
        principal = round_to(self.rng.uniform(*_DEPOSIT[self.customer.segment]), 100) * 100
        draw = 0.99 if Persona.DRIFTING in self.personas else rng.random()
        if draw < 0.4:  # matured inside the window
            term = rng.choice((12, 24))
            matures = self._within(15, 5)
        elif draw < 0.75:  # placed inside the window, matures in the next 60 days
            term, matures = 12, as_of + timedelta(days=rng.randint(1, 60))
        else:  # placed before the window, matures well after it
            term = 24
            matures = add_months(self.start - timedelta(days=rng.randint(1, 270)), 24)
        opened = add_months(matures, -term)
        placed_inside = opened >= self.start
        matured = matures <= as_of
        self._add(
            3,
            self.catalog[f"FIXED_DEPOSIT_{term}M"],
            opened,
            principal=cents(principal),
            opening_balance=cents(0 if placed_inside else principal),
            matures_on=matures,
            state=AccountState.MATURED if matured else AccountState.ACTIVE,
        )
        return principal if placed_inside else 0

    def _before_window(self) -> date:
        since = self.customer.customer_since
        span = max((self.start - since).days - 1, 0)
        return since + timedelta(days=self.rng.randint(0, span))
