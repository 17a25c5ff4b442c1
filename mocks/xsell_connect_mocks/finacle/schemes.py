"""The bank's schemes and ids as Finacle spells them (reference §1, §2.4).

Products are schemes (``SchmCode`` + ``SchmType``). Finacle has no product-catalogue
inquiry service, so the catalog is a per-bank static scheme table (project convention):
one JSON object per scheme, which the adapter is configured with and which the mock
serves at ``GET /_mock/finacle/schemes``. Its fields are documented in the adapter's
README; ``ProductCode`` is the bank's own product code for the scheme.

Ids: ``CustId`` is the bank's customer number; ``AcctId`` / ``acid`` is ``"3"`` + the
bank's 11-digit account number (a 12-digit acid, as in the field); the SOL (branch) is
four digits derived from the bank's branch code.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

from xsell_connect_mocks.bank import Family, ProductSpec, SyntheticBank
from xsell_connect_mocks.bank.ledger import CREDIT_FAMILIES

__all__ = [
    "SCHEMES",
    "acid_of",
    "finacle_balance",
    "number_of",
    "scheme_of",
    "scheme_table",
    "sol_of",
]

#: Bank product code -> (SchmCode, SchmType). Cards are revolving overdraft schemes.
SCHEMES: dict[str, tuple[str, str]] = {
    "EVERYDAY_CURRENT": ("CAEVD", "CAA"),
    "PREMIER_CURRENT": ("CAPRM", "CAA"),
    "BUSINESS_CURRENT": ("CABUS", "CAA"),
    "SAVINGS_PLUS": ("SBPLS", "SBA"),
    "YOUTH_SAVER": ("SBYTH", "SBA"),
    "FIXED_DEPOSIT_12M": ("TD12M", "TDA"),
    "FIXED_DEPOSIT_24M": ("TD24M", "TDA"),
    "CLASSIC_CARD": ("CCCLS", "ODA"),
    "GOLD_CARD": ("CCGLD", "ODA"),
    "PERSONAL_LOAN": ("PLGEN", "LAA"),
    "HOME_MORTGAGE": ("HLGEN", "LAA"),
}
_TYPE_OF_FAMILY = {
    Family.CURRENT: "CAA",
    Family.SAVINGS: "SBA",
    Family.TERM_DEPOSIT: "TDA",
    Family.CARD: "ODA",
    Family.LOAN: "LAA",
    Family.MORTGAGE: "LAA",
}
ACID_PREFIX = "3"


def scheme_of(product: ProductSpec) -> tuple[str, str]:
    """(SchmCode, SchmType) of a product; products outside the table get a derived code."""
    known = SCHEMES.get(product.code)
    if known is not None:
        return known
    letters = "".join(ch for ch in product.code if ch.isalnum())
    return letters[:5].upper(), _TYPE_OF_FAMILY.get(product.family, "SBA")


def acid_of(account_number: str) -> str:
    return ACID_PREFIX + account_number


def number_of(acid: str) -> str | None:
    """The bank's account number behind an acid (None when it is not one of ours)."""
    acid = acid.strip()
    if len(acid) != 12 or not acid.startswith(ACID_PREFIX):
        return None
    return acid[1:]


def sol_of(branch: str) -> str:
    """A four-digit SOL id for the bank's branch code (stable across runs)."""
    return f"{zlib.crc32(branch.encode()) % 9000 + 1000:04d}"


def finacle_balance(family: Family, balance: Decimal) -> Decimal:
    """Finacle keeps debit balances negative: what a customer owes is below zero."""
    return -balance if family in CREDIT_FAMILIES else balance


def _text(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


def scheme_table(bank: SyntheticBank) -> list[dict[str, Any]]:
    """The bank's static scheme table, one JSON-ready object per scheme."""
    rows = []
    for p in bank.products:
        code, kind = scheme_of(p)
        rows.append(
            {
                "SchmCode": code,
                "SchmType": kind,
                "ProductCode": p.code,
                "Description": p.name,
                "Family": p.family.value,
                "Currencies": [p.currency],
                "RateMin": str(p.rate_min),
                "RateMax": str(p.rate_max),
                "RateDefault": str(p.rate_default),
                "MinAmt": _text(p.amount_min),
                "MaxAmt": _text(p.amount_max),
                "MinTermMonths": _text(p.term_min_months),
                "MaxTermMonths": _text(p.term_max_months),
                "MinAge": _text(p.min_age),
                "MaxAge": _text(p.max_age),
                "SegmentationClass": list(p.segments),
                "Residency": list(p.residency),
                "MinBalance": _text(p.min_balance),
                "RequiresFamilies": [f.value for f in p.requires_families],
                "ExcludesFamilies": [f.value for f in p.excludes_families],
                "CustTypes": ["RETAIL", "CORPORATE"] if p.for_organisations else ["RETAIL"],
                "Channels": [c.value for c in p.channels],
                "ActiveFrom": p.active_from.isoformat(),
                "ActiveTo": p.active_to.isoformat() if p.active_to else "",
                "Version": p.version,
            }
        )
    return rows
