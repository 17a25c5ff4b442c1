"""Money and repayment arithmetic: integer cents, annuities, repayment dates.

Amounts are integer cents while generating (exact and fast) and two-place `Decimal`
once rendered.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from xsell_connect_mocks.bank.specs import BankConfig
from xsell_connect_mocks.bank.timeline import add_months, day_in_month, window_start

__all__ = ["cents", "first_due", "installment", "present_value", "round_to"]


def round_to(amount: float, step: int) -> int:
    """`amount` rounded to a multiple of `step`."""
    return round(amount / step) * step


def cents(amount: int) -> Decimal:
    """Integer cents as a two-place Decimal."""
    return Decimal(amount).scaleb(-2)


def installment(principal: int, rate: Decimal, count: int) -> int:
    """Monthly annuity, in cents rounded up, repaying `principal` in `count` payments."""
    r = float(rate) / 1200
    if r == 0:
        return -(-principal // count)
    return int(-(-principal * r // (1 - (1 + r) ** -count)))


def present_value(payment: int, rate: Decimal, count: int) -> int:
    """Principal, in cents, that `count` payments of `payment` repay."""
    r = float(rate) / 1200
    return payment * count if r == 0 else round(payment * (1 - (1 + r) ** -count) / r)


def first_due(config: BankConfig, day: int, after: date) -> date:
    """First repayment date on `day` of the month, inside the window and after `after`."""
    start = max(window_start(config), after + timedelta(days=1))
    due = day_in_month(start.year, start.month, day)
    return due if due >= start else add_months(due, 1)
