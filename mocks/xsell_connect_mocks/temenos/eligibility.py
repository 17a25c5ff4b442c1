"""Which catalog products a customer may hold: the rules of ``bank.catalog``, evaluated."""

from __future__ import annotations

from decimal import Decimal

from xsell_connect_mocks.bank import CustomerSpec, ProductSpec, SyntheticBank
from xsell_connect_mocks.bank.ledger import CREDIT_FAMILIES
from xsell_connect_mocks.bank.specs import AccountState

__all__ = ["eligible"]


def eligible(bank: SyntheticBank, c: CustomerSpec) -> list[ProductSpec]:
    """The products ``c`` qualifies for on the bank's as-of date, in catalog order."""
    accounts = [a for a in bank.accounts_of(c.index) if a.state is not AccountState.CLOSED]
    held = {a.family for a in accounts}
    deposits = sum(
        (bank.balance(a) for a in accounts if a.family not in CREDIT_FAMILIES), start=Decimal(0)
    )
    today = bank.config.as_of
    age = None
    if c.birth_date is not None:
        born = c.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    organisation = c.kind == "ORGANISATION"
    out = []
    for p in bank.products:
        if organisation != p.for_organisations or (p.segments and c.segment not in p.segments):
            continue
        if age is not None and (
            (p.min_age is not None and age < p.min_age)
            or (p.max_age is not None and age > p.max_age)
        ):
            continue
        if p.residency and c.residency not in p.residency:
            continue
        if p.min_balance is not None and deposits < p.min_balance:
            continue
        if not set(p.requires_families) <= held or set(p.excludes_families) & held:
            continue
        out.append(p)
    return out
