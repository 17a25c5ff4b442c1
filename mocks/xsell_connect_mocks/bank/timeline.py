"""Calendar arithmetic shared by the generator: the history window and month stepping.

The history window is ``config.months`` whole months ending on ``config.as_of``: for
as_of 2026-10-31 and 12 months it runs from 2025-11-01 00:00 to 2026-10-31 23:59:59 in
the bank's time zone.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from xsell_connect_mocks.bank.specs import BankConfig

__all__ = [
    "add_months",
    "bank_zone",
    "day_in_month",
    "months_in_window",
    "window_end",
    "window_start",
]


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the end of shorter months."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return day_in_month(year, month + 1, day.day)


def day_in_month(year: int, month: int, day: int) -> date:
    """The given day of a month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def window_start(config: BankConfig) -> date:
    """First day of the history window."""
    return add_months(config.as_of, -config.months) + timedelta(days=1)


def window_end(config: BankConfig) -> datetime:
    """Last instant of the history window (naive, bank wall time)."""
    return datetime.combine(config.as_of, time(23, 59, 59))


def months_in_window(config: BankConfig) -> Iterator[tuple[int, int, int]]:
    """(position, year, month) of every calendar month the window touches, in order."""
    start = window_start(config)
    year, month = start.year, start.month
    position = 0
    while (year, month) <= (config.as_of.year, config.as_of.month):
        yield position, year, month
        position += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@cache
def bank_zone(name: str) -> ZoneInfo:
    """The bank's time zone (cached: ZoneInfo lookups read tzdata)."""
    return ZoneInfo(name)
