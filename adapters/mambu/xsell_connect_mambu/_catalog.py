"""Mambu deposit and loan products → canonical ``Product``. Pure functions, no I/O.

Mambu has no per-customer eligibility endpoint (reference §2.4): only
``availabilitySettings`` and amount / rate ranges. The bank writes its rules into the
product's ``notes`` as one line (project convention, shared with the Mambu mock)::

    xsell-eligibility: min_age=18;max_age=25;segments=MASS,AFFLUENT;requires=CURRENT;
    excludes=;min_balance=1000;channels=EMAIL,PUSH;organisations=false;
    active_from=2020-01-01;active_to=;version=2026-01

(on one line). Empty values mean "no restriction"; unknown keys are ignored, so the
convention can grow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from xsell_connect.mapping import RecordReader, build_model, country_code
from xsell_connect.models import (
    AmountBounds,
    Channel,
    EligibilityRules,
    PartyType,
    Product,
    ProductFamily,
    RateBounds,
    TermBounds,
)

from ._codes import Codes, amount, extra_fields, trim

__all__ = ["to_product"]

PLATFORM = "mambu"
_ELIGIBILITY_PREFIX = "xsell-eligibility:"


def to_product(raw: Any, kind: Literal["deposit", "loan"], *, platform: str = PLATFORM) -> Product:
    """A deposit or loan product as a ``Product``; eligibility from its ``notes`` line.

    Mambu has no per-customer eligibility (reference §2.4): the bank writes the rules into
    the product's notes as one line, ``xsell-eligibility: min_age=18;max_age=25;
    segments=MASS,AFFLUENT;requires=CURRENT;excludes=;min_balance=1000;channels=EMAIL;
    organisations=false;active_from=2020-01-01;active_to=;version=2026-01`` (project
    convention). Without that line, only ``availabilitySettings.availableFor`` restricts.
    """
    r = RecordReader(raw, platform=platform)
    if kind == "deposit":
        family, family_raw = r.code("type", Codes.DEPOSIT_FAMILY, required=True)
        rate = r.obj("interestSettings").obj("interestRateSettings").obj("interestRate")
        amounts = r.obj("internalControls").obj("openingBalance")
        term = r.obj("maturitySettings").obj("maturityPeriod")
    else:
        family, _, family_raw = Codes.loan_family(r.req_text("type"), r.text("category"))
        interest = r.obj("interestSettings")
        rate = interest.obj("indexRateSettings").obj("interestRate")
        if not rate.raw:
            rate = interest.obj("interestRateSettings").obj("interestRate")
        amounts = r.obj("loanAmountSettings").obj("loanAmount")
        term = r.obj("scheduleSettings").obj("numInstallments")
    listed = r.obj("currencySettings").items("currencies")
    currency = listed[0].text("code") if listed else r.obj("currency").text("code")
    if currency is None:
        raise r.error("required field is missing", "currencySettings")
    status, status_raw = r.code("state", Codes.PRODUCT_STATUS, required=True)
    low, high = _bound(amounts, "min"), _bound(amounts, "max")
    terms: dict[str, Any] = {
        "eligibility": EligibilityRules(party_types=_available_for(r)),
        **_notes_terms(r),
    }
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": r.req_text("encodedKey"),
        "code": r.req_text("id"),
        "name": r.req_text("name"),
        "family": family,
        "family_raw": family_raw,
        "currency": currency,
        "status": status,
        "status_raw": status_raw,
        "rate": None
        if not rate.raw
        else RateBounds(
            min=_bound(rate, "min"), max=_bound(rate, "max"), default=_bound(rate, "default")
        ),
        "amount": None
        if low is None and high is None
        else AmountBounds(min=low, max=high, currency=currency),
        "term": _term(term),
        **terms,
        "extra": extra_fields(raw, ("category",)),
    }
    return build_model(Product, values, r)


def _bound(r: RecordReader, name: str) -> Decimal | None:
    """``minValue`` (product ranges) or ``min`` (opening balance), whichever is there."""
    return amount(r, f"{name}Value") if f"{name}Value" in r.raw else amount(r, name)


def _term(r: RecordReader) -> TermBounds | None:
    low, high = _bound(r, "min"), _bound(r, "max")
    if low is None and high is None:
        return None
    return TermBounds(
        min_months=None if low is None else int(low),
        max_months=None if high is None else int(high),
    )


def _available_for(r: RecordReader) -> tuple[PartyType, ...]:
    kinds = {str(v).upper() for v in r.obj("availabilitySettings").raw.get("availableFor") or ()}
    types = [PartyType.PERSON] if not kinds or "INDIVIDUALS" in kinds else []
    if kinds & {"PURE_GROUPS", "SOLIDARITY_GROUPS"}:
        types.append(PartyType.ORGANISATION)
    return tuple(types) or (PartyType.PERSON,)


def _notes_terms(r: RecordReader) -> dict[str, Any]:
    """Eligibility, channels, active dates and version from the notes line, if any."""
    notes = r.text("notes") or ""
    line = next((ln.strip() for ln in notes.splitlines() if ln.strip().startswith(
        _ELIGIBILITY_PREFIX)), None)  # fmt: skip
    if line is None:
        return {}
    try:
        pairs = dict(
            item.split("=", 1)
            for item in line.removeprefix(_ELIGIBILITY_PREFIX).strip().split(";")
            if item.strip()
        )
        return _parse_terms({k.strip(): v.strip() for k, v in pairs.items()})
    except ValueError as exc:  # a pair without "=", a bad number, date, family or channel
        raise r.error(f"bad eligibility line: {exc}", "notes") from None


def _parse_terms(pairs: Mapping[str, str]) -> dict[str, Any]:
    def items(key: str) -> list[str]:
        return [v.strip().upper() for v in pairs.get(key, "").split(",") if v.strip()]

    def number(key: str) -> str | None:
        return pairs.get(key) or None

    def day(key: str) -> date | None:
        return date.fromisoformat(pairs[key]) if pairs.get(key) else None

    residency = []
    for raw_country in items("residency"):
        code = country_code(raw_country)
        if code is None:
            raise ValueError(f"unknown country {raw_country!r}")
        residency.append(code)
    organisations = pairs.get("organisations", "false").lower() == "true"
    min_age, max_age, min_balance = number("min_age"), number("max_age"), number("min_balance")
    rules = EligibilityRules(
        min_age=None if min_age is None else int(min_age),
        max_age=None if max_age is None else int(max_age),
        residency=tuple(residency),
        segments=tuple(items("segments")),
        min_balance=None if min_balance is None else trim(Decimal(min_balance)),
        requires_holdings=tuple(ProductFamily(v) for v in items("requires")),
        excludes_holdings=tuple(ProductFamily(v) for v in items("excludes")),
        party_types=(PartyType.PERSON, PartyType.ORGANISATION) if organisations
        else (PartyType.PERSON,),
    )  # fmt: skip
    return {
        "eligibility": rules,
        "channels": tuple(Channel(v) for v in items("channels")),
        "active_from": day("active_from"),
        "active_to": day("active_to"),
        "version": pairs.get("version") or None,
    }
