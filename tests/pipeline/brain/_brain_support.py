"""Builders for the decision brain's tests: a small bank-shaped customer, catalog and events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from xsell_connect.models import (
    Account,
    AccountHolder,
    AccountStatus,
    AmountBounds,
    Balance,
    BalanceType,
    BankTransactionCode,
    CanonicalEvent,
    CashAccountType,
    Channel,
    Consent,
    CreditDebit,
    EligibilityRules,
    EventType,
    KycStatus,
    LedgerEntry,
    Party,
    PartyStatus,
    PartyType,
    Product,
    ProductFamily,
    RateBounds,
    TermBounds,
)
from xsell_connect.pipeline.engine import DecisionEngine
from xsell_connect.pipeline.state import Catalog
from xsell_connect.policy import Policy
from xsell_connect.sync import Customer360

NOW = datetime(2026, 10, 31, 12, tzinfo=UTC)
TODAY = NOW.date()
PARTY = "100000001"
CURRENT = "FR7600000000000000000000001"
CARD = "4970000000000001"
SAVINGS = "FR7600000000000000000000002"
TD = "FR7600000000000000000000003"
LOAN = "LN0000000001"


def party(**changes: Any) -> Party:
    values: dict[str, Any] = {
        "platform": "mambu",
        "source_id": "8a8e1",
        "id": PARTY,
        "type": PartyType.PERSON,
        "status": PartyStatus.ACTIVE,
        "birth_date": date(1986, 5, 20),
        "segment": "MASS",
        "kyc_status": KycStatus.VERIFIED,
        "customer_since": date(2019, 3, 1),
        "residency": "FR",
        "nationality": "FR",
        "preferred_channel": Channel.EMAIL,
        "consents": tuple(Consent(channel=c, granted=True) for c in Channel),
    }
    values.update(changes)
    return Party(**values)


def account(number: str, family: ProductFamily, code: str, booked: str, **changes: Any) -> Account:
    kinds = {
        ProductFamily.CURRENT: CashAccountType.CACC,
        ProductFamily.CARD: CashAccountType.CARD,
        ProductFamily.SAVINGS: CashAccountType.SVGS,
        ProductFamily.TERM_DEPOSIT: CashAccountType.LLSV,
        ProductFamily.LOAN: CashAccountType.LOAN,
    }
    values: dict[str, Any] = {
        "platform": "mambu",
        "source_id": "k" + number,
        "id": number,
        "holders": (AccountHolder(party_id=PARTY),),
        "product_code": code,
        "family": family,
        "cash_account_type": kinds[family],
        "currency": "EUR",
        "balances": (
            Balance(type=BalanceType.ITBD, amount=Decimal(booked), currency="EUR"),
            Balance(type=BalanceType.ITAV, amount=Decimal(booked), currency="EUR"),
        ),
        "status": AccountStatus.ENAB,
        "opened_on": date(2020, 1, 1),
    }
    values.update(changes)
    return Account(**values)


_SEQ = iter(range(1, 10**9))


def entry(
    account_id: str,
    amount: str,
    direction: CreditDebit,
    *,
    day: date = TODAY,
    balance_after: str | None = None,
    btc: tuple[str, str, str] = ("PMNT", "RCDT", "ESCT"),
    **changes: Any,
) -> LedgerEntry:
    n = next(_SEQ)
    values: dict[str, Any] = {
        "platform": "mambu",
        "source_id": f"t{n}",
        "id": f"T{n}",
        "account_id": account_id,
        "amount": Decimal(amount),
        "currency": "EUR",
        "credit_debit": direction,
        "booking_date": day,
        "value_date": day,
        "booked_at": datetime(day.year, day.month, day.day, 10, tzinfo=UTC) + timedelta(seconds=n),
        "bank_transaction_code": BankTransactionCode(
            domain=btc[0], family=btc[1], sub_family=btc[2]
        ),
        "balance_after": None if balance_after is None else Decimal(balance_after),
    }
    values.update(changes)
    return LedgerEntry(**values)


def posted(e: LedgerEntry) -> CanonicalEvent:
    return CanonicalEvent.wrap(
        type=EventType.LEDGER_ENTRY_POSTED,
        platform="mambu",
        source="/mambu/test",
        key=e.id,
        time=e.booked_at or NOW,
        subject=PARTY,
        data=e,
    )


def notice(kind: EventType | str, data: dict[str, Any] | None = None) -> CanonicalEvent:
    return CanonicalEvent.wrap(
        type=kind,
        platform="mambu",
        source="/mambu/test",
        key=f"{kind}:{PARTY}",
        time=NOW,
        subject=PARTY,
        data=data or {},
    )


def c360(
    accounts: tuple[Account, ...] = (),
    entries: tuple[LedgerEntry, ...] = (),
    who: Party | None = None,
) -> Customer360:
    if not accounts:
        accounts = (account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "1200"),)
    by_account: dict[str, tuple[LedgerEntry, ...]] = {a.id: () for a in accounts}
    for e in entries:
        by_account[e.account_id] = (*by_account.get(e.account_id, ()), e)
    return Customer360(party=who or party(), accounts=accounts, entries=by_account, as_of=NOW)


def salaried(amount: str = "2600", months: int = 3) -> tuple[LedgerEntry, ...]:
    """A salary credit on the 27th of each of the last ``months`` months."""
    out = []
    for back in range(months):
        day = date(2026, 10 - back, 27)
        out.append(
            entry(CURRENT, amount, CreditDebit.CRDT, day=day, balance_after="3000",
                  description="SALAIRE ACME SA")
        )  # fmt: skip
    return tuple(out)


def product(code: str, family: ProductFamily, **changes: Any) -> Product:
    values: dict[str, Any] = {
        "platform": "mambu",
        "source_id": "p" + code,
        "code": code,
        "name": code.replace("_", " ").title(),
        "family": family,
        "currency": "EUR",
        "rate": RateBounds(min=Decimal("1.5"), max=Decimal("3.0"), default=Decimal("2.25")),
        "amount": AmountBounds(min=Decimal("10"), max=Decimal("100000"), currency="EUR"),
        "version": "2026-01",
    }
    values.update(changes)
    return Product(**values)


def catalog_products() -> tuple[Product, ...]:
    return (
        product("SAVINGS_PLUS", ProductFamily.SAVINGS),
        product(
            "FIXED_DEPOSIT_12M", ProductFamily.TERM_DEPOSIT,
            amount=AmountBounds(min=Decimal("1000"), max=Decimal("500000"), currency="EUR"),
            term=TermBounds(min_months=12, max_months=12),
        ),
        product(
            "CLASSIC_CARD", ProductFamily.CARD,
            rate=RateBounds(min=Decimal("15.9"), max=Decimal("21.9"), default=Decimal("18.9")),
            amount=AmountBounds(min=Decimal("500"), max=Decimal("3000"), currency="EUR"),
            eligibility=EligibilityRules(min_age=18, requires_holdings=(ProductFamily.CURRENT,)),
        ),
        product(
            "PERSONAL_LOAN", ProductFamily.LOAN,
            rate=RateBounds(min=Decimal("3.9"), max=Decimal("12.9"), default=Decimal("6.9")),
            amount=AmountBounds(min=Decimal("1000"), max=Decimal("75000"), currency="EUR"),
        ),
    )  # fmt: skip


def catalog() -> Catalog:
    return Catalog.of(catalog_products())


def policy(**changes: Any) -> Policy:
    """The default policy with top-level sections replaced."""
    base = Policy.load().model_dump()
    base.update(changes)
    return Policy.model_validate(base)


def engine(pol: Policy | None = None, **kwargs: Any) -> DecisionEngine:
    return DecisionEngine(
        catalog=kwargs.pop("catalog", catalog()),
        policy=pol or policy(),
        platform="mambu",
        pseudonym_key=b"test-pseudonym-key",
        **kwargs,
    )
