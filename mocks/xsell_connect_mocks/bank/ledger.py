"""The ledger: a customer's plan written out as postings, account by account.

Sign convention (``balance_after``, ``opening_balance``, ``balance``):

- deposit accounts (CURRENT, SAVINGS, TERM_DEPOSIT): the balance is what the bank owes
  the customer; a CRDT raises it, a DBIT lowers it (an overdraft is negative);
- credit accounts (CARD, LOAN, MORTGAGE): the balance is what the customer owes, a
  positive number; a DBIT (spend, disbursement, interest) raises it, a CRDT (repayment)
  lowers it.

So ``balance = opening + credits - debits`` on deposit accounts and ``opening + debits -
credits`` on credit accounts, and every posting moves ``balance_after`` in its
direction's sense. Vendors render the sign their own way.

Every posting has the id ``<account number>-<sequence>`` (five digits, from 1 in booking
order), stable across runs. A customer's postings come from one
``random.Random(f"{seed}:l:{index}")``, because one transfer writes two accounts: both
legs must agree. Scheduled flows (income, bills, repayments, transfers) come first; card
and cash spending on the current account is then drawn day by day and only accepted when
the balance stays above the plan's floor after reserving every later scheduled debit, so
a balance never breaks its overdraft limit.
"""

from __future__ import annotations

import dataclasses
import random
from bisect import bisect
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from xsell_connect_mocks.bank.merchants import Table, foreign_merchant, table_for
from xsell_connect_mocks.bank.money import cents
from xsell_connect_mocks.bank.plan import Plan
from xsell_connect_mocks.bank.specs import (
    AccountSpec,
    BankConfig,
    Family,
    Persona,
    PostingKind,
    PostingSpec,
)
from xsell_connect_mocks.bank.timeline import bank_zone, window_start

__all__ = ["CREDIT_FAMILIES", "Day", "LedgerBuilder", "Leg", "calendar_of", "pick", "signed"]

CREDIT_FAMILIES = frozenset({Family.CARD, Family.LOAN, Family.MORTGAGE})

# (seconds since the window's first midnight, order, direction, cents, kind, description,
#  counterparty, mcc, channel, country). Integer times keep generation fast; they become
#  wall-clock datetimes in the bank's zone when rendered (hours 02-03 are never used, so
#  no time falls in a daylight-saving gap).
Leg = tuple[int, int, str, int, PostingKind, str, str, str, str, str]
# (day, position of its month in the window, "dd/mm" label, seconds at its midnight)
Day = tuple[date, int, str, int]


@lru_cache(maxsize=16)
def calendar_of(start: date, days: int) -> tuple[Day, ...]:
    """Every day of a window, computed once per window rather than per customer."""
    table: list[Day] = []
    position, month = 0, (start.year, start.month)
    for offset in range(days):
        day = start + timedelta(days=offset)
        if (day.year, day.month) != month:
            position, month = position + 1, (day.year, day.month)
        table.append((day, position, f"{day.day:02d}/{day.month:02d}", offset * 86_400))
    return tuple(table)


def pick(table: Table, draw: float) -> tuple[str, float, float, tuple[str, ...]]:
    """The category a uniform `draw` in [0, 1) selects (weighted, no extra randomness)."""
    categories, cumulative, _ = table
    return categories[bisect(cumulative, draw * cumulative[-1])]


_POSTING_DEFAULTS = {
    f.name: f.default
    for f in dataclasses.fields(PostingSpec)
    if f.default is not dataclasses.MISSING
}


def _posting(**values: Any) -> PostingSpec:
    """A `PostingSpec` built without the frozen-dataclass ``__init__``.

    A ledger renders hundreds of postings and the generated ``__init__`` (one
    ``object.__setattr__`` per field) was a third of the cost of a customer; filling
    ``__dict__`` gives the same object (defaults included) seven times faster.
    """
    posting: PostingSpec = object.__new__(PostingSpec)
    posting.__dict__.update(_POSTING_DEFAULTS, **values)
    return posting


def signed(family: Family, direction: str, amount: int) -> int:
    """How a posting moves the balance of an account of `family` (see module docstring)."""
    raises = (direction == "CRDT") != (family in CREDIT_FAMILIES)
    return amount if raises else -amount


class LedgerBuilder:
    """Collects one customer's legs, then renders them as `PostingSpec` per account."""

    def __init__(self, config: BankConfig, plan: Plan) -> None:
        self.config, self.plan = config, plan
        self.rng = random.Random(f"{config.seed}:l:{plan.customer.index}")
        self.start = window_start(config)
        self.days = (config.as_of - self.start).days + 1
        self.calendar = calendar_of(self.start, self.days)
        self.accounts = {a.number: a for a in plan.accounts}
        self.current = plan.accounts[0].number
        self.legs: dict[str, list[Leg]] = {n: [] for n in self.accounts}
        self._order = 0

    def at(self, day: date, hour: int, minute: int | None = None) -> int:
        """A booking time on `day`; a random minute and second when `minute` is None."""
        base = (day - self.start).days * 86_400 + hour * 3600
        if minute is None:
            return base + int(self.rng.random() * 3600)
        return base + minute * 60

    @staticmethod
    def label(day: date) -> str:
        """The "dd/mm" a card statement shows."""
        return f"{day.day:02d}/{day.month:02d}"

    def in_window(self, day: date) -> bool:
        """Whether `day` lies in the history window."""
        return self.start <= day <= self.config.as_of

    def add(
        self,
        account: str,
        when: int,
        direction: str,
        amount: int,
        kind: PostingKind,
        description: str,
        counterparty: str = "",
        mcc: str = "",
        channel: str = "INTERNAL",
        country: str = "",
    ) -> None:
        """Book one leg on `account` (amount in cents, positive)."""
        if amount <= 0:
            return
        self._order += 1
        self.legs[account].append(
            (
                when,
                self._order,
                direction,
                amount,
                kind,
                description,
                counterparty,
                mcc,
                channel,
                country,
            )
        )

    def transfer(
        self,
        when: int,
        debit: str,
        credit: str,
        amount: int,
        kinds: tuple[PostingKind, PostingKind],
        descriptions: tuple[str, str],
        channel: str = "INTERNAL",
    ) -> None:
        """Book both legs of a move between two of the customer's accounts."""
        self.add(debit, when, "DBIT", amount, kinds[0], descriptions[0], channel=channel)
        self.add(credit, when, "CRDT", amount, kinds[1], descriptions[1], channel=channel)

    def spend_on_current(self) -> None:
        """Draw debit-card and cash spending, keeping the current account above its floor."""
        plan, rand, current, country = self.plan, self.rng.random, self.current, self.config.country
        scheduled = sorted(self.legs[current])
        # need[i]: balance required before scheduled leg i so that the scheduled legs
        # alone never take the account below the floor.
        need = [0] * (len(scheduled) + 1)
        for i in range(len(scheduled) - 1, -1, -1):
            leg = scheduled[i]
            need[i] = max(0, -signed(Family.CURRENT, leg[2], leg[3]) + need[i + 1])
        times = [leg[0] for leg in scheduled]
        moves = [signed(Family.CURRENT, leg[2], leg[3]) for leg in scheduled]
        balance = int(self.accounts[current].opening_balance * 100)
        org = plan.customer.kind == "ORGANISATION"
        table = table_for(
            "business"
            if org
            else "homeowner"
            if Persona.HOMEOWNER in plan.customer.personas
            else "person"
        )
        rate = 0.25 if org else 0.6
        ticket = plan.spend / (rate * 30.4 * table[2]) if plan.spend else 0.0
        trips = [(t[0], t[0] + timedelta(days=t[1]), t[2]) for t in plan.trips]
        travel = table_for("travel")
        cut, city, floor = plan.drift_cut, plan.customer.city, plan.floor
        pointer, last = 0, len(scheduled)
        # OVERDRAFT_PRONE customers (floor below zero) spend any comfortable surplus, which
        # is what takes them into the red before each pay day; a windfall far above their
        # income (a maturing deposit) is left alone.
        burn_from = 2 * plan.spend if floor < 0 else None
        burn_to = 12 * sum(flow[3] for flow in plan.incomes)
        for day, position, label, midnight in self.calendar if ticket else ():
            activity = 1.0 if cut is None else max(0.0, 1 - position / cut)
            count = int(rate * activity + rand())
            if burn_from is not None and burn_from < balance - need[pointer] - floor < burn_to:
                count += 2
            abroad = next((c for s, e, c in trips if s <= day < e), None) if trips else None
            if abroad:
                count += 1 + int(rand() * 3)
            draws = []
            for _ in range(count):
                mcc, _w, factor, names = pick(travel if abroad else table, rand())
                if abroad:
                    merchant, where = foreign_merchant(names[0], abroad), abroad
                else:
                    merchant, where = names[int(rand() * len(names))], country
                amount = max(100, round(ticket * factor * (0.4 + 1.2 * rand())))
                draws.append(
                    (midnight + 28_800 + int(rand() * 50_400), amount, mcc, merchant, where)
                )
            if rand() < 0.07 * activity:
                amount = (2 + int(rand() * 19)) * 1000
                draws.append((midnight + 28_800 + int(rand() * 50_400), amount, "6011", "", ""))
            if len(draws) > 1:
                draws.sort()
            for when, amount, mcc, merchant, where in draws:
                while pointer < last and times[pointer] <= when:
                    balance += moves[pointer]
                    pointer += 1
                if balance - amount - need[pointer] < floor:
                    continue  # the customer cannot afford it today
                balance -= amount
                if mcc == "6011":
                    self.add(
                        current,
                        when,
                        "DBIT",
                        amount,
                        PostingKind.CASH_WITHDRAWAL,
                        f"RETRAIT DAB {city.upper()} {label}",
                        f"DAB {city}",
                        channel="ATM",
                    )
                else:
                    self.add(
                        current,
                        when,
                        "DBIT",
                        amount,
                        PostingKind.CARD_SPEND,
                        f"CB {merchant.upper()} {label}",
                        merchant,
                        mcc,
                        "CARD",
                        where,
                    )

    def postings(self) -> dict[str, tuple[PostingSpec, ...]]:
        """Every account's postings, sorted by booking time, with running balances."""
        midnight = datetime.combine(self.start, time(0), tzinfo=bank_zone(self.config.timezone))
        result: dict[str, tuple[PostingSpec, ...]] = {}
        for number, legs in self.legs.items():
            account: AccountSpec = self.accounts[number]
            balance = int(account.opening_balance * 100)
            credit = account.family in CREDIT_FAMILIES
            rendered = []
            for seq, leg in enumerate(sorted(legs), start=1):
                when, _, direction, amount, kind, description, party, mcc, channel, country = leg
                balance += amount if (direction == "CRDT") != credit else -amount
                # Same-zone aware arithmetic is wall-clock arithmetic: the booked wall time.
                booked = midnight + timedelta(seconds=when)
                rendered.append(
                    _posting(
                        id=f"{number}-{seq:05d}",
                        account_number=number,
                        booked_at=booked,
                        value_date=booked.date(),
                        amount=cents(amount),
                        direction=direction,
                        kind=kind,
                        description=description,
                        counterparty=party,
                        mcc=mcc,
                        channel=channel,
                        country=country,
                        balance_after=cents(balance),
                    )
                )
            result[number] = tuple(rendered)
        return result
