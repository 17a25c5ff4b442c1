"""A customer's financial plan: accounts, income, standing outflows and one-off events.

The plan is cheap (no postings) and drawn from its own ``random.Random(f"{seed}:a:{index}")``;
the ledger turns it into postings. Amounts are integer cents here; `AccountSpec` gets
`Decimal`. Account numbers are the customer number followed by a two-digit slot::

    100000123 01   current            100000123 05   personal loan (BORROWER)
    100000123 02   savings            100000123 06   mortgage (HOMEOWNER)
    100000123 03   term deposit       100000123 07   personal loan repaid in the window
    100000123 04   credit card

so ``account(number)`` finds its customer without a search. Budgets keep standing
outflows at most ~80% of income and size the opening balance of the current account to
cover every scheduled debit before the first pay day, so balance-aware spending (see
`xsell_connect_mocks.bank.ledger`) keeps the account within its floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from xsell_connect_mocks.bank.holdings import Holdings
from xsell_connect_mocks.bank.money import cents, round_to
from xsell_connect_mocks.bank.specs import (
    AccountSpec,
    AccountState,
    BankConfig,
    CustomerSpec,
    Persona,
    ProductSpec,
)

__all__ = ["Flow", "Plan", "make_plan"]

# (kind, counterparty, day of month, cents): a monthly standing flow.
Flow = tuple[str, str, int, int]

# Monthly net income by segment, in euros.
_INCOME = {
    "MASS": (1500, 3200),
    "AFFLUENT": (4000, 8000),
    "PRIVATE": (9000, 20000),
    "SME": (15000, 120000),
}
_EMPLOYERS = (
    "Acme Industries SAS",
    "Globex France SA",
    "Initech Conseil SARL",
    "Hôpital Synthétique",
    "Mairie de Villeneuve",
    "Logistique Exemple SAS",
    "Banque Fictive SA",
    "Université de Nulle-Part",
)
_CLIENTS = ("Client Alpha SAS", "Client Beta SARL", "Client Gamma SA", "Client Delta EURL")
_SUPPLIERS = ("Fournitures Omega SAS", "Grossiste Sigma SA", "Transport Kappa SARL")
_FEE = {"EVERYDAY_CURRENT": 250, "PREMIER_CURRENT": 990, "BUSINESS_CURRENT": 1800}
_TRIP_COUNTRIES = ("ES", "IT", "PT", "DE", "GB", "GR", "MA", "US")


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the ledger needs to write a customer's twelve months."""

    customer: CustomerSpec
    accounts: tuple[AccountSpec, ...]
    incomes: tuple[Flow, ...]  # credits to the current account
    bills: tuple[Flow, ...]  # debits from the current account
    saving: int  # monthly transfer current -> savings, the day after the first income
    spend: int  # monthly debit-card (and cash) spending target
    card_spend: int  # monthly credit-card spending target
    fee: int  # monthly account fee
    agios: int  # monthly overdraft interest (OVERDRAFT_PRONE)
    floor: int  # lowest balance spending may reach (0, or minus most of the overdraft)
    drift_cut: int | None  # first window month with no activity (DRIFTING)
    large_deposit: tuple[date, int, str, str] | None  # day, cents, description, payer
    trips: tuple[tuple[date, int, str, date, int], ...]  # start, days, country, ticket day, ticket
    home_project: tuple[date, int] | None  # a home-improvement purchase (HOMEOWNER)


def make_plan(config: BankConfig, customer: CustomerSpec, catalog: dict[str, ProductSpec]) -> Plan:
    """Draw the plan of `customer` (deterministic from seed and index)."""
    return _Planner(config, customer, catalog).plan()


class _Planner(Holdings):
    def plan(self) -> Plan:
        c, rng, has = self.customer, self.rng, self.personas.__contains__
        income = self._money(*_INCOME[c.segment])
        if self.age >= 64 or self.age <= 25:
            income = income * 7 // 10
        incomes, bills = self._standing_flows(income)
        drift_cut = None
        if has(Persona.DRIFTING):
            drift_cut = max(1, self.config.months - rng.randint(2, 4))
        debts = self._loans(income)
        fixed = sum(f[3] for f in bills) + sum(debts)
        disposable = max(income - fixed, income // 10)
        saving = self._savings(income, disposable)
        disposable = max(disposable - saving, income // 10)
        ratio = rng.uniform(1.05, 1.2) if has(Persona.OVERDRAFT_PRONE) else rng.uniform(0.5, 0.9)
        variable = round(disposable * ratio)
        card_spend, card_owed = self._card(variable, disposable)
        deposit_out = self._term_deposit()
        large = self._large_deposit() if has(Persona.LARGE_DEPOSIT) else None
        trips = self._trips(income) if has(Persona.TRAVELLER) else ()
        home = None
        if has(Persona.HOMEOWNER):
            home = (self._within(20, 10), round(income * rng.uniform(0.2, 0.6)))
        product = self.catalog[
            "BUSINESS_CURRENT"
            if self.org
            else "PREMIER_CURRENT"
            if c.segment in ("AFFLUENT", "PRIVATE")
            else "EVERYDAY_CURRENT"
        ]
        limit = 0
        if has(Persona.OVERDRAFT_PRONE) or rng.random() < 0.5:
            share = rng.uniform(0.2, 0.5) if has(Persona.OVERDRAFT_PRONE) else rng.uniform(0.1, 0.3)
            limit = max(
                20000, min(round_to(income * share, 10000), int(product.amount_max or 0) * 100)
            )
        fee = _FEE[product.code]
        agios = self._money(4, 15) if has(Persona.OVERDRAFT_PRONE) else 0
        # Opening balance: enough for every scheduled debit before the first income and
        # for the one-off purchases, so spending never has to break the floor. The first
        # card repayment may also cover a partial month of spending when the window
        # starts mid-month, hence the card's monthly cap on top of what it owes now.
        reserve = fixed + saving + fee + agios + card_owed + card_spend * 13 // 10 + deposit_out
        reserve += sum(t[4] for t in trips) + (home[1] if home else 0)
        if has(Persona.OVERDRAFT_PRONE):
            opening, floor = reserve - limit // 2, -(limit * 9 // 10)
        else:
            opening, floor = reserve + round(disposable * rng.uniform(0.3, 2.0)), 0
        state = AccountState.DORMANT if drift_cut is not None else AccountState.ACTIVE
        self._add(
            1,
            product,
            c.customer_since,
            state=state,
            rate=Decimal("0.00"),
            limit=cents(limit),
            opening_balance=cents(opening),
        )
        self.accounts.sort(key=lambda a: a.number)
        return Plan(
            customer=c,
            accounts=tuple(self.accounts),
            incomes=incomes,
            bills=bills,
            saving=saving,
            spend=max(variable - card_spend, 0),
            card_spend=card_spend,
            fee=fee,
            agios=agios,
            floor=floor,
            drift_cut=drift_cut,
            large_deposit=large,
            trips=trips,
            home_project=home,
        )

    def _standing_flows(self, income: int) -> tuple[tuple[Flow, ...], tuple[Flow, ...]]:
        rng, c = self.rng, self.customer
        if self.org:
            parts = sorted(rng.sample(range(1, 100), 3))
            shares = [a - b for a, b in zip([*parts, 100], [0, *parts], strict=True)]
            incomes = tuple(
                ("TRANSFER_IN", _CLIENTS[i], rng.randint(2, 27), income * s // 100)
                for i, s in enumerate(shares)
            )
            bills: list[Flow] = [
                ("DIRECT_DEBIT", "URSSAF", 15, income * rng.randint(18, 22) // 100),
                ("TRANSFER_OUT", "SCI Locaux Pro", 5, income * rng.randint(6, 10) // 100),
            ]
            bills += [
                ("TRANSFER_OUT", s, rng.randint(8, 26), income * rng.randint(13, 17) // 100)
                for s in _SUPPLIERS
            ]
            return incomes, tuple(bills)
        if Persona.SALARIED in self.personas:
            incomes = (("SALARY", rng.choice(_EMPLOYERS), rng.randint(25, 28), income),)
        elif self.age >= 62:
            incomes = (("TRANSFER_IN", "Caisse de Retraite", 9, income),)
        else:
            first = income * rng.randint(40, 60) // 100
            incomes = (
                ("TRANSFER_IN", rng.choice(_CLIENTS), rng.randint(1, 12), first),
                ("TRANSFER_IN", rng.choice(_CLIENTS), rng.randint(13, 26), income - first),
            )
        bills = [
            (
                "DIRECT_DEBIT",
                "Électricité du Pays",
                8,
                max(3500, income * rng.randint(2, 4) // 100),
            ),
            ("DIRECT_DEBIT", "Télécom Hexagone", 12, self._money(25, 60)),
            ("DIRECT_DEBIT", "Mutuelle du Centre", 15, income * rng.randint(15, 30) // 1000),
        ]
        if Persona.HOMEOWNER not in self.personas and rng.random() < 0.75:
            landlord = f"Agence Immobilière {c.last_name or 'Centrale'}"
            bills.insert(
                0,
                ("TRANSFER_OUT", landlord, rng.randint(1, 5), income * rng.randint(25, 32) // 100),
            )
        return incomes, tuple(bills)

    def _large_deposit(self) -> tuple[date, int, str, str]:
        low, high = (20_000, 250_000) if self.customer.segment != "MASS" else (20_000, 80_000)
        amount = round_to(self.rng.uniform(low, high), 100) * 100
        if self.org:
            return self._within(10, 5), amount, "VIR CESSION DE FONDS", "Étude Notariale Lefort"
        reason, payer = self.rng.choice(
            (
                ("VIR SUCCESSION", "Étude Notariale Lefort"),
                ("VIR VENTE IMMOBILIERE", "Étude Notariale Garnier"),
                ("VIR PRIME EXCEPTIONNELLE", "Acme Industries SAS"),
            )
        )
        return self._within(10, 5), amount, reason, payer

    def _trips(self, income: int) -> tuple[tuple[date, int, str, date, int], ...]:
        trips = []
        earliest = 35
        for _ in range(self.rng.choice((1, 1, 2))):
            if earliest > self.days - 20:
                break
            start = self._within(earliest, 20)
            ticket_day = max(
                self.start + timedelta(days=30), start - timedelta(days=self.rng.randint(10, 40))
            )
            country = self.rng.choice(_TRIP_COUNTRIES)
            trips.append(
                (
                    start,
                    self.rng.randint(3, 9),
                    country,
                    ticket_day,
                    round(income * self.rng.uniform(0.08, 0.25)),
                )
            )
            earliest = (start - self.start).days + 30
        return tuple(trips)
