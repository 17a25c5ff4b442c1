"""Decide: candidates from the catalog, three separately logged filters, then arbitration.

Filters are tables of ``(rule id, test)``; a test returns the reason a candidate is removed,
or None. A candidate stops at the first rule that removes it; the verdicts keep that rule
and reason, plus one ``<stage>.passed`` verdict per stage a candidate survives.

- eligibility: may the customer have it (catalog rules: status, dates, party type, KYC,
  age, residency, segment, minimum balance, required / excluded holdings);
- applicability: is it relevant now (already held, an offer of it still open);
- suitability: is it in their interest (affordability of credit, over-indebtedness,
  a liquidity buffer before locking money away).

Arbitration priority = propensity × context weight × value × levers, each a ``Factor``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xsell_connect.models import KycStatus, Product, ProductFamily, ProductStatus
from xsell_connect.policy import Policy

from .profile import CREDIT_FAMILIES, Profile
from .scoring import Scored
from .state import Catalog, GovernanceState
from .types import Factor, FilterStage, FilterVerdict, ScoredCandidate, Signal

__all__ = ["Filters", "arbitrate", "candidates"]

_LOCKED = (ProductFamily.TERM_DEPOSIT, ProductFamily.INVESTMENT)


@dataclass(frozen=True)
class Context:
    profile: Profile
    policy: Policy
    state: GovernanceState
    party_id: str
    today: date


Test = Callable[[Product, Context], str | None]


def candidates(
    catalog: Catalog, signals: Sequence[Signal]
) -> tuple[list[Product], list[FilterVerdict]]:
    """Products the signals point to (families expand; unknown codes are rejected)."""
    wanted: list[str] = []
    for signal in signals:
        wanted.extend(signal.products)
    if not wanted:
        return [catalog.products[c] for c in catalog.codes()], []
    families = {str(f) for f in ProductFamily}
    found: dict[str, Product] = {}
    rejected: list[FilterVerdict] = []
    for ref in dict.fromkeys(wanted):
        if ref in families:
            for code in catalog.codes():
                if str(catalog.products[code].family) == ref:
                    found.setdefault(code, catalog.products[code])
        elif (product := catalog.get(ref)) is not None:
            found.setdefault(ref, product)
        else:
            rejected.append(
                FilterVerdict(
                    product_code=ref,
                    stage=FilterStage.ELIGIBILITY,
                    rule_id="catalog.unknown_product",
                    passed=False,
                    reason=f"{ref} is not in catalog {catalog.version}",
                )
            )
    return list(found.values()), rejected


# --- eligibility ---
def _active(p: Product, c: Context) -> str | None:
    if p.status is not ProductStatus.ACTIVE:
        return f"product status is {p.status}"
    if p.active_from and c.today < p.active_from:
        return f"on sale from {p.active_from}"
    if p.active_to and c.today > p.active_to:
        return f"withdrawn on {p.active_to}"
    return None


def _party_type(p: Product, c: Context) -> str | None:
    types = p.eligibility.party_types
    ok = not types or c.profile.party_type in types
    return None if ok else f"for {', '.join(types)} only"


def _kyc(p: Product, c: Context) -> str | None:
    ok = c.profile.kyc is KycStatus.VERIFIED
    return None if ok else f"KYC status is {c.profile.kyc}, VERIFIED required"


def _age(p: Product, c: Context) -> str | None:
    rules, age = p.eligibility, c.profile.age
    if rules.min_age is None and rules.max_age is None:
        return None
    if age is None:
        return "age unknown and the product has age limits"
    if rules.min_age is not None and age < rules.min_age:
        return f"age below the minimum of {rules.min_age}"
    if rules.max_age is not None and age > rules.max_age:
        return f"age above the maximum of {rules.max_age}"
    return None


def _residency(p: Product, c: Context) -> str | None:
    allowed = p.eligibility.residency
    ok = not allowed or c.profile.residency in allowed
    return None if ok else f"residency not in {', '.join(allowed)}"


def _segment(p: Product, c: Context) -> str | None:
    allowed = p.eligibility.segments
    ok = not allowed or c.profile.segment in allowed
    return None if ok else f"segment {c.profile.segment} not in {', '.join(allowed)}"


def _min_balance(p: Product, c: Context) -> str | None:
    need = p.eligibility.min_balance
    ok = need is None or c.profile.deposits >= need
    return None if ok else f"deposits below the minimum balance of {need}"


def _requires(p: Product, c: Context) -> str | None:
    missing = [str(f) for f in p.eligibility.requires_holdings if f not in c.profile.held_families]
    return f"requires holding {', '.join(missing)}" if missing else None


def _excludes(p: Product, c: Context) -> str | None:
    held = [str(f) for f in p.eligibility.excludes_holdings if f in c.profile.held_families]
    return f"not available to holders of {', '.join(held)}" if held else None


# --- applicability ---
def _already_held(p: Product, c: Context) -> str | None:
    return "already holds this product" if p.code in c.profile.held_codes else None


def _open_offer(p: Product, c: Context) -> str | None:
    pending = c.state.has_open_offer(c.party_id, p.code)
    return "an offer of this product is still open" if pending else None


# --- suitability ---
def _affordability(p: Product, c: Context) -> str | None:
    s = c.policy.suitability
    if p.family not in CREDIT_FAMILIES:
        return None
    need = s.min_monthly_inflow_mortgage if p.family is ProductFamily.MORTGAGE else (
        s.min_monthly_inflow_credit
    )  # fmt: skip
    if c.profile.monthly_inflow < need:
        return f"monthly inflow below {need}, credit not affordable"
    return None


def _indebtedness(p: Product, c: Context) -> str | None:
    s, prof = c.policy.suitability, c.profile
    if p.family not in CREDIT_FAMILIES:
        return None
    if prof.overdraft_episodes > s.max_overdraft_episodes:
        return f"{prof.overdraft_episodes} overdraft episodes in 90 days, more credit unsuitable"
    if prof.credit_products >= s.max_credit_products:
        return f"already holds {prof.credit_products} credit products"
    return None


def _liquidity(p: Product, c: Context) -> str | None:
    if p.family not in _LOCKED:
        return None
    minimum = p.amount.min if p.amount and p.amount.min is not None else Decimal(0)
    buffer = c.profile.monthly_outflow * c.policy.suitability.liquidity_buffer_months
    if c.profile.deposits < minimum + buffer:
        return "deposits would not cover the minimum amount plus a spending buffer"
    return None


class Filters:
    """The three stages, each a table of named rules; override a table to change a stage."""

    ELIGIBILITY: tuple[tuple[str, Test], ...] = (
        ("eligibility.product_active", _active),
        ("eligibility.party_type", _party_type),
        ("eligibility.kyc_verified", _kyc),
        ("eligibility.age", _age),
        ("eligibility.residency", _residency),
        ("eligibility.segment", _segment),
        ("eligibility.min_balance", _min_balance),
        ("eligibility.requires_holdings", _requires),
        ("eligibility.excludes_holdings", _excludes),
    )
    APPLICABILITY: tuple[tuple[str, Test], ...] = (
        ("applicability.already_held", _already_held),
        ("applicability.open_offer", _open_offer),
    )
    SUITABILITY: tuple[tuple[str, Test], ...] = (
        ("suitability.affordability", _affordability),
        ("suitability.indebtedness", _indebtedness),
        ("suitability.liquidity_buffer", _liquidity),
    )

    def run(
        self, products: Sequence[Product], ctx: Context
    ) -> tuple[list[Product], list[FilterVerdict]]:
        verdicts: list[FilterVerdict] = []
        alive = list(products)
        for stage, table in (
            (FilterStage.ELIGIBILITY, self.ELIGIBILITY),
            (FilterStage.APPLICABILITY, self.APPLICABILITY),
            (FilterStage.SUITABILITY, self.SUITABILITY),
        ):
            survivors = []
            for product in alive:
                removed = next(
                    ((rule, why) for rule, test in table if (why := test(product, ctx))), None
                )
                rule_id, reason = removed or (f"{stage}.passed", f"passed every {stage} rule")
                verdicts.append(
                    FilterVerdict(
                        product_code=product.code,
                        stage=stage,
                        rule_id=rule_id,
                        passed=removed is None,
                        reason=reason,
                    )
                )
                if removed is None:
                    survivors.append(product)
            alive = survivors
        return alive, verdicts


def _lookup(table: dict[str, Decimal], product: Product) -> tuple[Decimal, str]:
    for key in (product.code, str(product.family)):
        if key in table:
            return table[key], key
    return Decimal(1), "default"


def arbitrate(
    products: Sequence[Product], signals: Sequence[Signal], scored: Scored, policy: Policy
) -> list[ScoredCandidate]:
    """Priority = propensity × context weight × value × levers, highest first."""
    out: list[ScoredCandidate] = []
    for product in products:
        prop = scored.propensities[product.code]
        pointing = [
            s for s in signals if product.code in s.products or product.family in s.products
        ] or list(signals)
        best = max(pointing, key=lambda s: (s.context_weight, s.id))
        value, value_key = _lookup(policy.values, product)
        lever, lever_key = _lookup(policy.levers, product)
        factors = (
            Factor(name="propensity", value=prop.value, explanation=prop.explanation),
            Factor(
                name="context_weight",
                value=best.context_weight,
                explanation=f"signal {best.id} v{best.version}: {best.reason}",
            ),
            Factor(name="value", value=value, explanation=f"policy values[{value_key}]"),
            Factor(name="levers", value=lever, explanation=f"policy levers[{lever_key}]"),
        )
        priority = prop.value * best.context_weight * value * lever
        out.append(
            ScoredCandidate(
                product_code=product.code,
                priority=priority.quantize(Decimal("0.000001")),
                factors=factors,
                scorer=scored.scorer,
                fallback=scored.fallback,
                fallback_reason=scored.fallback_reason,
            )
        )
    out.sort(key=lambda c: (-c.priority, c.product_code))
    return out
