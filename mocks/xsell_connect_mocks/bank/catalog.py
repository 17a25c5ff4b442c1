"""The bank's product catalog: eleven products every vendor can represent.

Only the families CURRENT, SAVINGS, TERM_DEPOSIT, CARD, LOAN and MORTGAGE appear, since
every core in scope models them. Rates are percent per year; for CARD the amount bounds
are the credit limit, for CURRENT the authorised overdraft.

Eligibility reads as: a person qualifies when their segment is in ``segments`` (empty =
all), their age within ``min_age``..``max_age``, their residency in ``residency`` (empty =
any), their total deposits at least ``min_balance``, they hold every family in
``requires_families`` and none in ``excludes_families``. Organisations qualify only for
products with ``for_organisations`` set (and the SME segment admitted).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xsell_connect_mocks.bank.specs import BankConfig, Channel, Family, ProductSpec

__all__ = ["CATALOG_VERSION", "build_catalog"]

CATALOG_VERSION = "2026-01"

_ALL_CHANNELS = tuple(Channel)
_DIGITAL = (Channel.EMAIL, Channel.PUSH, Channel.SMS)
_ADVISED = (Channel.BRANCH, Channel.PHONE, Channel.EMAIL)


def _d(value: str) -> Decimal:
    return Decimal(value)


def build_catalog(config: BankConfig) -> tuple[ProductSpec, ...]:
    """The catalog in the bank's currency and residency, in a fixed order."""
    cur, home = config.currency, (config.country,)

    def product(code: str, name: str, family: Family, rates: str, **terms: Any) -> ProductSpec:
        low, high, default = (_d(r) for r in rates.split("/"))
        return ProductSpec(
            code=code,
            name=name,
            family=family,
            currency=cur,
            version=CATALOG_VERSION,
            rate_min=low,
            rate_max=high,
            rate_default=default,
            **terms,
        )

    return (
        product(
            "EVERYDAY_CURRENT",
            "Everyday Current Account",
            Family.CURRENT,
            "0/0/0",
            amount_min=_d("0"),
            amount_max=_d("2000"),
            min_age=18,
            segments=("MASS", "AFFLUENT", "PRIVATE"),
            channels=_ALL_CHANNELS,
        ),
        product(
            "PREMIER_CURRENT",
            "Premier Current Account",
            Family.CURRENT,
            "0/0/0",
            amount_min=_d("0"),
            amount_max=_d("10000"),
            min_age=18,
            segments=("AFFLUENT", "PRIVATE"),
            min_balance=_d("5000"),
            channels=_ADVISED,
        ),
        product(
            "BUSINESS_CURRENT",
            "Business Current Account",
            Family.CURRENT,
            "0/0/0",
            amount_min=_d("0"),
            amount_max=_d("50000"),
            segments=("SME",),
            channels=_ADVISED,
            for_organisations=True,
        ),
        product(
            "SAVINGS_PLUS",
            "Savings Plus",
            Family.SAVINGS,
            "1.50/3.00/2.25",
            amount_min=_d("10"),
            amount_max=_d("1000000"),
            requires_families=(Family.CURRENT,),
            channels=_ALL_CHANNELS,
            for_organisations=True,
        ),
        product(
            "YOUTH_SAVER",
            "Youth Saver",
            Family.SAVINGS,
            "3.00/4.00/3.50",
            amount_min=_d("10"),
            amount_max=_d("25000"),
            max_age=25,
            segments=("MASS", "AFFLUENT", "PRIVATE"),
            requires_families=(Family.CURRENT,),
            channels=_DIGITAL,
        ),
        product(
            "FIXED_DEPOSIT_12M",
            "Fixed Deposit 12 Months",
            Family.TERM_DEPOSIT,
            "2.50/3.20/2.80",
            amount_min=_d("1000"),
            amount_max=_d("500000"),
            term_min_months=12,
            term_max_months=12,
            requires_families=(Family.CURRENT,),
            channels=_ALL_CHANNELS,
            for_organisations=True,
        ),
        product(
            "FIXED_DEPOSIT_24M",
            "Fixed Deposit 24 Months",
            Family.TERM_DEPOSIT,
            "2.80/3.50/3.10",
            amount_min=_d("5000"),
            amount_max=_d("500000"),
            term_min_months=24,
            term_max_months=24,
            requires_families=(Family.CURRENT,),
            channels=_ALL_CHANNELS,
            for_organisations=True,
        ),
        product(
            "CLASSIC_CARD",
            "Classic Credit Card",
            Family.CARD,
            "15.90/21.90/18.90",
            amount_min=_d("500"),
            amount_max=_d("3000"),
            min_age=18,
            segments=("MASS", "AFFLUENT", "PRIVATE"),
            requires_families=(Family.CURRENT,),
            excludes_families=(Family.CARD,),
            channels=_ALL_CHANNELS,
        ),
        product(
            "GOLD_CARD",
            "Gold Credit Card",
            Family.CARD,
            "14.90/19.90/16.90",
            amount_min=_d("3000"),
            amount_max=_d("15000"),
            min_age=21,
            segments=("AFFLUENT", "PRIVATE"),
            min_balance=_d("10000"),
            requires_families=(Family.CURRENT,),
            excludes_families=(Family.CARD,),
            channels=_ADVISED,
        ),
        product(
            "PERSONAL_LOAN",
            "Personal Loan",
            Family.LOAN,
            "3.90/12.90/6.90",
            amount_min=_d("1000"),
            amount_max=_d("75000"),
            term_min_months=6,
            term_max_months=84,
            min_age=18,
            max_age=75,
            segments=("MASS", "AFFLUENT", "PRIVATE"),
            residency=home,
            requires_families=(Family.CURRENT,),
            channels=_ALL_CHANNELS,
        ),
        product(
            "HOME_MORTGAGE",
            "Home Mortgage",
            Family.MORTGAGE,
            "2.90/4.90/3.60",
            amount_min=_d("50000"),
            amount_max=_d("1500000"),
            term_min_months=60,
            term_max_months=300,
            min_age=18,
            max_age=70,
            segments=("MASS", "AFFLUENT", "PRIVATE"),
            residency=home,
            requires_families=(Family.CURRENT,),
            excludes_families=(Family.MORTGAGE,),
            channels=_ADVISED,
        ),
    )
